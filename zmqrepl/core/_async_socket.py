"""What the asyncio and anyio sockets share: every operation, over a plain Socket.

Each operation first makes the non-blocking call (no future, no trip through the
event loop); only when libzmq says EAGAIN does it wait, in
``_wait``, which each front end implements with its own loop's means. The message
is taken by the waiting task itself, after the wait, with no await in between: a
task cancelled while it waits has taken nothing.

libzmq's fd is edge-triggered: it signals that ``events`` may have changed, and any
operation on the socket (ours, or another task's) can consume that signal while a
message is still queued; so can a call that fails with EAGAIN (libzmq processes
its commands then) and every read of ``events``. So after every call into libzmq,
whatever its outcome, when tasks wait on the socket, ``_after_op`` makes them look at
``events`` again (``_look``: receivers are woken when POLLIN is set, senders on
POLLOUT, polls by their mask).

The fd the loop watches is a duplicate (``os.dup``) owned by the async socket: a close
from another thread closes libzmq's fd at once, and its number may be reused by a new
socket before the loop has unregistered the old one; the duplicate keeps its number
until the loop has let go of it.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any, Callable, Iterable, TypeVar

from ._lib import KEEPS_GIL, ffi, lib
from ._options import OptionValue
from .batch import MessageBatch
from .constants import Errno, Option, PollFlag, SocketType
from .context import Context
from .errors import Again, ContextTerminated, SocketBusy, SocketClosed, ZMQError
from .messaging import Frame
from .properties import PropertiesArg
from .socket import Socket as SyncSocket
from .zerocopy import ZEROCOPY_THRESHOLD as _ZC_MIN

__all__ = ["AsyncBase", "AsyncSocketBase", "PlainAsyncSocketBase", "WrongEventLoop"]

POLLIN = int(PollFlag.POLLIN)
POLLOUT = int(PollFlag.POLLOUT)
_DONTWAIT = lib.ZMQ_DONTWAIT
_EVENTS = int(Option.EVENTS)
if KEEPS_GIL:  # CPython: see csrc/hot.c; PyPy builds have no zr_hot_* (PlainAsyncSocketBase)
    _hot_recv_nowait = lib.zr_hot_recv_nowait
    _hot_send_nowait = lib.zr_hot_send_nowait
_getsockopt = lib.zr_getsockopt
_SEND_SLICE = 1024  # messages per call into C once send_many has found the queue full
# After an attempt failed although events said ready (a ROUTER with router_mandatory
# whose one peer is full while another has room), the next wait is this long at least:
# events would say ready again at once, and a loop that never suspends starves the rest.
RETRY_S = 0.005

_S = TypeVar("_S", bound="AsyncSocketBase")


class WrongEventLoop(SocketBusy):
    """An async socket was used from an event loop (or thread) other than the one it
    waits in. Raised at once, instead of a wait that nothing would ever wake."""


class AsyncSocketBase:
    """A plain ``zmqrepl.core.Socket`` whose blocking operations are awaitable."""

    __slots__ = (
        "__weakref__",
        "_addr",
        "_box",
        "_ev_buf",
        "_ev_size",
        "_fd",
        "_nwaiting",
        "_sync",
        "_thread",
    )

    def __init__(
        self, socket_type: str | SocketType | int | SyncSocket, context: Context | None = None
    ) -> None:
        if isinstance(socket_type, SyncSocket):
            if context is not None and context is not socket_type.context:
                raise ValueError("a socket given with a context must belong to that context")
            sync = socket_type
        else:
            sync = SyncSocket(socket_type, context)
        if sync._async_owner is not None and sync._async_owner() is not None:
            raise ZMQError(
                Errno.EINVAL,
                None,
                (
                    f"this {sync.type.name} socket already has an async socket over it "
                    "(hint: use that one; two would each wait for the other's wake-ups)"
                ),
            )
        self._sync = sync
        self._addr = sync._addr
        self._box = sync._box
        self._ev_buf: Any = ffi.new("int *")
        self._ev_size: Any = ffi.new("size_t *")
        self._fd = -1  # read when first waiting; kept so that a close can unregister it
        self._thread: int | None = None  # the thread whose loop waits on the fd
        self._nwaiting = 0  # tasks waiting on this socket (in _wait, or a poll)
        sync._async_owner = weakref.ref(self)

    @classmethod
    def from_socket(cls: type[_S], sock: SyncSocket) -> _S:
        """An async socket over an existing plain one (which it then owns)."""
        return cls(sock)

    # -- what each front end provides --------------------------------------------------

    async def _wait(self, flag: int, deadline: float | None, retry: bool = False) -> bool:
        """Wait until ``events`` has ``flag``, or ``deadline`` (time.monotonic) passes:
        True when it may be ready, False on the deadline (or a little before: the
        caller checks the clock itself). ``retry``: the last attempt failed, so
        suspend for a moment even when ``events`` says ready."""
        raise NotImplementedError

    def _look(self, mine: int = 0) -> int:
        """Read ``events`` once (which resets the fd's signal) and wake the waiting
        tasks whose direction is ready, except for the bits of ``mine`` (the caller's
        own, which it acts on itself); in the loop's thread. Returns the events."""
        raise NotImplementedError

    def _recheck(self) -> None:
        """_look from the fd's callback, or after an operation: never raises (a closed
        socket wakes every task, to raise why)."""
        raise NotImplementedError

    def _after_op(self) -> None:
        """_recheck, from any thread: an operation that libzmq answered at once runs in
        whichever thread called it, and only the loop's own may wake its tasks."""
        raise NotImplementedError

    def _closing(self, closed: bool) -> None:
        """The plain socket is about to close (``closed`` False) or has closed (True),
        in any thread. Only once it has closed: wake every waiting task, in the loop's
        thread, to raise why (a close can fail, and then the tasks go on waiting)."""
        raise NotImplementedError

    # -- the plain socket ------------------------------------------------------------------

    @property
    def socket(self) -> SyncSocket:
        """The plain socket underneath (options, monitor...). Do not block on it."""
        return self._sync

    @property
    def type(self) -> SocketType:
        return self._sync.type

    @property
    def context(self) -> Context:
        return self._sync.context

    @property
    def closed(self) -> bool:
        return self._sync.closed

    @property
    def endpoints(self) -> tuple[list[str], list[str]]:
        return self._sync.endpoints

    @property
    def last_endpoint(self) -> str:
        return self._sync.last_endpoint

    def bind(self, endpoint: str) -> str:
        return self._sync.bind(endpoint)

    def connect(self, endpoint: str) -> None:
        self._sync.connect(endpoint)

    def unbind(self, endpoint: str) -> None:
        self._sync.unbind(endpoint)

    def disconnect(self, endpoint: str) -> None:
        self._sync.disconnect(endpoint)

    def set(self, option: str | Option | int, value: OptionValue) -> None:
        self._sync.set(option, value)

    def get(self, option: str | Option | int) -> OptionValue:
        return self._sync.get(option)

    @property
    def events(self) -> PollFlag:
        """ZMQ_EVENTS now. Reading it resets the fd's signal, so the waiting tasks look
        again too."""
        try:
            return PollFlag(self._events())
        finally:
            if self._nwaiting:
                self._after_op()

    def fileno(self) -> int:
        """The plain socket's fd (edge-triggered: read ``events`` after it fires). The
        async socket watches a duplicate of its own, which a reader added on this one
        does not replace."""
        return self._sync.fd

    def close(self, linger: int | None = None) -> None:
        """Close the socket (idempotent); tasks waiting on it raise SocketClosed."""
        self._sync.close(linger)

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self: _S) -> _S:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return repr(self._sync).replace("<zmqrepl.core.Socket", f"<{type(self).__module__}.Socket", 1)

    def _events(self) -> int:
        """ZMQ_EVENTS, read in one call into C (it also resets the fd's signal)."""
        self._ev_size[0] = 4
        rc = _getsockopt(self._sync._st, _EVENTS, self._ev_buf, self._ev_size)
        if rc:
            raise self._sync._error(rc, "poll")
        return int(self._ev_buf[0])

    def _read_fd(self) -> int:
        """The fd the loop watches: a duplicate of ZMQ_FD, closed by _close_fd."""
        if self._fd < 0:
            self._fd = os.dup(int(self._sync.get(Option.FD)))
            self._thread = threading.get_ident()
        return self._fd

    def _close_fd(self) -> None:
        fd, self._fd = self._fd, -1
        if fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass

    def __del__(self) -> None:
        # A loop that still watched the fd would keep this object alive (its callback).
        if getattr(self, "_fd", -1) >= 0:  # not set when __init__ raised
            self._close_fd()

    # -- waiting ---------------------------------------------------------------------------

    async def _until(self, attempt: Callable[[], Any], flag: int) -> Any:
        """Wait and ``attempt`` (non-blocking: None when it would block) until it gives a
        result, within the socket's rcvtimeo/sndtimeo (then Again)."""
        sync = self._sync
        op = "recv" if flag == POLLIN else "send"
        timeout = sync._rcvtimeo if flag == POLLIN else sync._sndtimeo
        if timeout == 0:
            raise _would_block(sync, op)
        # On time.monotonic, not the loop's clock: uvloop's counts whole ms, and a
        # timer on it can fire up to a ms early.
        deadline = None if timeout < 0 else time.monotonic() + timeout / 1000.0
        retry = False
        while True:
            await self._wait(flag, deadline, retry)
            # No await from here to the return: a task that is cancelled has waited,
            # never taken a message it would then drop.
            try:
                result = attempt()
            finally:
                if self._nwaiting:
                    self._after_op()
            if result is not None:
                return result
            if deadline is not None and time.monotonic() >= deadline:
                raise sync._timed_out(op, timeout)
            retry = True

    # -- receiving -------------------------------------------------------------------------

    async def recv(self, nonblocking: bool = False, as_: Any = None) -> Any:
        """Receive one frame (as for Socket.recv); waits without blocking the loop."""
        try:
            if as_ is None:
                rc = _hot_recv_nowait(self._addr)
                frame = self._box.pop() if not rc else self._sync._recv_finish(rc, _DONTWAIT)
            else:
                frame = self._sync.recv(True, as_)
        finally:
            # Even a receive that found nothing processed libzmq's commands.
            if self._nwaiting:
                self._after_op()
        if frame is None and not nonblocking:
            sync = self._sync
            return await self._until(lambda: sync.recv(True, as_), POLLIN)
        return frame

    async def recv_multipart(
        self, *, nonblocking: bool = False, as_: Any = bytes, properties: PropertiesArg = False
    ) -> Any:
        """Every frame of the next message (as for Socket.recv_multipart)."""
        sync = self._sync
        try:
            got = sync.recv_multipart(nonblocking=True, as_=as_, properties=properties)
        finally:
            if self._nwaiting:
                self._after_op()
        if got is None and not nonblocking:
            return await self._until(
                lambda: sync.recv_multipart(nonblocking=True, as_=as_, properties=properties), POLLIN
            )
        return got

    async def recv_many(
        self,
        max_messages: int = 1000,
        *,
        nonblocking: bool = False,
        max_bytes: int = 16 * 1024 * 1024,
        properties: PropertiesArg = False,
    ) -> MessageBatch:
        """Up to ``max_messages`` ready messages in one call into C; waits for the first
        unless ``nonblocking`` (as for Socket.recv_many)."""
        sync = self._sync
        try:
            batch = sync.recv_many(max_messages, nonblocking=True, max_bytes=max_bytes, properties=properties)
        finally:
            if self._nwaiting:
                self._after_op()
        if len(batch) or nonblocking:
            return batch

        def attempt() -> MessageBatch | None:
            got = sync.recv_many(max_messages, nonblocking=True, max_bytes=max_bytes, properties=properties)
            return got if len(got) else None

        waited: MessageBatch = await self._until(attempt, POLLIN)
        return waited

    def __aiter__(self: _S) -> _S:
        return self

    async def __anext__(self) -> list[Any]:
        """``async for frames in sock``: each incoming message; ends when the socket is
        closed or its context terminated."""
        try:
            frames: list[Any] = await self.recv_multipart()
        except (SocketClosed, ContextTerminated):
            raise StopAsyncIteration from None
        return frames

    # -- sending ---------------------------------------------------------------------------

    async def send(self, msg: Frame, nonblocking: bool = False, more: bool = False) -> None:
        """Send one frame (as for Socket.send); waits for room without blocking the loop."""
        sync = self._sync
        try:
            if not more and type(msg) is bytes and len(msg) < _ZC_MIN:
                rc = _hot_send_nowait(self._addr, msg, len(msg))
                if rc:
                    sync._send_finish(rc, msg, _DONTWAIT)  # raises why (Again: no room now)
            else:
                sync.send(msg, True, more)
        except Again:
            if nonblocking:
                raise
        else:
            return
        finally:
            if self._nwaiting:
                self._after_op()
        await self._until(lambda: _sent(lambda: sync.send(msg, True, more)), POLLOUT)

    async def send_multipart(self, parts: Iterable[Frame], *, nonblocking: bool = False) -> None:
        """Send all parts as one message, or none of them."""
        sync = self._sync
        frames = list(parts)
        try:
            sync.send_multipart(frames, nonblocking=True)
        except Again:
            if nonblocking:
                raise
        else:
            return
        finally:
            if self._nwaiting:
                self._after_op()
        await self._until(lambda: _sent(lambda: sync.send_multipart(frames, nonblocking=True)), POLLOUT)

    async def send_many(
        self, messages: Iterable[Frame | Iterable[Frame]], *, nonblocking: bool = False
    ) -> int:
        """Send several messages, as many per call into C as the queue takes; returns
        how many were sent (all of them unless ``nonblocking``). A wait that ends in an
        exception (Again after sndtimeo, a cancel, a close) tells how many went in its
        ``sent`` attribute, as the plain Socket.send_many does."""
        sync = self._sync
        rest = list(messages)
        total = len(rest)
        try:
            done = sync.send_many(rest, nonblocking=True)
        finally:
            if self._nwaiting:
                self._after_op()
        if done >= total or nonblocking:
            return done

        def attempt() -> int | None:
            # In slices: each call into C builds its arrays for all it is given, and
            # a full queue takes only as many as it has room for.
            nonlocal done
            while done < total:
                chunk = rest[done : done + _SEND_SLICE]
                sent = sync.send_many(chunk, nonblocking=True)
                done += sent
                if sent < len(chunk):
                    return None
            return total

        try:
            finished: int = await self._until(attempt, POLLOUT)
        except BaseException as exc:
            # An error from a slice's own call tells how many of that slice went.
            exc.sent = done + getattr(exc, "sent", 0)  # type: ignore[attr-defined]
            raise
        return finished


