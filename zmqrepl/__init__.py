"""zmqrepl: an interactive ZeroMQ toolkit.

``zmqrepl.core`` is the libzmq binding; the shell and the IPython magics build on it.
"""

from __future__ import annotations

# The one version number: pyproject.toml reads it (dynamic version), `zmqrepl --version` shows it.
__version__ = "0.1.0"
__all__ = ["__version__"]


def load_ipython_extension(ip: object) -> None:
    """``%load_ext zmqrepl``: the %zmq magics (needs IPython)."""
    from .magics import load_ipython_extension as load

    load(ip)


def unload_ipython_extension(ip: object) -> None:
    from .magics import unload_ipython_extension as unload

    unload(ip)
