"""IPython front end: ``%load_ext zmqrepl`` (or ``zmqrepl.magics``) registers %zmq and %%zmq.

Needs the optional dependencies: ``pip install zmqrepl[notebook]``.
"""

from __future__ import annotations

from typing import Any

from .magics import ZmqMagics

__all__ = ["ZmqMagics", "load_ipython_extension", "unload_ipython_extension"]

_loaded: dict[int, tuple[ZmqMagics, Any]] = {}


def load_ipython_extension(ip: Any) -> None:
    if id(ip) in _loaded:
        return
    from .matcher import make_matcher

    magics = ZmqMagics(shell=ip)
    ip.register_magics(magics)
    matcher = make_matcher(lambda: magics.session)
    ip.Completer.custom_matchers.append(matcher)
    _loaded[id(ip)] = (magics, matcher)
    ip.events.register("shutdown_kernel", magics.close) if "shutdown_kernel" in getattr(
        ip.events, "callbacks", {}
    ) else None
    import atexit

    atexit.register(magics.close)


def unload_ipython_extension(ip: Any) -> None:
    magics, matcher = _loaded.pop(id(ip), (None, None))
    if magics is not None:
        magics.close()
        if matcher in ip.Completer.custom_matchers:
            ip.Completer.custom_matchers.remove(matcher)
        # Take %zmq and %%zmq away too, or they would keep running on a closed ZmqMagics.
        manager = ip.magics_manager
        for kind in ("line", "cell"):
            if getattr(manager.magics[kind].get("zmq"), "__self__", None) is magics:
                del manager.magics[kind]["zmq"]
        if manager.registry.get(type(magics).__name__) is magics:
            del manager.registry[type(magics).__name__]
