"""zmqrepl.core for anyio: the same sockets on its asyncio and trio backends.

    >>> import trio
    >>> from zmqrepl.core.anyio import Socket
    >>> async def main():
    ...     with Socket("req") as req:
    ...         req.connect("tcp://127.0.0.1:5555")
    ...         await req.send(b"ping")
    ...         print(await req.recv())
    >>> trio.run(main)

The API is that of ``zmqrepl.core.asyncio`` (and of the plain Socket): awaitable
``recv``, ``recv_multipart``, ``recv_many``, ``send``, ``send_multipart``,
``send_many``, ``poll``, ``async for``. A ready message is returned at once; otherwise
one task at a time waits on the socket's fd with ``anyio.wait_readable``, and the
others wait for it to say that ``events`` changed. Cancellation (a cancel scope,
``anyio.fail_after``...) while waiting loses no message: each task takes its message
itself, after its wait. Needs anyio 4.7 or later (``pip install 'zmqrepl[anyio]'``).
"""

from __future__ import annotations

import math
import sys
import threading
from typing import Any, Callable, Sequence

try:
    import anyio
except ImportError as exc:  # pragma: no cover - only without anyio
    raise ImportError(
        f"zmqrepl.core.anyio needs the anyio package ({exc}) (hint: pip install 'zmqrepl[anyio]', "
        "or use zmqrepl.core.asyncio with plain asyncio)"
    ) from exc

from ._async_socket import AsyncSocketBase, WrongEventLoop
from .constants import Errno, PollFlag, SocketType
from .context import Context
from .poll import PollItem
from .socket import Socket as SyncSocket

__all__ = ["Socket", "WrongEventLoop", "poll"]


def _call_soon_in_loop() -> Callable[[Callable[[], None]], Any] | None:
    """How another thread can have the running loop (asyncio or trio) call a function."""
    import asyncio

    try:
        return asyncio.get_running_loop().call_soon_threadsafe
    except RuntimeError:
        pass
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            token = trio.lowlevel.current_trio_token()
        except RuntimeError:
            return None
        run_soon: Callable[[Callable[[], None]], Any] = token.run_sync_soon
        return run_soon
    return None


class Socket(AsyncSocketBase):
    """A ZeroMQ socket for anyio: ``Socket("pull")``, ``Socket("sub", ctx)``, or
    ``Socket(plain_socket)``."""

    __slots__ = ("_call_soon", "_changed", "_fd_scope", "_fd_waiting")

    def __init__(
        self, socket_type: str | SocketType | int | SyncSocket, context: Context | None = None
    ) -> None:
        super().__init__(socket_type, context)
        self._fd_waiting = False  # one of them waits on the fd (anyio allows one per fd)
        self._fd_scope: anyio.CancelScope | None = None  # its wait, to make it look again
        self._changed: anyio.Event | None = None  # what the others wait on
        self._call_soon: Callable[[Callable[[], None]], Any] | None = None

    def _check_thread(self) -> None:
        if threading.get_ident() != self._thread and self._nwaiting:
            raise WrongEventLoop(
                Errno.EBUSY,
                "socket in use",
                (
                    f"tasks in another thread ({self._thread}) wait on this {self._sync.type.name} "
                    "socket; an async socket is used from one event loop at a time (hint: make "
                    "a socket in each loop or thread)"
                ),
            )

    def _deadline(self, timeout_ms: int) -> float:
        return float(anyio.current_time()) + timeout_ms / 1000.0

    def _after_op(self) -> None:
        if threading.get_ident() == self._thread:
            self._recheck()
            return
        call_soon = self._call_soon
        if call_soon is not None:
            try:
                call_soon(self._recheck)
            except RuntimeError:
                pass  # that loop has ended: nothing waits in it any more

    async def _wait(self, flag: int, deadline: float | None) -> bool:
        if self._thread is not None:
            self._check_thread()
        fd = self._read_fd()
        if self._nwaiting == 0:
            self._thread = threading.get_ident()
            self._call_soon = _call_soon_in_loop()
        self._nwaiting += 1
        try:
            with anyio.CancelScope(deadline=math.inf if deadline is None else deadline):
                while True:
                    if self._events() & flag:
                        return True
                    if self._fd_waiting:
                        changed = self._changed
                        if changed is None:
                            changed = self._changed = anyio.Event()
                        await changed.wait()
                        continue
                    self._fd_waiting = True
                    try:
                        with anyio.CancelScope() as scope:
                            self._fd_scope = scope
                            await anyio.wait_readable(fd)
                    except anyio.ClosedResourceError:
                        pass  # the socket is closing: the next look at events raises why
                    finally:
                        self._fd_waiting = False
                        self._fd_scope = None
                        self._wake_others()
            return False  # the deadline passed
        finally:
            self._nwaiting -= 1

    def _wake_others(self) -> None:
        changed, self._changed = self._changed, None
        if changed is not None:
            changed.set()

    def _recheck(self) -> None:
        """An operation ran while tasks wait: it may have taken the fd's signal with a
        message still queued, so every waiting task looks at events again."""
        self._wake_others()
        scope = self._fd_scope
        if scope is not None:
            scope.cancel()

    def _closing(self, closed: bool) -> None:
        if not self._nwaiting:
            return
        if threading.get_ident() == self._thread:
            if not closed:  # the fd is still open: anyio forgets it now
                self._stop_waiting()
            return
        if not closed:
            return  # woken now, a task would find the socket open and wait again
        call_soon = self._call_soon
        if call_soon is not None:
            try:
                call_soon(self._stop_waiting)
            except RuntimeError:
                pass  # that loop has ended: nothing waits in it any more

    def _stop_waiting(self) -> None:
        """Wake the task on the fd (before the close, so anyio forgets the fd while it
        is open) and the others: each then raises why the socket closed."""
        if self._fd_waiting and self._fd >= 0:
            try:
                anyio.notify_closing(self._fd)
            except Exception:  # noqa: BLE001 - no loop here, or the fd is gone already
                scope = self._fd_scope
                if scope is not None:
                    scope.cancel()
        self._wake_others()


async def poll(items: Sequence[PollItem], timeout: int | float | None = None) -> int:
    """Wait until one of these anyio sockets is ready; returns how many are, with each
    item's ``revents`` set (as ``zmqrepl.core.poll``). ``timeout`` in ms: None waits for
    ever, 0 looks once."""
    owners: list[tuple[PollItem, Socket]] = []
    for item in items:
        if not isinstance(item, PollItem) or item.socket is None:
            raise TypeError(
                "poll() takes PollItems over anyio sockets (hint: PollItem(sock, in_=True); "
                "for a plain fd use anyio.wait_readable)"
            )
        ref = item.socket._async_owner
        owner = ref() if ref is not None else None
        if not isinstance(owner, Socket):
            raise TypeError(
                "poll() takes anyio sockets (hint: wrap a plain one: zmqrepl.core.anyio.Socket(sock))"
            )
        owners.append((item, owner))

    def ready() -> int:
        n = 0
        for item, owner in owners:
            got = owner._events() & int(item.events)
            item.revents = PollFlag(got)
            n += bool(got)
        return n

    forever = timeout is None or timeout < 0
    with anyio.move_on_after(math.inf if forever else float(timeout or 0) / 1000.0):
        while True:
            n = ready()
            if n or timeout == 0:
                return n
            async with anyio.create_task_group() as group:
                for item, owner in owners:
                    group.start_soon(_first_ready, group.cancel_scope, owner, int(item.events))
    return ready()


async def _first_ready(scope: anyio.CancelScope, owner: Socket, mask: int) -> None:
    await owner._wait(mask, None)
    scope.cancel()
