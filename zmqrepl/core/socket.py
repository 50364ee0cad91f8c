"""Sockets: the zmq egg's make-socket, send-message and receive-message.

    >>> pull = Socket("pull"); pull.bind("tcp://127.0.0.1:5555")
    >>> push = Socket("push"); push.connect("tcp://127.0.0.1:5555")
    >>> push.send("hello"); pull.recv()
    b'hello'

Every call goes through a C helper that takes the socket for the calling
thread (an atomic flag), so a closed socket or one in use by another thread
raises a ZMQError instead of reaching libzmq with a stale or shared handle.
Blocking calls wait in slices of at most 50 ms inside C and return to Python
in between, so Ctrl-C raises KeyboardInterrupt promptly and a signal handler
that does not raise lets the call go on, keeping its timeout.

close() works from any thread: a call waiting on the socket in another thread
closes it at its next wait slice (with the linger close was given) and raises
SocketClosed there; close() returns once the socket is closed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable, Union

from . import _process
from ._lib import KEEPS_GIL, ffi, lib
from ._options import OptionValue, decode_value, encode_value, new_out_buffer, resolve_option
from .constants import Errno, Event, Option, PollFlag, SocketType
from .context import _TERMINATED, Context, default_context
from .errors import Again, SocketBusy, SocketClosed, ZMQError, error_for
from .messaging import Frame, Messaging, install_c_recv

if TYPE_CHECKING:
    from .monitor import Monitor

__all__ = ["Frame", "RecvAs", "Socket"]

RecvAs = Union[type[bytes], type[str], Callable[[memoryview, int], Any]]

_ERR = lib.ZR_ERR
_BUSY = lib.ZR_BUSY
_CLOSED = lib.ZR_CLOSED
_ASKED = lib.ZR_ASKED
_KEEP = lib.ZR_LINGER_KEEP
_SET = lib.ZR_LINGER_SET
_CAP = lib.ZR_LINGER_CAP
_STOP_MONITOR = lib.ZR_STOP_MONITOR
# How long close() waits for a call in another thread to give the socket up. It
# does so at its next wait slice (50 ms); the rest is room for a busy machine.
_CLOSE_WAIT_S = 2.0
_EAGAIN = Errno.EAGAIN
_ETERM = Errno.ETERM

_PEER_ID_KINDS = (SocketType.ROUTER, SocketType.STREAM)
# libzmq (4.3.4 here, and 4.3.5) aborts the whole process (EBADF, epoll.cpp) when a socket
# whose SOCKS proxy refused or dropped its connection is closed: a dealer connecting
# through 127.0.0.1:1, or through a server that accepts and hangs up, aborted every time
# it was closed 50 ms later. So a proxy is refused (an empty value still goes to libzmq,
# which refuses it itself).
_SOCKS_REFUSED = (
    "socks_proxy is not supported here: libzmq aborts the process when the proxy refuses "
    "or drops a connection (hint: reach the peer through an ssh tunnel instead)"
)
_ENDPOINT_OPS = {
    "bind": lib.ZR_BIND,
    "connect": lib.ZR_CONNECT,
    "unbind": lib.ZR_UNBIND,
    "disconnect": lib.ZR_DISCONNECT,
}


def _socket_type(value: str | SocketType | int) -> SocketType:
    if isinstance(value, SocketType):
        return value
    if isinstance(value, str):
        return SocketType.from_name(value)
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return SocketType(value)
        except ValueError:
            raise ValueError(f"unknown socket type number {value}") from None
    raise TypeError(f"socket type must be a name such as 'pub' or a SocketType, not {type(value).__name__}")


class Socket(Messaging):
    """A ZeroMQ socket. ``Socket("sub")`` uses the default context."""

    __slots__ = (
        "__weakref__",
        "_addr",
        "_async_owner",
        "_bound",
        "_box",
        "_closed_reason",
        "_connect_rids",
        "_connected",
        "_context",
        "_kind",
        "_monitor",
        "_rcvtimeo",
        "_serves",
        "_sndtimeo",
        "_st",
    )

    def __init__(self, socket_type: str | SocketType | int, context: Context | None = None) -> None:
        self._st: Any = None
        kind = _socket_type(socket_type)
        if context is None:
            context = default_context()
        elif not isinstance(context, Context):
            raise TypeError(f"context must be a Context, not {type(context).__name__}")
        self._st = context._new_socket_state(kind)
        # The state's address as an int, for the zr_hot_* helpers: cffi converts an
        # int argument in a quarter of the instructions a pointer cdata takes.
        self._addr = int(ffi.cast("uintptr_t", self._st))
        # recv() pops each frame from here, appended as bytes by C (see csrc/hot.c).
        # The state only borrows the list, which lives as long as this socket:
        # only this socket's methods pass the state to the helpers that fill it.
        # Four placeholders stay below the frames: CPython then keeps room for 8
        # items across every append and pop, instead of reallocating each time
        # the list would go from empty to one item and back (about 380 instructions).
        self._box: list[Any] = [None] * 4
        self._st.box = id(self._box)  # CPython: id() is the object's address
        self._kind = kind
        self._context = context
        self._rcvtimeo = -1
        self._sndtimeo = -1
        self._closed_reason = ""
        self._bound: list[str] = []
        self._connected: list[str] = []
        self._monitor: Monitor | None = None
        self._serves: Monitor | None = None  # set on a monitor's own PAIR socket
        self._connect_rids: dict[bytes, object] = {}
        # The async socket (zmqrepl.core.asyncio / .anyio) made over this one, if any,
        # weakly: it is told before the socket closes, to wake its waiting tasks.
        self._async_owner: Callable[[], Any] | None = None
        context._register(self)
        _process.live_sockets.add(self)

    # -- identity ---------------------------------------------------------

    @property
    def type(self) -> SocketType:
        return self._kind

    @property
    def context(self) -> Context:
        return self._context

    @property
    def closed(self) -> bool:
        return bool(self._st.handle == ffi.NULL)

    @property
    def endpoints(self) -> tuple[list[str], list[str]]:
        """(bound, connected) endpoints, as given or as resolved by libzmq."""
        return list(self._bound), list(self._connected)

    def __repr__(self) -> str:
        parts = [f"<zmqrepl.core.Socket {self._kind.name}"]
        if self._bound:
            parts.append("bound=" + ",".join(self._bound))
        if self._connected:
            parts.append("connected=" + ",".join(self._connected))
        if not self.closed:
            parts.append("open")
        elif self._closed_reason in ("", "closed"):
            parts.append("closed")
        else:
            parts.append(f"closed ({self._closed_reason})")
        return " ".join(parts) + ">"

    # -- errors -------------------------------------------------------------

    def _busy_error(self) -> SocketBusy:
        return SocketBusy(
            Errno.EBUSY,
            "socket in use",
            (
                f"{self._kind.name} socket is in use by another thread right now; libzmq "
                "sockets are not thread-safe (hint: use each socket from one thread, or "
                "terminate its context to wake a blocked call)"
            ),
        )

    def _error(self, rc: int, op: str, endpoint: str | None = None) -> ZMQError:
        if rc == _BUSY:
            if self._context._handle is None:
                # term() or destroy() is under way and holds the socket to close it
                # (or another thread is about to get ETERM): nothing can succeed now.
                return error_for(_ETERM, op, self._kind)
            if self._st.close_asked and self._wait_closed():
                return self._error(_CLOSED, op)
            return self._busy_error()
        if rc == _CLOSED:
            reason = self._closed_reason
            if reason == _TERMINATED:
                # term() closed it between two wait slices of this very call.
                return error_for(_ETERM, op, self._kind)
            why = f" ({reason})" if reason not in ("", "closed") else ""
            return SocketClosed(
                Errno.ENOTSOCK,
                "socket closed",
                (f"{self._kind.name} socket is closed{why}; make a new socket"),
            )
        errno = ffi.errno
        if errno == _EAGAIN and op in ("recv", "send"):
            timeout = self._rcvtimeo if op == "recv" else self._sndtimeo
            if timeout > 0:
                return self._timed_out(op, timeout)
        if errno == _ETERM:
            self._close_terminated()
        return error_for(errno, op, self._kind, endpoint)

    def _timed_out(self, op: str, timeout: int) -> Again:
        """The Again of a recv or send that waited its rcvtimeo/sndtimeo (ms) in vain."""
        option = "rcvtimeo" if op == "recv" else "sndtimeo"
        return Again(
            _EAGAIN,
            None,
            (
                f"{op} on {self._kind.name} socket timed out after {timeout} ms "
                f"({option}); no peer {'sent anything' if op == 'recv' else 'took the message'}"
                f" (hint: check the peer is connected, or raise {option})"
            ),
        )

    def _tell_async_owner(self, closed: bool = False) -> None:
        """Just before a close and once it is done: the async socket over this one stops
        watching the fd while it is still open and wakes its waiting tasks, which then
        raise why it closed (from another thread than its loop's, only once closed)."""
        ref = self._async_owner
        owner = ref() if ref is not None else None
        if owner is not None:
            owner._closing(closed)

    # -- life cycle ---------------------------------------------------------

    def close(self, linger: int | None = None) -> None:
        """Close the socket; idempotent. ``linger`` ms overrides the linger option.

        From another thread too: a call waiting on this socket there (recv, send,
        poll...) raises SocketClosed within one wait slice, and the linger given
        here is the one used. A proxy() running on it cannot be stopped this way
        (SocketBusy): terminate its context instead."""
        if linger is not None and (isinstance(linger, bool) or not isinstance(linger, int)):
            raise TypeError(f"linger must be an int (ms) or None, not {type(linger).__name__}")
        serves = self._serves
        if serves is not None:
            # A monitor's PAIR socket: the watched socket stops sending events to
            # it first (libzmq's event send would block for ever without a peer).
            serves._disable()
        reason = self._closed_reason
        if not reason:
            self._closed_reason = "closed"  # first: a waiting call may close it and report why
        how, ms = (_KEEP, 0) if linger is None else (_SET, linger)
        self._tell_async_owner()
        rc = lib.zr_close(self._st, how | self._monitor_flag(), ms)
        if rc == _ASKED:
            rc = self._wait_closed_by_owner(how, ms)
        if rc:
            self._closed_reason = reason
            raise self._busy_error() if rc in (_ASKED, _BUSY) else self._error(rc, "close")
        self._tell_async_owner(closed=True)
        self._stop_monitor()

    def _monitor_flag(self) -> int:
        """Ask zr_close to stop this socket's monitor, while its PAIR socket is open
        to take the last event (the monitor teardown order)."""
        mon = self._monitor
        return _STOP_MONITOR if mon is not None and not mon.socket.closed else 0

    def _wait_closed_by_owner(self, how: int, ms: int) -> int:
        """A call waiting in another thread was asked to close the socket at its next
        wait slice: wait for that (or for a moment when the socket is free)."""
        deadline = time.monotonic() + _CLOSE_WAIT_S
        delay = 0.0005
        while time.monotonic() < deadline:
            time.sleep(delay)
            delay = min(delay * 2, 0.01)
            rc = lib.zr_close(self._st, how | self._monitor_flag(), ms)
            if rc != _ASKED:
                return int(rc)
        return 0 if lib.zr_close_withdraw(self._st) else _ASKED

    def _wait_closed(self) -> bool:
        """This call found the socket taken by a close under way in another thread:
        wait (briefly: a close never waits itself) for it to finish. True if closed."""
        deadline = time.monotonic() + _CLOSE_WAIT_S
        while self._st.close_asked and time.monotonic() < deadline:
            if self.closed:
                return True
            time.sleep(0.0005)
        return self.closed

    def _close_idle(self, reason: str, linger: int | None = None) -> bool:
        """Close now unless another thread holds it (then a waiting call there is
        asked to close it at its next wait slice). ``linger``, if given, is used
        whoever closes the socket in the end. True when it is closed now."""
        return self._close_or_ask(reason, linger) == 0

    def _close_or_ask(self, reason: str, linger: int | None = None) -> int:
        """_close_idle, returning zr_close's answer: 0 closed, ZR_ASKED (a call
        waiting in another thread closes it within a slice) or ZR_BUSY (a proxy)."""
        if not self._closed_reason:
            self._closed_reason = reason
        how, ms = (_KEEP, 0) if linger is None else (_SET, linger)
        self._tell_async_owner()
        rc = int(lib.zr_close(self._st, how | self._monitor_flag(), ms))
        if rc != 0:
            return rc
        self._tell_async_owner(closed=True)
        mon = self._monitor
        if mon is not None:
            # The monitor was stopped in C (or dropped by libzmq without an event);
            # its PAIR socket belongs to the same context, so a term() that finds
            # it busy closes it later.
            self._monitor = None
            mon.socket._close_idle(reason, 0)
        return 0

    def _close_terminated(self, linger: int | None = None) -> bool:
        """Close after the context ended (ETERM): the socket can do nothing else now."""
        return self._close_idle(_TERMINATED, linger)

    def _close_at_exit(self, linger_cap: int) -> bool:
        """At interpreter exit: close with at most ``linger_cap`` ms of linger. True
        when closed now; False when a call in another thread still holds it."""
        if not self._closed_reason:
            self._closed_reason = "interpreter exit"
        self._tell_async_owner()
        if lib.zr_close(self._st, _CAP | self._monitor_flag(), linger_cap) != 0:
            return False
        self._tell_async_owner(closed=True)
        mon = self._monitor
        if mon is not None:
            self._monitor = None
            mon.socket._close_idle("interpreter exit", 0)
        return True

    def _forget(self) -> None:
        lib.zr_socket_forget(self._st)
        self._closed_reason = "it belongs to the parent process; sockets do not survive fork"
        self._monitor = None

    def _stop_monitor(self) -> None:
        mon = self._monitor
        if mon is not None:
            self._monitor = None
            mon.close()

    def __enter__(self) -> Socket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- endpoints ----------------------------------------------------------

    def _endpoint(self, op: str, endpoint: str) -> None:
        if not isinstance(endpoint, str):
            raise TypeError(
                f"endpoint must be a str such as 'tcp://127.0.0.1:5555', not {type(endpoint).__name__}"
            )
        if "\0" in endpoint:
            raise ValueError("endpoint must not contain NUL characters")
        rc = lib.zr_endpoint(self._st, _ENDPOINT_OPS[op], endpoint.encode("utf-8"))
        if rc:
            raise self._error(rc, op, endpoint)

    def bind(self, endpoint: str) -> str:
        """Bind; returns the endpoint as libzmq resolved it (``tcp://*:*`` gets a port)."""
        self._endpoint("bind", endpoint)
        resolved = str(self.get(Option.LAST_ENDPOINT)) or endpoint
        self._bound.append(resolved)
        return resolved

    def connect(self, endpoint: str) -> None:
        self._endpoint("connect", endpoint)
        self._connected.append(endpoint)

    def unbind(self, endpoint: str) -> None:
        self._endpoint("unbind", endpoint)
        if endpoint in self._bound:
            self._bound.remove(endpoint)

    def disconnect(self, endpoint: str) -> None:
        self._endpoint("disconnect", endpoint)
        if endpoint in self._connected:
            self._connected.remove(endpoint)

    @property
    def last_endpoint(self) -> str:
        return str(self.get(Option.LAST_ENDPOINT))

    # -- options ------------------------------------------------------------

    def set(self, option: str | Option | int, value: OptionValue) -> None:
        """Set an option by name (``"linger"``, ``"hwm"``, ``"identity"``...) or Option."""
        if isinstance(option, str) and option.strip().lower() == "hwm":
            self.set(Option.SNDHWM, value)
            self.set(Option.RCVHWM, value)
            return
        opt = resolve_option(option)
        if not opt.writable:
            raise ValueError(f"option {opt.name.lower()} is read-only")
        buf, size = encode_value(opt, value)
        if opt is Option.SOCKS_PROXY and size:
            raise ZMQError(Errno.ENOTSUP, None, _SOCKS_REFUSED)
        rid = self._claim_connect_rid(opt, buf, size)
        rc = lib.zr_setsockopt(self._st, int(opt), buf, size)
        if rc and rid is not None:
            del self._connect_rids[rid]
        if rc:
            if rc == _ERR and ffi.errno == Errno.EINVAL:
                shown = "the value given" if opt.secret else repr(value)
                raise ZMQError(
                    Errno.EINVAL,
                    None,
                    (
                        f"libzmq refused {shown} for option {opt.name.lower()} on a "
                        f"{self._kind.name} socket (hint: check the value's range and that "
                        "this socket type has the option)"
                    ),
                )
            raise self._error(rc, "set " + opt.name.lower())
        if opt is Option.RCVTIMEO:
            self._rcvtimeo = int(value)
        elif opt is Option.SNDTIMEO:
            self._sndtimeo = int(value)

    def _claim_connect_rid(self, opt: Option, buf: Any, size: int) -> bytes | None:
        """ROUTER and STREAM sockets abort the whole process (a libzmq assertion)
        when a connect_routing_id matches a peer they already have. Refuse the ids
        that can: one set before on this socket, or one starting with a zero byte
        (the form of the ids libzmq makes up for peers). A ROUTER can still meet a
        remote peer that declared the same id itself; libzmq gives no way to check."""
        if opt is not Option.CONNECT_ROUTING_ID or self._kind not in _PEER_ID_KINDS:
            return None
        rid = bytes(ffi.buffer(buf, size))
        claim = object()
        if rid[:1] == b"\0" or self._connect_rids.setdefault(rid, claim) is not claim:
            raise ZMQError(
                Errno.EINVAL,
                None,
                (
                    f"connect_routing_id {rid!r} on a {self._kind.name} socket must be new to the socket and "
                    "must not start with a zero byte: libzmq aborts on a duplicate peer id "
                    "(hint: use a fresh id for each connect)"
                ),
            )
        return rid

    def get(self, option: str | Option | int) -> OptionValue:
        """Read an option; its Python type follows ``Option.value_type``."""
        if isinstance(option, str) and option.strip().lower() == "hwm":
            snd, rcv = self.get(Option.SNDHWM), self.get(Option.RCVHWM)
            if snd != rcv:
                raise ValueError(f"send and receive HWM differ ({snd!r}, {rcv!r}); get sndhwm or rcvhwm")
            return snd
        opt = resolve_option(option)
        if opt is Option.RCVTIMEO or opt is Option.SNDTIMEO:
            # Kept by zmqrepl (libzmq's own value is the current wait slice).
            return self._rcvtimeo if opt is Option.RCVTIMEO else self._sndtimeo
        if not opt.readable:
            raise ValueError(f"option {opt.name.lower()} is write-only (libzmq cannot read it back)")
        buf, size = new_out_buffer(opt)
        size_p = ffi.new("size_t *", size)
        rc = lib.zr_getsockopt(self._st, int(opt), buf, size_p)
        if rc:
            raise self._error(rc, "get " + opt.name.lower())
        return decode_value(opt, buf, size_p[0])

    @property
    def fd(self) -> int:
        """The socket's file descriptor. Edge-triggered: it signals that ``events``
        may have changed, so after it fires, and after every send or recv, read
        ``events`` and keep receiving until POLLIN is clear, or a wake-up is lost."""
        return int(self.get(Option.FD))

    def fileno(self) -> int:
        return self.fd

    @property
    def events(self) -> PollFlag:
        return PollFlag(int(self.get(Option.EVENTS)))

    @property
    def more(self) -> bool:
        """Whether the last frame received with recv() has more frames after it."""
        return bool(self._st.more)

    # -- monitoring ---------------------------------------------------------

    def monitor(self, events: Event | int = Event.ALL) -> Monitor:
        """Start watching this socket's connection events; see Monitor."""
        from .monitor import Monitor

        if self._monitor is not None:
            raise ZMQError(
                Errno.EINVAL,
                None,
                "this socket already has a monitor (hint: close it first with monitor.close())",
            )
        mon = Monitor(self, Event(events))
        self._monitor = mon
        return mon

    def _monitor_endpoint(self, endpoint: str | None, events: int) -> None:
        rc = lib.zr_monitor(self._st, ffi.NULL if endpoint is None else endpoint.encode(), events)
        if rc:
            raise self._error(rc, "monitor")

    def _monitor_closed(self, mon: Monitor) -> None:
        if self._monitor is mon:
            self._monitor = None


def _name_as_socket_methods(cls: type) -> None:
    """The mixins' methods are Socket's only: named Socket.send and so on, a wrong call's
    TypeError names the class people use, not MessagingMixin."""
    for base in cls.__mro__[1:-1]:
        for name, value in vars(base).items():
            if callable(value) and hasattr(value, "__qualname__") and name not in vars(cls):
                value.__qualname__ = f"{cls.__name__}.{name}"


_name_as_socket_methods(Socket)
if KEEPS_GIL:  # CPython: recv() in C for a queued frame (csrc/hot.c)
    install_c_recv(Socket)
