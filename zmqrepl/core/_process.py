"""Process-wide bookkeeping: live objects, fork and interpreter exit.

After fork the child inherits the parent's contexts and sockets as plain
memory. It must never close or terminate them (that would tear down the
parent's connections), so the child forgets them all at once, here, instead
of checking the pid on every call.
"""

from __future__ import annotations

import atexit
import os
import weakref
from typing import TYPE_CHECKING, Callable, TypeVar

if TYPE_CHECKING:
    from .context import Context
    from .socket import Socket

__all__ = ["EXIT_LINGER_MS", "after_fork", "live_contexts", "live_sockets", "snapshot"]

T = TypeVar("T")

live_sockets: weakref.WeakSet[Socket] = weakref.WeakSet()
live_contexts: weakref.WeakSet[Context] = weakref.WeakSet()
# What other modules reset in a forked child (context.py: its default context). They
# register here so that this module, which they import, never imports them back.
after_fork: list[Callable[[], None]] = []

# At interpreter exit queued messages get this long (ms) to leave, then are
# dropped: exit must never hang on a peer that went away.
EXIT_LINGER_MS = 1000


def snapshot(items: weakref.WeakSet[T]) -> list[T]:
    """The live members of a WeakSet, as a list. Another thread adding to it while it is
    read makes the read fail ("set changed size during iteration", as seen on PyPy,
    whose threads switch more often in the middle of it): read again."""
    while True:
        try:
            return list(items)
        except RuntimeError:
            pass


def _forget_after_fork() -> None:
    for sock in list(live_sockets):
        sock._forget()
    for ctx in list(live_contexts):
        ctx._forget()
    for reset in after_fork:
        reset()


def _shutdown_at_exit() -> None:
    for ctx in snapshot(live_contexts):
        try:
            ctx._exit_cleanup(EXIT_LINGER_MS)
        except Exception:  # noqa: BLE001 - exit must go on whatever happens
            pass


os.register_at_fork(after_in_child=_forget_after_fork)
atexit.register(_shutdown_at_exit)
