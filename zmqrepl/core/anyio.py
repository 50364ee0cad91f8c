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
import time
from typing import Any, Callable, Sequence

try:
    import anyio
except ImportError as exc:  # pragma: no cover - only without anyio
    raise ImportError(
        f"zmqrepl.core.anyio needs the anyio package ({exc}) (hint: pip install 'zmqrepl[anyio]', "
        "or use zmqrepl.core.asyncio with plain asyncio)"
    ) from exc

from ._async_socket import POLLIN, POLLOUT, RETRY_S, AsyncSocketBase, WrongEventLoop
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

    __slots__ = ("_call_soon", "_changed", "_fd_scope", "_fd_waiting", "_want")

    def __init__(
        self, socket_type: str | SocketType | int | SyncSocket, context: Context | None = None
    ) -> None:
        super().__init__(socket_type, context)
        self._fd_waiting = False  # one of them waits on the fd (anyio allows one per fd)
        self._fd_scope: anyio.CancelScope | None = None  # its wait, to make it look again
        self._changed: anyio.Event | None = None  # what the others wait on
        self._call_soon: Callable[[Callable[[], None]], Any] | None = None
        self._want = {POLLIN: 0, POLLOUT: 0}  # waiting tasks that want each direction

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

    async def _wait(self, flag: int, deadline: float | None, retry: bool = False) -> bool:
        if self._thread is not None:
            self._check_thread()
        if self._nwaiting == 0:
            self._thread = threading.get_ident()
            self._call_soon = _call_soon_in_loop()
        if retry and self._look() & flag:
            # Ready, yet the last attempt failed: events says so again at once, so
            # suspend a moment (within the deadline) rather than spin.
            left = RETRY_S if deadline is None else deadline - time.monotonic()
            await anyio.sleep(max(0.0, min(RETRY_S, left)))
            return True
        # The deadline is on time.monotonic; the scope's on the loop's clock.
        scope_deadline = math.inf
        if deadline is not None:
            scope_deadline = float(anyio.current_time()) + max(0.0, deadline - time.monotonic())
        want = self._want
        self._nwaiting += 1
        for bit in (POLLIN, POLLOUT):
            if flag & bit:
                want[bit] += 1
        try:
            with anyio.CancelScope(deadline=scope_deadline):
                while True:
                    if self._look(flag) & flag:
                        return True
                    if self._fd_waiting:
                        changed = self._changed
                        if changed is None:
                            changed = self._changed = anyio.Event()
                        await changed.wait()
                        continue
                    fd = self._read_fd()  # anew: a failed close may have closed the last
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
            for bit in (POLLIN, POLLOUT):
                if flag & bit:
                    want[bit] -= 1

    def _look(self, mine: int = 0) -> int:
        """Read events; if a direction that another waiting task wants is ready, wake
        them all to look (``mine``: the caller waits for these bits itself)."""
        try:
            events = self._events()
        except Exception:
            self._recheck_all()
            raise
        want = self._want
        others = 0
        for bit in (POLLIN, POLLOUT):
            if want[bit] - (1 if mine & bit else 0) > 0:
                others |= bit
        if events & others:
            self._recheck_all()
        return events

    def _wake_others(self) -> None:
        changed, self._changed = self._changed, None
        if changed is not None:
            changed.set()

    def _recheck_all(self) -> None:
        self._wake_others()
        scope = self._fd_scope
        if scope is not None:
            scope.cancel()

    def _recheck(self) -> None:
        """An operation ran while tasks wait: it may have taken the fd's signal with a
        message still queued, so the tasks look if what they want is ready."""
        try:
            self._look()
        except Exception:  # noqa: BLE001 - closed: every task was woken to raise why
            pass

    def _closing(self, closed: bool) -> None:
        if not self._nwaiting:
            if closed:
                self._close_fd()  # nothing waits on it: no loop watches it
            return
        if threading.get_ident() == self._thread:
            if not closed:  # the fd is still open: anyio forgets it now
                self._stop_waiting()
            return
        if not closed:
            return  # woken now, a task would find the socket open and wait again
        call_soon = self._call_soon
        try:
            if call_soon is None:
                raise RuntimeError("no loop")
            call_soon(self._stop_waiting)
        except RuntimeError:
            self._close_fd()  # that loop has ended: nothing waits in it any more

    def _stop_waiting(self) -> None:
        """Wake the task on the fd (anyio forgets the fd before our duplicate of it is
        closed) and the others: each then raises why the socket closed."""
        try:
            if self._fd_waiting and self._fd >= 0:
                try:
                    anyio.notify_closing(self._fd)
                except Exception:  # noqa: BLE001 - no loop here, or the fd is gone already
                    scope = self._fd_scope
                    if scope is not None:
                        scope.cancel()
            self._close_fd()
        finally:
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
            # _look, not a bare read of events: that read resets the fd's signal, so
            # the socket's other waiting tasks must look too.
            got = owner._look() & int(item.events)
            item.revents = PollFlag(got)
            n += bool(got)
        return n

    forever = timeout is None or timeout < 0
    with anyio.move_on_after(math.inf if forever else float(timeout or 0) / 1000.0):
        while True:
            n = ready()
            if n or timeout == 0:
                return n
            failed: list[BaseException] = []
            async with anyio.create_task_group() as group:
                for item, owner in owners:
                    group.start_soon(_first_ready, group.cancel_scope, owner, int(item.events), failed)
            if failed:
                # As the plain poll: the socket's own error (SocketClosed...), not a group.
                raise failed[0]
    return ready()


async def _first_ready(
    scope: anyio.CancelScope, owner: Socket, mask: int, failed: list[BaseException]
) -> None:
    try:
        await owner._wait(mask, None)
    except Exception as exc:  # noqa: BLE001 - handed to poll() to raise
        failed.append(exc)
    scope.cancel()
