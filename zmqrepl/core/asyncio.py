"""zmqrepl.core for asyncio: sockets whose receives and sends are awaited.

    >>> from zmqrepl.core.asyncio import Socket
    >>> async def main():
    ...     with Socket("pull") as pull:
    ...         pull.bind("tcp://127.0.0.1:5555")
    ...         async for frames in pull:        # ends when pull is closed
    ...             print(frames)

Names and arguments are those of ``zmqrepl.core.Socket``: ``await sock.recv()``,
``recv_multipart``, ``recv_many``, ``send``, ``send_multipart``, ``send_many``, and
``await poll(items, timeout)`` over several of these sockets. A message libzmq has
already queued is returned at once, without a future or a trip through the loop (so a
consumer that is never short of messages never yields: ``await asyncio.sleep(0)`` now
and then lets other tasks run). Otherwise the task waits for the socket's fd in the
loop (``add_reader``) and takes the message itself when it runs again, so a receive
cancelled while it waits (``asyncio.wait_for``, ``asyncio.timeout``, ``task.cancel``)
has taken nothing: the next receive gets the message.

rcvtimeo/sndtimeo raise Again after that many ms; ``close()`` (from any thread) makes
waiting tasks raise SocketClosed (a close that fails leaves them waiting), and
terminating the context ContextTerminated. A socket waits in one event loop: an
operation that would wait from another loop or thread raises WrongEventLoop at once (the
socket may move to a new loop once its old one is closed; it holds no reference to a
loop, so a closed one is not kept alive). One that libzmq answers at once may be
called from another thread, but a call there that meets one in the loop's thread on the
socket at the same moment raises SocketBusy (libzmq sockets are not thread-safe;
zmqrepl refuses instead of crashing).
``fileno()`` is the plain socket's fd; the loop watches a duplicate, so a reader added
on it does not replace the socket's own. The plain ``zmqrepl.core.poll`` refuses these
sockets (it would take their wake-ups): ``await poll(...)`` here. Works with uvloop too.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from asyncio import AbstractEventLoop, Future
from collections import deque
from typing import Callable, Sequence

from ._async_poll import poll_owners
from ._async_socket import POLLIN, POLLOUT, RETRY_S, AsyncBase, WrongEventLoop
from ._lib import lib
from .constants import Errno, PollFlag, SocketType
from .context import Context
from .errors import ZMQError
from .poll import PollItem
from .socket import Socket as SyncSocket

__all__ = ["Socket", "WrongEventLoop", "poll"]

_CLOSED = lib.ZR_CLOSED


class _Waits:
    """The tasks of one event loop waiting on one socket, each on its own future, oldest
    first; a wake-up goes to the first (see Socket._look). Held by that loop (the fd's
    reader) and by the waiting tasks; the socket keeps only a weak reference, so a closed
    loop, and tasks left pending in it, are not kept alive by the socket."""

    __slots__ = ("__weakref__", "loop", "pollers", "rq", "sq")

    def __init__(self, loop: AbstractEventLoop) -> None:
        self.loop = loop
        self.rq: deque[Future[bool]] = deque()  # tasks waiting to receive
        self.sq: deque[Future[bool]] = deque()  # ... to send
        self.pollers: list[tuple[Future[bool], int]] = []  # poll() calls, with their masks


def _no_waits() -> _Waits | None:
    return None


class Socket(AsyncBase):
    """A ZeroMQ socket for asyncio: ``Socket("pull")``, ``Socket("sub", ctx)``, or
    ``Socket(plain_socket)`` over an existing ``zmqrepl.core.Socket``."""

    __slots__ = ("_epoch", "_waits")

    def __init__(
        self, socket_type: str | SocketType | int | SyncSocket, context: Context | None = None
    ) -> None:
        super().__init__(socket_type, context)
        self._waits: Callable[[], _Waits | None] = _no_waits  # those of the loop it waits in
        self._epoch = 0  # moves to a new loop so far: a task of an older one counts no more

    # -- the loop ----------------------------------------------------------------------

    def _current(self) -> _Waits | None:
        """The waits of the loop the socket is bound to; None (and the old loop's tasks
        forgotten: they never run again) once that loop is closed."""
        waits = self._waits()
        if waits is not None and not waits.loop.is_closed():
            return waits
        if self._waits is not _no_waits:
            self._forget()
        return None

    def _forget(self) -> None:
        """Unbind from a closed loop: its selector forgot the fd, and its tasks and their
        count go (the epoch keeps a task of it from counting itself out later)."""
        self._waits = _no_waits
        self._nwaiting = 0
        self._epoch += 1

    def _bind(self) -> _Waits:
        """The running loop's waits; the socket waits in that loop from now on (its fd
        is watched)."""
        loop = asyncio.get_running_loop()
        waits = self._current()
        if waits is not None and waits.loop is loop:
            return waits
        sync = self._sync
        if sync.closed:
            raise sync._error(_CLOSED, "recv")
        if waits is not None:
            raise WrongEventLoop(
                Errno.EBUSY,
                "socket in use",
                (
                    f"this {sync.type.name} socket waits in another event loop (thread "
                    f"{self._thread}); an asyncio socket belongs to one loop (hint: make a "
                    "socket in each loop or thread, or close the other loop first)"
                ),
            )
        waits = _Waits(loop)
        # The reader's callback holds the waits: as long as the loop watches the fd.
        loop.add_reader(self._read_fd(), self._fd_ready, waits)
        self._waits = weakref.ref(waits)
        self._thread = threading.get_ident()
        return waits

    def _fd_ready(self, waits: _Waits) -> None:
        self._recheck()

    # -- waiting ---------------------------------------------------------------------------

    async def _wait(self, flag: int, deadline: float | None, retry: bool = False) -> bool:
        waits = self._bind()
        # The reader is registered: a change from now on wakes us. One that came since
        # the last operation may have left the fd quiet, so look first.
        if self._look(flag) & flag:
            if not retry:
                return True
            # Ready, yet the last attempt failed: events says so again at once, so
            # suspend a moment (within the deadline) rather than spin.
            pause = RETRY_S if deadline is None else max(0.0, min(RETRY_S, deadline - time.monotonic()))
            await asyncio.sleep(pause)
            return True
        loop = waits.loop
        fut: Future[bool] = loop.create_future()
        queue = waits.rq if flag == POLLIN else waits.sq
        queue.append(fut)
        timer = None
        if deadline is not None:
            timer = loop.call_later(max(0.0, deadline - time.monotonic()), _expire, queue, fut)
        epoch = self._epoch
        self._nwaiting += 1
        try:
            return await fut
        except BaseException as exc:
            if not fut.done() or fut.cancelled():
                _discard(queue, fut)
            elif isinstance(exc, asyncio.CancelledError) and fut.result():
                self._recheck()  # woken, but will not act on it: the next task is
            raise
        finally:
            if epoch == self._epoch:
                self._nwaiting -= 1
            if timer is not None and not loop.is_closed():
                timer.cancel()

    def _after_op(self) -> None:
        if threading.get_ident() == self._thread:
            self._recheck()
            return
        waits = self._waits()
        if waits is not None:
            try:
                waits.loop.call_soon_threadsafe(self._recheck)
            except RuntimeError:
                pass  # that loop is closed: nothing waits in it any more

    def _look(self, mine: int = 0) -> int:
        """Wake the first waiting receiver if a message is queued, the first sender if
        there is room, and every poll() that waits for what the socket has now; but not
        for ``mine``, which the caller takes itself. Raises if the socket is closed
        (having woken every task, to raise why)."""
        waits = self._current()
        try:
            events = self._events()
        except ZMQError:
            if waits is not None:
                _wake_all(waits)
            raise
        if waits is None:
            return events
        if events & POLLIN and not mine & POLLIN and waits.rq:
            _wake_first(waits.rq)
        if events & POLLOUT and not mine & POLLOUT and waits.sq:
            _wake_first(waits.sq)
        for fut, mask in waits.pollers:
            if events & mask and not fut.done():
                fut.set_result(True)
        return events

    def _recheck(self) -> None:
        try:
            self._look()
        except ZMQError:
            pass  # closed or terminated: every task was woken to raise why

    def _closing(self, closed: bool) -> None:
        # Before the close (closed False) nothing is done: a close can fail (SocketBusy),
        # and then the socket is open and its tasks must go on waiting. The loop watches
        # a duplicate of the fd, which libzmq's close leaves open, so it can be unwatched
        # after the close.
        if not closed:
            return
        waits = self._waits()
        if waits is None or waits.loop.is_closed():
            self._close_fd()  # no loop watches it (a closed loop's selector forgot it)
        elif threading.get_ident() == self._thread:
            self._stop_waiting(waits)
        else:
            try:
                waits.loop.call_soon_threadsafe(self._stop_waiting, waits)
            except RuntimeError:
                self._close_fd()  # that loop closed just now: nothing waits in it

    def _stop_waiting(self, waits: _Waits) -> None:
        """After the close: unwatch the fd, close our duplicate of it, and wake every
        waiting task; they raise why the socket closed."""
        self._waits = _no_waits
        try:
            if self._fd >= 0:
                try:
                    waits.loop.remove_reader(self._fd)
                except Exception:  # noqa: BLE001 - uvloop raises its own kinds
                    pass
            self._close_fd()
        finally:
            _wake_all(waits)


def _wake_first(queue: deque[Future[bool]]) -> None:
    while queue:
        fut = queue.popleft()
        if not fut.done():
            fut.set_result(True)
            return


def _wake_all(waits: _Waits) -> None:
    for queue in (waits.rq, waits.sq):
        while queue:
            fut = queue.popleft()
            if not fut.done():
                fut.set_result(True)
    for fut, _mask in waits.pollers:
        if not fut.done():
            fut.set_result(True)


def _discard(queue: deque[Future[bool]], fut: Future[bool]) -> None:
    if queue and queue[-1] is fut:
        queue.pop()  # the usual case: the newest waiter gives up
    else:
        try:
            queue.remove(fut)
        except ValueError:
            pass


def _expire(queue: deque[Future[bool]], fut: Future[bool]) -> None:
    if not fut.done():
        fut.set_result(False)
    _discard(queue, fut)


async def poll(items: Sequence[PollItem], timeout: int | float | None = None) -> int:
    """Wait until one of these asyncio sockets is ready; returns how many are, with each
    item's ``revents`` set (as ``zmqrepl.core.poll``). ``timeout`` in ms: None waits for
    ever, 0 looks once."""
    owners = poll_owners(items, Socket, "asyncio", "loop.add_reader")
    loop = asyncio.get_running_loop()
    bound = [(item, owner, owner._bind()) for item, owner in owners]
    forever = timeout is None or timeout < 0
    deadline = 0.0 if forever else time.monotonic() + float(timeout or 0) / 1000.0
    while True:
        ready = 0
        for item, owner, _waits in bound:
            # _look, not a bare read of events: that read resets the fd's signal, so
            # the socket's other waiting tasks must look too.
            got = owner._look() & int(item.events)
            item.revents = PollFlag(got)
            ready += bool(got)
        if ready or (not forever and time.monotonic() >= deadline):
            return ready
        fut: Future[bool] = loop.create_future()
        entries = [(owner, waits, owner._epoch, (fut, int(item.events))) for item, owner, waits in bound]
        for owner, waits, _epoch, entry in entries:
            waits.pollers.append(entry)
            owner._nwaiting += 1
        timer = None
        if not forever:
            timer = loop.call_later(max(0.0, deadline - time.monotonic()), _expire, deque(), fut)
        try:
            await fut
        finally:
            if timer is not None:
                timer.cancel()
            for owner, waits, epoch, entry in entries:
                if epoch == owner._epoch:
                    owner._nwaiting -= 1
                try:
                    waits.pollers.remove(entry)
                except ValueError:
                    pass
