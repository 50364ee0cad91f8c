"""Sending and receiving: the per-message hot paths of Socket.

Every call crosses into C once (one zr_* helper). Names used per message are
module globals bound once. recv() and send() go through the zr_hot_* helpers,
which keep the GIL when libzmq can answer at once, and recv() finds its frame
already made into bytes by C (see csrc/hot.c). Blocking calls wait inside C, with
the GIL released, in slices of at most 50 ms and come back to Python in
between, so signal handlers run (Ctrl-C raises); the socket stays taken for
the waiting thread across slices.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Collection, Iterable, Literal, TypeVar, Union, overload

from ._lib import KEEPS_GIL, ffi, lib
from .batch import MessageBatch
from .constants import Errno, SocketType
from .errors import ZMQError
from .properties import MessageProperties, PropertiesArg, batch_properties, part_properties, property_names
from .zerocopy import ZEROCOPY_THRESHOLD, collect, hold

__all__ = ["Frame", "Messaging", "MessagingMixin", "PlainMessagingMixin", "install_c_recv"]

T = TypeVar("T")
Frame = Union[bytes, bytearray, memoryview, str]

_recv = lib.zr_recv
if KEEPS_GIL:  # CPython: see csrc/hot.c; PyPy builds have no zr_hot_* (PlainMessagingMixin)
    _hot_recv = lib.zr_hot_recv
    _hot_recv_nowait = lib.zr_hot_recv_nowait
    _hot_recv_resume = lib.zr_hot_recv_resume
    _hot_send = lib.zr_hot_send
else:
    _recv_copy = lib.zr_recv_copy
_recv_parts = lib.zr_recv_parts
_recv_batch = lib.zr_recv_batch
_send = lib.zr_send
_send_parts = lib.zr_send_parts
_send_batch = lib.zr_send_batch
_send_zerocopy = lib.zr_send_zerocopy
_abandon = lib.zr_abandon
_unpack = ffi.unpack
_buffer = ffi.buffer
_SIZE_T = ffi.sizeof("size_t")
_SIZE_T_FORMAT: Literal["Q", "I"] = "Q" if _SIZE_T == 8 else "I"
_INT = ffi.sizeof("int")
_from_buffer = ffi.from_buffer
_DONTWAIT = lib.ZMQ_DONTWAIT
_SNDMORE = lib.ZMQ_SNDMORE
_RESUME = lib.ZR_RESUME
_HOLD = lib.ZR_HOLD
_ERR = lib.ZR_ERR
_SLICE = lib.ZR_SLICE
_EINTR = Errno.EINTR
_EAGAIN = Errno.EAGAIN
_ZC_MIN = ZEROCOPY_THRESHOLD
_EMPTY_BATCH = MessageBatch(b"", [0], [])


def frame_buffer(msg: object) -> Any:
    """A buffer libzmq can read: bytes as they are, str as UTF-8, else the buffer protocol."""
    if type(msg) is bytes:
        return msg
    if isinstance(msg, str):
        return msg.encode("utf-8")
    try:
        return _from_buffer(msg)
    except TypeError:
        raise TypeError(f"a frame must be str or a bytes-like object, not {type(msg).__name__}") from None


def _frame_arrays(buffers: list[Any]) -> tuple[Any, Any]:
    n = len(buffers)
    data = ffi.new("void *[]", n)
    sizes = ffi.new("size_t[]", n)
    for i, buf in enumerate(buffers):
        data[i] = _from_buffer(buf) if type(buf) is bytes else buf
        sizes[i] = len(buf)
    return data, sizes


def _keep_view(view: memoryview, size: int) -> memoryview:
    # A slice is registered with the frame's buffer, not with `view`: it outlives
    # recv's own view and keeps the frame alive.
    return view[:size]


def _apply(as_: Callable[[memoryview, int], T], view: memoryview, size: int) -> T:
    """A converter's result; its view is released when it returns."""
    try:
        return as_(view, size)
    finally:
        try:
            view.release()
        except BufferError:
            pass  # the converter exported it further; the frame stays alive for it


