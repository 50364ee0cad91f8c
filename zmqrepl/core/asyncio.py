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
waiting tasks raise SocketClosed, and terminating the context ContextTerminated. A
socket waits in one event loop: an operation that would wait from another loop or thread
raises WrongEventLoop at once (the socket may move to a new loop once its old one is
closed). One that libzmq answers at once may be called from another thread, but a call
there that meets one in the loop's thread on the socket at the same moment raises
SocketBusy (libzmq sockets are not thread-safe; zmqrepl refuses instead of crashing).
``fileno()`` is the plain socket's fd; the loop watches a duplicate, so a reader added
on it does not replace the socket's own. The plain ``zmqrepl.core.poll`` refuses these
sockets (it would take their wake-ups): ``await poll(...)`` here. Works with uvloop too.
"""

from __future__ import annotations

import asyncio
import threading
import time
from asyncio import AbstractEventLoop, Future
from collections import deque
from typing import Sequence

from ._async_socket import POLLIN, POLLOUT, RETRY_S, AsyncSocketBase, WrongEventLoop
from ._lib import lib
from .constants import Errno, PollFlag, SocketType
from .context import Context
from .errors import ZMQError
from .poll import PollItem
from .socket import Socket as SyncSocket

__all__ = ["Socket", "WrongEventLoop", "poll"]

_get_running_loop = asyncio._get_running_loop  # None outside a loop; no exception
_CLOSED = lib.ZR_CLOSED


class Socket(AsyncSocketBase):
    """A ZeroMQ socket for asyncio: ``Socket("pull")``, ``Socket("sub", ctx)``, or
    ``Socket(plain_socket)`` over an existing ``zmqrepl.core.Socket``."""

    __slots__ = ("_epoch", "_loop", "_pollers", "_rq", "_sq")

    def __init__(
        self, socket_type: str | SocketType | int | SyncSocket, context: Context | None = None
    ) -> None:
        super().__init__(socket_type, context)
        self._loop: AbstractEventLoop | None = None
        self._epoch = 0  # moves to a new loop so far: a task of an older one counts no more
        # Tasks waiting to receive / to send, oldest first, each on its own future;
        # a wake-up goes to the first (see _look).
        self._rq: deque[Future[bool]] = deque()
        self._sq: deque[Future[bool]] = deque()
        self._pollers: list[tuple[Future[bool], int]] = []  # poll() calls waiting on it

    # -- the loop ----------------------------------------------------------------------

    def _bind(self) -> AbstractEventLoop:
        """The running loop, which this socket waits in from now on (its fd is watched)."""
        loop = asyncio.get_running_loop()
        old = self._loop
        if old is loop:
            return loop
        sync = self._sync
        if sync.closed:
            raise sync._error(_CLOSED, "recv")
        if old is not None and not old.is_closed():
            raise WrongEventLoop(
                Errno.EBUSY,
                "socket in use",
                (
                    f"this {sync.type.name} socket waits in another event loop (thread "
                    f"{self._thread}); an asyncio socket belongs to one loop (hint: make a "
                    "socket in each loop or thread, or close the other loop first)"
                ),
            )
        # The tasks of a closed loop never run again: forget them, and their count.
        self._rq.clear()
        self._sq.clear()
        self._pollers.clear()
        self._nwaiting = 0
        self._epoch += 1
        fd = self._read_fd()
        loop.add_reader(fd, self._recheck)
        self._loop = loop
        self._thread = threading.get_ident()
        return loop

    # -- waiting ---------------------------------------------------------------------------

    async def _wait(self, flag: int, deadline: float | None, retry: bool = False) -> bool:
        loop = self._bind()
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
        fut: Future[bool] = loop.create_future()
        queue = self._rq if flag == POLLIN else self._sq
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
            if timer is not None:
                timer.cancel()

    def _after_op(self) -> None:
        if threading.get_ident() == self._thread:
            self._recheck()
            return
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._recheck)
            except RuntimeError:
                pass  # that loop is closed: nothing waits in it any more

    def _look(self, mine: int = 0) -> int:
        """Wake the first waiting receiver if a message is queued, the first sender if
        there is room, and every poll() that waits for what the socket has now; but not
        for ``mine``, which the caller takes itself. Raises if the socket is closed
        (having woken every task, to raise why)."""
        try:
            events = self._events()
        except ZMQError:
            self._wake_all()
            raise
        loop = self._loop
        if events & POLLIN and not mine & POLLIN and self._rq:
            _wake_first(self._rq, loop)
        if events & POLLOUT and not mine & POLLOUT and self._sq:
            _wake_first(self._sq, loop)
        for fut, mask in self._pollers:
            if events & mask and not fut.done():
                fut.set_result(True)
        return events

    def _recheck(self) -> None:
        try:
            self._look()
        except ZMQError:
            pass  # closed or terminated: every task was woken to raise why

    def _wake_all(self) -> None:
        # A future of a closed loop (its task never runs again) cannot be woken.
        for queue in (self._rq, self._sq):
            while queue:
                fut = queue.popleft()
                if not fut.done() and not fut.get_loop().is_closed():
                    fut.set_result(True)
        for fut, _mask in self._pollers:
            if not fut.done() and not fut.get_loop().is_closed():
                fut.set_result(True)

    def _closing(self, closed: bool) -> None:
        loop = self._loop
        if loop is None:
            if closed:
                self._close_fd()
            return
        if threading.get_ident() == self._thread:
            if not closed:  # unwatch the fd before the close, in the loop's own thread
                self._stop_waiting()
            return
        if not closed:
            return  # woken now, a task would find the socket open and wait again
        try:
            loop.call_soon_threadsafe(self._stop_waiting)
        except RuntimeError:
            # That loop is closed: nothing waits in it, and its selector forgot the fd.
            self._loop = None
            self._close_fd()

    def _stop_waiting(self) -> None:
        """Unwatch the fd, close our duplicate of it, and wake every waiting task; they
        raise why the socket closed. A close that then fails (SocketBusy) leaves the
        socket open: its tasks wait again, and the next wait watches the fd anew."""
        loop, self._loop = self._loop, None
        try:
            if loop is not None and not loop.is_closed() and self._fd >= 0:
                try:
                    loop.remove_reader(self._fd)
                except Exception:  # noqa: BLE001 - uvloop raises its own kinds
                    pass
            self._close_fd()
        finally:
            self._wake_all()


def _wake_first(queue: deque[Future[bool]], loop: AbstractEventLoop | None) -> None:
    while queue:
        fut = queue.popleft()
        if not fut.done() and fut.get_loop() is loop:
            fut.set_result(True)
            return


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
    owners: list[tuple[PollItem, Socket]] = []
    for item in items:
        if not isinstance(item, PollItem) or item.socket is None:
            raise TypeError(
                "poll() takes PollItems over asyncio sockets (hint: PollItem(sock, in_=True); "
                "for a plain fd use loop.add_reader)"
            )
        ref = item.socket._async_owner
        owner = ref() if ref is not None else None
        if not isinstance(owner, Socket):
            raise TypeError(
                "poll() takes asyncio sockets (hint: wrap a plain one: zmqrepl.core.asyncio.Socket(sock))"
            )
        owners.append((item, owner))
    loop = asyncio.get_running_loop()
    for _item, owner in owners:
        owner._bind()
    forever = timeout is None or timeout < 0
    deadline = 0.0 if forever else time.monotonic() + float(timeout or 0) / 1000.0
    while True:
        ready = 0
        for item, owner in owners:
            # _look, not a bare read of events: that read resets the fd's signal, so
            # the socket's other waiting tasks must look too.
            got = owner._look() & int(item.events)
            item.revents = PollFlag(got)
            ready += bool(got)
        if ready or (not forever and time.monotonic() >= deadline):
            return ready
        fut: Future[bool] = loop.create_future()
        entries = [(owner, owner._epoch, (fut, int(item.events))) for item, owner in owners]
        for owner, _epoch, entry in entries:
            owner._pollers.append(entry)
            owner._nwaiting += 1
        timer = None
        if not forever:
            timer = loop.call_later(max(0.0, deadline - time.monotonic()), _expire, deque(), fut)
        try:
            await fut
        finally:
            if timer is not None:
                timer.cancel()
            for owner, epoch, entry in entries:
                if epoch == owner._epoch:
                    owner._nwaiting -= 1
                try:
                    owner._pollers.remove(entry)
                except ValueError:
                    pass
