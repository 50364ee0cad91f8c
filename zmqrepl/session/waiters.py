"""A pending ``recv``: the engine fills it as messages arrive."""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .filters import MessageFilter

__all__ = ["Waiter"]


class Waiter:
    def __init__(self, count: int, filt: MessageFilter | None = None) -> None:
        self.count = max(1, count)
        self.filter = filt  # recv --where/--grep: only messages it lets through are taken
        self.messages: list[list[bytes]] = []
        self.future: Future[list[list[bytes]]] = Future()

    def fail(self, exc: BaseException) -> None:
        """Engine thread: end the wait with an error (its socket was closed)."""
        if not self.future.done():
            self.future.set_exception(exc)

    def peer_gone(self, endpoint: str) -> None:
        """Engine thread: the socket's last peer disconnected (``endpoint``, as the monitor
        names it). A recv waits on: a peer may come back and send."""

    def offer(self, frames: list[bytes]) -> bool:
        """Take a message; True once the waiter has all it asked for."""
        if self.future.done():
            return True
        self.messages.append(frames)
        if len(self.messages) >= self.count:
            self.future.set_result(self.messages)
            return True
        return False