def _batch_copy(st: Any, n: int) -> tuple[bytes, memoryview, memoryview]:
    """The ``n`` messages a batch call left in the socket's buffers, copied out: three
    objects whatever the batch's size, the data, and the frame offsets and message ends as
    compact arrays that make ints only when read."""
    offsets = memoryview(_buffer(st.batch_offs, (st.batch_nframes + 1) * _SIZE_T)[:]).cast(_SIZE_T_FORMAT)
    ends = memoryview(_buffer(st.batch_ends, n * _INT)[:]).cast("i")
    return _buffer(st.batch, st.batch_used)[:], offsets, ends


def _check_batch_limits(max_messages: object, max_bytes: object) -> None:
    if type(max_messages) is not int or type(max_bytes) is not int:
        raise TypeError("max_messages and max_bytes must be ints")
    if not 1 <= max_messages < 2**31:
        raise ValueError("max_messages must be between 1 and 2**31 - 1")
    if not 0 <= max_bytes < 2**63:
        raise ValueError("max_bytes must be 0 or more (and below 2**63)")


def _multipart_refused() -> ZMQError:
    # libzmq (4.3.4 here) aborts the whole process (session_base.cpp:260, in clean_pipes)
    # when an XSUB's peer goes away while the XSUB is half-way through sending it a
    # message of several frames. In a loop of 1,500 (an XSUB sends one message, then its
    # XPUB closes, then the XSUB), two such loops side by side both aborted with 2 or 4
    # frames a message and neither with 1.
    return ZMQError(
        Errno.ENOTSUP,
        None,
        (
            "an xsub socket sends one frame per message here: libzmq aborts the process "
            "when the xpub goes away during a message of several frames (hint: join the "
            "frames into one)"
        ),
    )


