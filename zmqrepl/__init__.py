"""zmqrepl: an interactive ZeroMQ toolkit.

``zmqrepl.core`` is the libzmq binding; the shell and the IPython magics build on it.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