class PlainAsyncSocketBase(AsyncSocketBase):
    """recv() and send() for builds without the zr_hot_* helpers (PyPy; see _build.py's
    KEEPS_GIL): the first, non-blocking attempt is the plain socket's own."""

    __slots__ = ()

    async def recv(self, nonblocking: bool = False, as_: Any = None) -> Any:
        """Receive one frame (as for Socket.recv); waits without blocking the loop."""
        sync = self._sync
        try:
            frame = sync.recv(True, as_)
        finally:
            # Even a receive that found nothing processed libzmq's commands.
            if self._nwaiting:
                self._after_op()
        if frame is None and not nonblocking:
            return await self._until(lambda: sync.recv(True, as_), POLLIN)
        return frame

    async def send(self, msg: Frame, nonblocking: bool = False, more: bool = False) -> None:
        """Send one frame (as for Socket.send); waits for room without blocking the loop."""
        sync = self._sync

        def attempt() -> bool | None:
            return _sent(lambda: sync.send(msg, True, more))

        try:
            if nonblocking:
                return sync.send(msg, True, more)  # no room: Again, from the plain socket
            done = attempt()
        finally:
            if self._nwaiting:
                self._after_op()
        if done is None:
            await self._until(attempt, POLLOUT)


# The one choice of per-message paths for the async sockets, made at import from what the
# build has (as messaging.Messaging for the plain Socket).
if TYPE_CHECKING or KEEPS_GIL:
    AsyncBase = AsyncSocketBase
else:
    AsyncBase = PlainAsyncSocketBase


def _sent(call: Callable[[], None]) -> bool | None:
    """True once ``call`` (a non-blocking send) went through, None if it would block."""
    try:
        call()
    except Again:
        return None
    return True


def _would_block(sync: SyncSocket, op: str) -> Again:
    from .errors import error_for

    return error_for(Errno.EAGAIN, op, sync.type)  # type: ignore[return-value]