class MessagingMixin:
    __slots__ = ()
    _st: Any
    _addr: int
    _kind: SocketType
    _rcvtimeo: int
    _sndtimeo: int
    _box: list[Any]

    def _error(self, rc: int, op: str, endpoint: str | None = None) -> ZMQError:
        raise NotImplementedError

    def _resume(self, call: Callable[[int], int], rc: int, flags: int, op: str, keep: bool = False) -> int:
        """Finish a call that came back between wait slices or on a signal. Returns
        its result (>= 0), or -1 when a non-blocking call would block. With keep, the
        caller lets go itself: a ZR_HOLD receive copies the frames out first, then
        calls _abandon in a finally that also covers its first call into C."""
        try:
            while True:
                if rc >= 0:
                    return rc
                if rc == _ERR:
                    errno = ffi.errno
                    if errno == _EAGAIN and flags & _DONTWAIT:
                        return -1
                    if errno != _EINTR:
                        raise self._error(rc, op)
                elif rc != _SLICE:
                    raise self._error(rc, op)
                # Looping back here runs any pending signal handler (Ctrl-C raises).
                rc = call(flags | _RESUME)
        finally:
            if not keep:
                _abandon(self._st)

    # -- sending ------------------------------------------------------------

    def send(self, msg: Frame, nonblocking: bool = False, more: bool = False) -> None:
        """Send one frame (``more=True``: another frame of the same message follows).
        A non-blocking send that would block raises Again."""
        # The common call in the fewest steps (plain parameters, as in recv).
        if nonblocking or more or type(msg) is not bytes:
            return self._send_as(msg, nonblocking, more)
        size = len(msg)
        if size >= _ZC_MIN:
            return self._send_zerocopy(msg, 0)
        rc = _hot_send(self._addr, msg, size)
        if rc:
            self._send_finish(rc, msg, 0)

    def _send_as(self, msg: Frame, nonblocking: bool, more: bool) -> None:
        if more and self._kind is SocketType.XSUB:
            raise _multipart_refused()
        flags = (_DONTWAIT if nonblocking else 0) | (_SNDMORE if more else 0)
        if type(msg) is bytes:
            if len(msg) >= _ZC_MIN:
                return self._send_zerocopy(msg, flags)
            data: Any = msg
        else:
            data = frame_buffer(msg)
        rc = _send(self._st, data, len(data), flags, self._sndtimeo)
        if rc:
            self._send_finish(rc, data, flags)

    def _send_finish(self, rc: int, data: Any, flags: int) -> None:
        """Wait out a send that came back between wait slices or on a signal."""
        if (
            self._resume(
                lambda f: int(_send(self._st, data, len(data), f, self._sndtimeo)), rc, flags, "send"
            )
            < 0
        ):
            raise self._error(_ERR, "send")  # non-blocking and would block: Again

    def _send_zerocopy(self, msg: bytes, flags: int) -> None:
        """Large immutable bytes go to libzmq without a copy; the object stays
        referenced until libzmq reports it is done (see zerocopy.py)."""
        collect()
        token = hold(msg)
        data = _from_buffer(msg)

        def attempt(f: int) -> int:
            return int(_send_zerocopy(self._st, data, len(msg), token, f, self._sndtimeo))

        if self._resume(attempt, attempt(flags), flags, "send") < 0:
            raise self._error(_ERR, "send")

    def send_multipart(self, parts: Iterable[Frame], *, nonblocking: bool = False) -> None:
        """Send all parts as one message, or none of them."""
        buffers = [p if type(p) is bytes else frame_buffer(p) for p in parts]
        n = len(buffers)
        if n == 0:
            raise ValueError("a message needs at least one frame (use b'' for an empty one)")
        if n > 1 and self._kind is SocketType.XSUB:
            raise _multipart_refused()
        data, sizes = _frame_arrays(buffers)

        def attempt(f: int) -> int:
            return int(_send_parts(self._st, data, sizes, n, f, self._sndtimeo))

        flags = _DONTWAIT if nonblocking else 0
        if self._resume(attempt, attempt(flags), flags, "send") < 0:
            raise self._error(_ERR, "send")

    def send_many(self, messages: Iterable[Frame | Iterable[Frame]], *, nonblocking: bool = False) -> int:
        """Send several messages in one call into C. Each is one frame (str or
        bytes-like) or a list of frames. Returns how many were sent: with
        ``nonblocking``, fewer than given when the queue filled up. A ZMQError
        raised says in ``sent`` how many went before it."""
        buffers: list[Any] = []
        ends: list[int] = []
        for message in messages:
            if isinstance(message, (bytes, str, bytearray, memoryview)):
                buffers.append(message if type(message) is bytes else frame_buffer(message))
            else:
                frames = [p if type(p) is bytes else frame_buffer(p) for p in message]
                if not frames:
                    raise ValueError("a message needs at least one frame (use b'' for an empty one)")
                if len(frames) > 1 and self._kind is SocketType.XSUB:
                    raise _multipart_refused()
                buffers.extend(frames)
            ends.append(len(buffers))
        if not ends:
            return 0
        data, sizes = _frame_arrays(buffers)
        c_ends = ffi.new("int[]", ends)
        st = self._st
        sent = [0]

        def attempt(f: int) -> int:
            done = sent[0]
            first = ends[done - 1] if done else 0
            if done:  # frame indexes are relative to the first frame passed
                for j in range(done, len(ends)):
                    c_ends[j] = ends[j] - first
            rc = int(
                _send_batch(
                    st, data + first, sizes + first, c_ends + done, len(ends) - done, f, self._sndtimeo
                )
            )
            sent[0] += st.progress
            return rc

        flags = _DONTWAIT if nonblocking else 0
        try:
            rc = self._resume(attempt, attempt(flags), flags, "send")
        except ZMQError as exc:
            exc.sent = sent[0]  # the messages that went before the error
            raise
        return len(ends) if rc == 0 else sent[0]

    # -- receiving ----------------------------------------------------------

    @overload
    def recv(self, nonblocking: bool = ..., as_: type[bytes] | None = ...) -> bytes: ...
    @overload
    def recv(self, nonblocking: bool = ..., *, as_: type[str]) -> str: ...
    @overload
    def recv(self, nonblocking: bool = ..., *, as_: type[memoryview]) -> memoryview: ...
    @overload
    def recv(self, nonblocking: bool = ..., *, as_: Callable[[memoryview, int], T]) -> T: ...

    def recv(self, nonblocking: bool = False, as_: Any = None) -> Any:
        """Receive one frame, as bytes. Non-blocking with nothing queued returns None.

        ``as_`` is bytes (the same as None), str, memoryview (zero-copy for large
        frames), or a callable given (a read-only memoryview of the frame, its
        size); that view is released when the callable returns.
        """
        # The common call in the fewest steps (plain parameters, not keyword-only,
        # let CPython inline the call): C hands the frame over in the box as bytes.
        if nonblocking or as_ is not None:
            return self._recv_as(nonblocking, as_)
        rc = _hot_recv(self._addr)
        if not rc:
            # An exception landing just before this pop leaves one frame in the box
            # for good; later calls still each take the frame they added.
            return self._box.pop()
        return self._recv_finish(rc, 0)

    def _recv_finish(self, rc: int, flags: int) -> bytes | None:
        """The rest of a bytes receive whose first call into C did not end with a
        frame: wait on between slices (Ctrl-C raises), or None when a non-blocking
        one found nothing."""
        addr = self._addr

        def again(f: int) -> int:  # a non-blocking call only resumes after EINTR: try once more
            return int(_hot_recv_nowait(addr) if f & _DONTWAIT else _hot_recv_resume(addr))

        if self._resume(again, rc, flags, "recv") < 0:
            return None
        frame: bytes = self._box.pop()
        return frame

    def _recv_as(self, nonblocking: bool, as_: Any) -> Any:
        flags = _DONTWAIT if nonblocking else 0
        if as_ is None or as_ is bytes or as_ is str:
            rc = _hot_recv_nowait(self._addr) if nonblocking else _hot_recv(self._addr)
            frame = self._recv_finish(rc, flags) if rc else self._box.pop()
            return frame.decode("utf-8") if as_ is str and frame is not None else frame
        if as_ is not memoryview and not callable(as_):
            raise TypeError("as_ must be bytes, str, memoryview or a callable(view, size)")
        # Views and converters take libzmq's message itself, while the socket is still
        # held for this thread (ZR_HOLD): no other thread can replace the frame first.
        st, flags = self._st, flags | _HOLD
        try:  # from the first call into C on: an exception anywhere must let go
            n = self._resume(
                self._recv_again, int(_recv(st, flags, self._rcvtimeo)), flags, "recv", keep=True
            )
            if n < 0:
                return None
            if as_ is memoryview and n < _ZC_MIN:
                return memoryview(_unpack(st.data, n))  # a copy is cheaper for small frames
            view = self._take_view(-1, n)
        finally:
            _abandon(st)
        return _apply(_keep_view if as_ is memoryview else as_, view, n)

    def _recv_again(self, flags: int) -> int:
        return int(_recv(self._st, flags, self._rcvtimeo))

    def _take_view(self, index: int, size: int) -> memoryview:
        """Frame ``index`` (-1: the last single frame) moved out of the socket into a
        message of its own, as a read-only view; call it while holding the socket."""
        keep = ffi.new("zmq_msg_t *")
        rc = lib.zr_take_part(self._st, index, keep)
        if rc:
            raise self._error(rc, "recv")
        # The frame lives in `keep`, closed only when the last view on it is gone,
        # so a view a converter kept can never read freed memory.
        data = ffi.gc(ffi.cast("char *", lib.zmq_msg_data(keep)), lambda _ptr: lib.zmq_msg_close(keep))
        return memoryview(ffi.buffer(data, size)).toreadonly()

    # Only a non-blocking receive returns None (nothing queued); a blocking one raises.
    # With properties (True or a collection of names): the frames and their properties.
    @overload
    def recv_multipart(
        self, *, nonblocking: Literal[False] = ..., as_: Any = ..., properties: Literal[False] = ...
    ) -> list[Any]: ...
    @overload
    def recv_multipart(
        self, *, nonblocking: bool, as_: Any = ..., properties: Literal[False] = ...
    ) -> list[Any] | None: ...
    @overload
    def recv_multipart(
        self,
        *,
        nonblocking: Literal[False] = ...,
        as_: Any = ...,
        properties: Literal[True] | Collection[str],
    ) -> tuple[list[Any], MessageProperties]: ...
    @overload
    def recv_multipart(
        self, *, nonblocking: bool, as_: Any = ..., properties: Literal[True] | Collection[str]
    ) -> tuple[list[Any], MessageProperties] | None: ...
    @overload
    def recv_multipart(
        self, *, nonblocking: bool = ..., as_: Any = ..., properties: PropertiesArg
    ) -> list[Any] | tuple[list[Any], MessageProperties] | None: ...

    def recv_multipart(
        self, *, nonblocking: bool = False, as_: Any = bytes, properties: PropertiesArg = False
    ) -> list[Any] | tuple[list[Any], MessageProperties] | None:
        """Receive every frame of the next message (all or nothing).

        ``properties=True`` (or a collection of extra names, such as ZAP metadata)
        returns ``(frames, MessageProperties)`` instead: see properties.py."""
        if as_ is not bytes and as_ is not str and not callable(as_):
            raise TypeError("as_ must be bytes, str, memoryview or a callable(view, size)")
        names = None if properties is False else property_names(properties)
        props: MessageProperties | None = None
        flags = (_DONTWAIT if nonblocking else 0) | _HOLD
        st = self._st

        def attempt(f: int) -> int:
            return int(_recv_parts(st, f, self._rcvtimeo))

        try:  # from the first call into C until the frames are copied out: then let go
            n = self._resume(attempt, attempt(flags), flags, "recv", keep=True)
            if n < 0:
                return None
            if names is not None:  # before _take_view moves frames out of the socket
                got = part_properties(st, names[0], names[1])
                if not isinstance(got, MessageProperties):
                    raise self._error(got, "recv")
                props = got
            data, sizes = st.part_data, st.part_size
            if as_ is bytes:
                frames: list[Any] = [_unpack(data[i], sizes[i]) for i in range(n)]
            elif as_ is str:
                frames = [_unpack(data[i], sizes[i]).decode("utf-8") for i in range(n)]
            else:
                views = [self._take_view(i, sizes[i]) for i in range(n)]
        finally:
            _abandon(st)
        if as_ is not bytes and as_ is not str:
            convert = _keep_view if as_ is memoryview else as_
            frames = [_apply(convert, view, view.nbytes) for view in views]
        return frames if props is None else (frames, props)

    def recv_many(
        self,
        max_messages: int = 1000,
        *,
        nonblocking: bool = False,
        max_bytes: int = 16 * 1024 * 1024,
        properties: PropertiesArg = False,
    ) -> MessageBatch:
        """Up to ``max_messages`` ready messages in one call into C (waits for the
        first unless ``nonblocking``; then it is empty when nothing is queued).

        ``properties`` (as for recv_multipart) fills ``batch.properties``."""
        if properties is not False:
            return self._recv_many_props(max_messages, nonblocking, max_bytes, property_names(properties))
        _check_batch_limits(max_messages, max_bytes)
        flags = (_DONTWAIT if nonblocking else 0) | _HOLD
        st = self._st
        try:  # from the first call into C until the batch is copied out: then let go
            n = _recv_batch(st, max_messages, max_bytes, flags, self._rcvtimeo)
            if n < 0:
                n = self._resume(
                    lambda f: int(_recv_batch(st, max_messages, max_bytes, f, self._rcvtimeo)),
                    n,
                    flags,
                    "recv",
                    keep=True,
                )
            if n <= 0:
                return _EMPTY_BATCH
            data, offsets, ends = _batch_copy(st, n)
        finally:
            _abandon(st)
        return MessageBatch(data, offsets, ends)

    def _recv_many_props(
        self,
        max_messages: int,
        nonblocking: bool,
        max_bytes: int,
        names: tuple[tuple[str, ...], Any, list[Any]],
    ) -> MessageBatch:
        """recv_many through zr_recv_batch_props: the plain path stays as it was."""
        _check_batch_limits(max_messages, max_bytes)
        flags = (_DONTWAIT if nonblocking else 0) | _HOLD
        st = self._st
        c_names, k = names[1], len(names[0])

        def attempt(f: int) -> int:
            return int(lib.zr_recv_batch_props(st, max_messages, max_bytes, f, self._rcvtimeo, c_names, k))

        try:  # from the first call into C until the batch is copied out: then let go
            n = self._resume(attempt, attempt(flags), flags, "recv", keep=True)
            if n <= 0:
                return _EMPTY_BATCH
            data, offsets, ends = _batch_copy(st, n)
            props = batch_properties(st, names[0], n)
        finally:
            _abandon(st)
        return MessageBatch(data, offsets, ends, props)


