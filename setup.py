"""Wires the cffi extension (zmqrepl/core/_build.py) into the build; metadata is in pyproject.toml."""

from setuptools import setup

setup(cffi_modules=["zmqrepl/core/_build.py:ffibuilder"])
