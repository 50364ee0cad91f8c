"""The prompt_toolkit front end of zmqrepl (``zmqrepl`` on the command line)."""

from __future__ import annotations

from .app import main

__all__ = ["main"]