class PlainMessagingMixin(MessagingMixin):
    """recv() and send() for builds without the zr_hot_* helpers (PyPy; see _build.py's
    KEEPS_GIL), one plain helper call each: PyPy calls a cffi function directly and its
    JIT compiles the call into the loop that makes it, so there is no wrapper whose GIL
    hand-over to save. send() is zr_send. recv() is zr_recv_copy (csrc/plain.c), which
    leaves the frame in this thread's own buffer and the socket free; the bytes are made
    from that buffer."""

    __slots__ = ()

    def send(self, msg: Frame, nonblocking: bool = False, more: bool = False) -> None:
        """Send one frame (``more=True``: another frame of the same message follows).
        A non-blocking send that would block raises Again."""
        self._send_as(msg, nonblocking, more)

    def recv(self, nonblocking: bool = False, as_: Any = None) -> Any:
        """Receive one frame, as bytes. Non-blocking with nothing queued returns None.

        ``as_`` is bytes (the same as None), str, memoryview (zero-copy for large
        frames), or a callable given (a read-only memoryview of the frame, its
        size); that view is released when the callable returns.
        """
        if as_ is not None and as_ is not bytes and as_ is not str:
            return self._recv_as(nonblocking, as_)
        flags = _DONTWAIT if nonblocking else 0
        try:
            got = _recv_copy(self._st, flags, self._rcvtimeo)
        except BaseException:
            # PyPy runs signal handlers between any two bytecodes: Ctrl-C during a wait
            # is raised here, as the call comes back keeping the socket between slices.
            _abandon(self._st)
            raise
        n = got.size
        if n < 0 and self._resume(self._recv_copy_again, n, flags, "recv") < 0:
            return None
        frame = _unpack(got.data, got.size)
        return frame.decode("utf-8") if as_ is str else frame

    def _recv_copy_again(self, flags: int) -> int:
        # The frame lands in the same per-thread buffer as the first call's.
        return int(_recv_copy(self._st, flags, self._rcvtimeo).size)


# The one choice of per-message paths for Socket, made at import from what the build has.
if TYPE_CHECKING or KEEPS_GIL:
    Messaging = MessagingMixin
else:
    Messaging = PlainMessagingMixin


# What inspect.signature reads from a method written in C: its docstring's first line.
_RECV_SIGNATURE = "recv($self, /, nonblocking=False, as_=None)\n--\n\n"


def install_c_recv(cls: type) -> None:
    """CPython builds: make ``cls.recv`` the method of csrc/hot.c (zr_hot_install_recv),
    which returns a queued frame without running a Python frame of its own, and calls
    MessagingMixin.recv, unchanged, for every other case. ``cls`` keeps the state's
    address in its ``_addr`` slot, which the C method reads."""
    impl = MessagingMixin.recv
    doc = (_RECV_SIGNATURE + (impl.__doc__ or "")).encode()
    made: list[Any] = []
    if lib.zr_hot_install_recv(id(cls), id(cls.__dict__["_addr"]), id(impl), id(made), doc):
        raise ImportError(
            "zmqrepl.core: Socket.recv could not be made in C (hint: rebuild with `pip install -e .`)"
        )
    setattr(cls, "recv", made.pop())  # noqa: B010 - so that mypy keeps the Python overloads
