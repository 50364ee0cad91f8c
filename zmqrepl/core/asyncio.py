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
closed); one that libzmq answers at once just works. Works with uvloop too.
"""

from __future__ import annotations

import asyncio
import threading
from asyncio import AbstractEventLoop, Future
from collections import deque
from typing import Sequence

from ._async_socket import POLLIN, POLLOUT, AsyncSocketBase, WrongEventLoop
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

    __slots__ = ("_loop", "_pollers", "_rq", "_sq")

    def __init__(
        self, socket_type: str | SocketType | int | SyncSocket, context: Context | None = None
    ) -> None:
        super().__init__(socket_type, context)
        self._loop: AbstractEventLoop | None = None
        # Tasks waiting to receive / to send, oldest first, each on its own future;
        # a wake-up goes to the first (see _recheck).
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
        fd = self._read_fd()
        loop.add_reader(fd, self._recheck)
        self._loop = loop
        self._thread = threading.get_ident()
        return loop

    def _deadline(self, timeout_ms: int) -> float:
        return self._bind().time() + timeout_ms / 1000.0

    # -- waiting ---------------------------------------------------------------------------

    async def _wait(self, flag: int, deadline: float | None) -> bool:
        loop = self._bind()
        # The reader is registered: a change from now on wakes us. One that came since
        # the last operation may have left the fd quiet, so look first.
        if self._events() & flag:
            return True
        fut: Future[bool] = loop.create_future()
        queue = self._rq if flag == POLLIN else self._sq
        queue.append(fut)
        timer = None if deadline is None else loop.call_at(deadline, _expire, queue, fut)
        self._nwaiting += 1
        try:
            return await fut
        except asyncio.CancelledError:
            if fut.cancelled():
                _discard(queue, fut)
            elif fut.result():
                self._recheck()  # woken, but will not act on it: the next task is
            raise
        finally:
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

    def _recheck(self) -> None:
        """The fd fired, or an operation ran while tasks wait: wake the first waiting
        receiver if a message is queued, the first sender if there is room, and every
        poll() that waits for what the socket has now."""
        try:
            events = self._events()
        except ZMQError:
            events = POLLIN | POLLOUT  # closed or terminated: let them all raise why
        if events & POLLIN:
            _wake_first(self._rq)
        if events & POLLOUT:
            _wake_first(self._sq)
        for fut, mask in self._pollers:
            if events & mask and not fut.done():
                fut.set_result(True)

    def _closing(self, closed: bool) -> None:
        loop = self._loop
        if loop is None:
            return
        if threading.get_ident() == self._thread:
            if not closed:  # the fd is still open: unwatch it now
                self._stop_waiting()
            return
        if not closed:
            return  # woken now, a task would find the socket open and wait again
        try:
            loop.call_soon_threadsafe(self._stop_waiting)
        except RuntimeError:
            pass  # that loop is closed: nothing waits in it any more

    def _stop_waiting(self) -> None:
        """Unwatch the fd (still open when called before the close, as it is in the
        loop's own thread) and wake every waiting task; they raise why it closed."""
        loop, self._loop = self._loop, None
        if loop is not None and not loop.is_closed() and self._fd >= 0:
            try:
                loop.remove_reader(self._fd)
            except (OSError, ValueError):
                pass  # closed by another thread already: the selector forgot it
        for queue in (self._rq, self._sq):
            while queue:
                fut = queue.popleft()
                if not fut.done():
                    fut.set_result(True)
        for fut, _mask in self._pollers:
            if not fut.done():
                fut.set_result(True)


def _wake_first(queue: deque[Future[bool]]) -> None:
    while queue:
        fut = queue.popleft()
        if not fut.done():
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
    deadline = 0.0 if forever else loop.time() + float(timeout or 0) / 1000.0
    while True:
        ready = 0
        for item, owner in owners:
            got = owner._events() & int(item.events)
            item.revents = PollFlag(got)
            ready += bool(got)
        if ready or (not forever and loop.time() >= deadline):
            return ready
        fut: Future[bool] = loop.create_future()
        entries = [(owner, (fut, int(item.events))) for item, owner in owners]
        for owner, entry in entries:
            owner._pollers.append(entry)
            owner._nwaiting += 1
        timer = None if forever else loop.call_at(deadline, _expire, deque(), fut)
        try:
            await fut
        finally:
            if timer is not None:
                timer.cancel()
            for owner, entry in entries:
                owner._nwaiting -= 1
                try:
                    owner._pollers.remove(entry)
                except ValueError:
                    pass
