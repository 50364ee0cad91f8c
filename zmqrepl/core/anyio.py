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
itself, after its wait. A socket holds no reference to an event loop once no task waits
on it, so it can be used from the next ``anyio.run``. Needs anyio 4.7 or later
(``pip install 'zmqrepl[anyio]'``).
"""

from __future__ import annotations

import math
import sys
import threading
import time
import weakref
from typing import Any, Callable, Sequence

try:
    import anyio
except ImportError as exc:  # pragma: no cover - only without anyio
    raise ImportError(
        f"zmqrepl.core.anyio needs the anyio package ({exc}) (hint: pip install 'zmqrepl[anyio]', "
        "or use zmqrepl.core.asyncio with plain asyncio)"
    ) from exc

from ._async_poll import poll_owners
from ._async_socket import POLLIN, POLLOUT, RETRY_S, AsyncBase, WrongEventLoop
from .constants import Errno, PollFlag, SocketType
from .context import Context
from .poll import PollItem
from .socket import Socket as SyncSocket

__all__ = ["Socket", "WrongEventLoop", "poll"]


_CallSoon = Callable[[Callable[[], None]], Any]


def _running_loop() -> tuple[_CallSoon | None, weakref.ref[Any] | None]:
    """How another thread can have the running loop (asyncio or trio) call a function,
    and on asyncio a weak reference to the loop, to tell when it has closed. Neither
    keeps an asyncio loop alive; a trio run ends only when its tasks have, and the socket
    lets go of its token when no task waits."""
    import asyncio

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        ref = weakref.ref(loop)

        def call_soon(fn: Callable[[], None]) -> None:
            alive = ref()
            if alive is None:
                raise RuntimeError("that event loop is gone")
            alive.call_soon_threadsafe(fn)

        return call_soon, ref
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            token = trio.lowlevel.current_trio_token()
        except RuntimeError:
            return None, None
        run_soon: _CallSoon = token.run_sync_soon
        return run_soon, None
    return None, None


class Socket(AsyncBase):
    """A ZeroMQ socket for anyio: ``Socket("pull")``, ``Socket("sub", ctx)``, or
    ``Socket(plain_socket)``."""

    __slots__ = ("_call_soon", "_changed", "_epoch", "_fd_scope", "_fd_waiting", "_loop_ref", "_want")

    def __init__(
        self, socket_type: str | SocketType | int | SyncSocket, context: Context | None = None
    ) -> None:
        super().__init__(socket_type, context)
        self._fd_waiting = False  # one of them waits on the fd (anyio allows one per fd)
        self._fd_scope: anyio.CancelScope | None = None  # its wait, to make it look again
        self._changed: anyio.Event | None = None  # what the others wait on
        # While tasks wait: how another thread wakes them, and their asyncio loop (weakly).
        self._call_soon: _CallSoon | None = None
        self._loop_ref: weakref.ref[Any] | None = None
        self._want = {POLLIN: 0, POLLOUT: 0}  # waiting tasks that want each direction
        self._epoch = 0  # loops forgotten so far: a task of an older one counts no more

    def _stale(self) -> bool:
        """The asyncio loop the waiting tasks are in has closed: they never run again."""
        ref = self._loop_ref
        if ref is None:
            return False
        loop = ref()
        return loop is None or bool(loop.is_closed())

    def _forget(self) -> None:
        """Forget the tasks of a closed asyncio loop (its selector forgot the fd)."""
        self._epoch += 1
        self._nwaiting = 0
        self._want = {POLLIN: 0, POLLOUT: 0}
        self._fd_waiting = False
        self._fd_scope = None
        self._changed = None
        self._call_soon = None
        self._loop_ref = None

    def _let_go(self) -> None:
        """When no task waits, the socket keeps no hold on their loop (and may move)."""
        if not self._nwaiting:
            self._call_soon = None
            self._loop_ref = None

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
        if self._nwaiting and self._stale():
            self._forget()
        if self._thread is not None:
            self._check_thread()
        if self._nwaiting == 0:
            self._thread = threading.get_ident()
            self._call_soon, self._loop_ref = _running_loop()
        if retry and self._look() & flag:
            # Ready, yet the last attempt failed: events says so again at once, so
            # suspend a moment (within the deadline) rather than spin.
            left = RETRY_S if deadline is None else deadline - time.monotonic()
            try:
                await anyio.sleep(max(0.0, min(RETRY_S, left)))
            finally:
                self._let_go()
            return True
        # The deadline is on time.monotonic; the scope's on the loop's clock.
        scope_deadline = math.inf
        if deadline is not None:
            scope_deadline = float(anyio.current_time()) + max(0.0, deadline - time.monotonic())
        want = self._want
        epoch = self._epoch
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
                        if epoch == self._epoch:
                            self._fd_waiting = False
                            self._fd_scope = None
                            if self._sync.closed:
                                self._close_fd()  # anyio has let go of it now (_stop_waiting)
                            self._wake_others()
            return False  # the deadline passed
        finally:
            if epoch == self._epoch:
                self._nwaiting -= 1
                for bit in (POLLIN, POLLOUT):
                    if flag & bit:
                        want[bit] -= 1
                self._let_go()

    def _look(self, mine: int = 0) -> int:
        """Read events; if a direction that another waiting task wants is ready, wake
        them all to look (``mine``: the caller waits for these bits itself)."""
        if self._loop_ref is not None and self._stale():
            self._forget()  # a closed loop's tasks: waking them would raise there
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
        # Before the close (closed False) nothing is done: a close can fail (SocketBusy),
        # and then the socket is open and its tasks must go on waiting. The loop watches
        # a duplicate of the fd, which libzmq's close leaves open until _stop_waiting.
        if not closed:
            return
        if not self._nwaiting or self._stale():
            self._close_fd()  # nothing waits on it: no loop watches it
            return
        if threading.get_ident() == self._thread:
            self._stop_waiting()
            return
        call_soon = self._call_soon
        try:
            if call_soon is None:
                raise RuntimeError("no loop")
            call_soon(self._stop_waiting)
        except RuntimeError:
            self._close_fd()  # that loop has ended: nothing waits in it any more

    def _stop_waiting(self) -> None:
        """After the close: wake the waiting tasks; each then raises why. The one on the
        fd closes our duplicate of it once anyio has let go of it: closed now, its number
        could go to a new socket's fd while anyio still counts it as waited on (a new
        wait on it would fail, and the old wait's end would unwatch the new one). A
        cancel, not anyio.notify_closing, which needs a task: this runs in a plain
        callback when the close came from another thread."""
        try:
            scope = self._fd_scope
            if self._fd_waiting and scope is not None:
                scope.cancel()
            else:
                self._close_fd()
        finally:
            self._wake_others()


async def poll(items: Sequence[PollItem], timeout: int | float | None = None) -> int:
    """Wait until one of these anyio sockets is ready; returns how many are, with each
    item's ``revents`` set (as ``zmqrepl.core.poll``). ``timeout`` in ms: None waits for
    ever, 0 looks once."""
    owners = poll_owners(items, Socket, "anyio", "anyio.wait_readable")

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
