"""Every libzmq constant zmqrepl uses, written once.

>>> SocketType.from_name("xrep")
<SocketType.ROUTER: 6>
>>> Option.from_name("identity"), Option.LINGER.value_type
(<Option.ROUTING_ID: 5>, <ValueType.INT: 'int'>)
>>> Option.CURVE_SECRETKEY.secret
True
"""

from __future__ import annotations

import enum
import errno as _errno

__all__ = [
    "REMOVED_OPTIONS",
    "Errno",
    "Event",
    "Option",
    "PollFlag",
    "SocketType",
    "ValueType",
]

_HAUSNUMERO = 156384712


def _normalise(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def _quoted(name: object, limit: int = 40) -> str:
    """A name for an error line, cut: a pasted megabyte must not come back whole."""
    text = repr(name)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


class SocketType(enum.IntEnum):
    PAIR = 0
    PUB = 1
    SUB = 2
    REQ = 3
    REP = 4
    DEALER = 5
    ROUTER = 6
    PULL = 7
    PUSH = 8
    XPUB = 9
    XSUB = 10
    STREAM = 11

    @classmethod
    def from_name(cls, name: str) -> SocketType:
        key = _normalise(name)
        key = _SOCKET_ALIASES.get(key, key)
        try:
            return cls[key.upper()]
        except KeyError:
            names = ", ".join(sorted(t.name.lower() for t in cls))
            raise ValueError(f"unknown socket type {_quoted(name)}; choose one of {names}") from None


# The zmq egg's (and libzmq 2's) names for the extended request/reply sockets.
_SOCKET_ALIASES = {"xreq": "dealer", "xrep": "router"}


class ValueType(str, enum.Enum):
    INT = "int"
    INT64 = "int64"
    UINT64 = "uint64"
    BOOL = "bool"
    BYTES = "bytes"
    STR = "str"
    CURVE_KEY = "curve_key"  # 32 raw bytes or 40 Z85 characters


class Option(enum.IntEnum):
    """Socket options of libzmq 4.3 (the stable API; draft options are left out)."""

    AFFINITY = 4
    ROUTING_ID = 5
    SUBSCRIBE = 6
    UNSUBSCRIBE = 7
    RATE = 8
    RECOVERY_IVL = 9
    SNDBUF = 11
    RCVBUF = 12
    RCVMORE = 13
    FD = 14
    EVENTS = 15
    TYPE = 16
    LINGER = 17
    RECONNECT_IVL = 18
    BACKLOG = 19
    RECONNECT_IVL_MAX = 21
    MAXMSGSIZE = 22
    SNDHWM = 23
    RCVHWM = 24
    MULTICAST_HOPS = 25
    RCVTIMEO = 27
    SNDTIMEO = 28
    IPV4ONLY = 31
    LAST_ENDPOINT = 32
    ROUTER_MANDATORY = 33
    TCP_KEEPALIVE = 34
    TCP_KEEPALIVE_CNT = 35
    TCP_KEEPALIVE_IDLE = 36
    TCP_KEEPALIVE_INTVL = 37
    TCP_ACCEPT_FILTER = 38
    IMMEDIATE = 39
    XPUB_VERBOSE = 40
    ROUTER_RAW = 41
    IPV6 = 42
    MECHANISM = 43
    PLAIN_SERVER = 44
    PLAIN_USERNAME = 45
    PLAIN_PASSWORD = 46
    CURVE_SERVER = 47
    CURVE_PUBLICKEY = 48
    CURVE_SECRETKEY = 49
    CURVE_SERVERKEY = 50
    PROBE_ROUTER = 51
    REQ_CORRELATE = 52
    REQ_RELAXED = 53
    CONFLATE = 54
    ZAP_DOMAIN = 55
    ROUTER_HANDOVER = 56
    TOS = 57
    IPC_FILTER_PID = 58
    IPC_FILTER_UID = 59
    IPC_FILTER_GID = 60
    CONNECT_ROUTING_ID = 61
    GSSAPI_SERVER = 62
    GSSAPI_PRINCIPAL = 63
    GSSAPI_SERVICE_PRINCIPAL = 64
    GSSAPI_PLAINTEXT = 65
    HANDSHAKE_IVL = 66
    SOCKS_PROXY = 68
    XPUB_NODROP = 69
    BLOCKY = 70
    XPUB_MANUAL = 71
    XPUB_WELCOME_MSG = 72
    STREAM_NOTIFY = 73
    INVERT_MATCHING = 74
    HEARTBEAT_IVL = 75
    HEARTBEAT_TTL = 76
    HEARTBEAT_TIMEOUT = 77
    XPUB_VERBOSER = 78
    CONNECT_TIMEOUT = 79
    TCP_MAXRT = 80
    THREAD_SAFE = 81
    MULTICAST_MAXTPDU = 84
    VMCI_BUFFER_SIZE = 85
    VMCI_BUFFER_MIN_SIZE = 86
    VMCI_BUFFER_MAX_SIZE = 87
    VMCI_CONNECT_TIMEOUT = 88
    USE_FD = 89
    GSSAPI_PRINCIPAL_NAMETYPE = 90
    GSSAPI_SERVICE_PRINCIPAL_NAMETYPE = 91
    BINDTODEVICE = 92

    @property
    def value_type(self) -> ValueType:
        return _OPTION_TYPES.get(self, ValueType.INT)

    @property
    def readable(self) -> bool:
        return self not in _WRITE_ONLY

    @property
    def secret(self) -> bool:
        """A credential: every renderer shows "(set)" instead of its value."""
        return self in _SECRET

    @property
    def writable(self) -> bool:
        return self not in _READ_ONLY

    @classmethod
    def from_name(cls, name: str) -> Option:
        key = _normalise(name)
        if key in REMOVED_OPTIONS:
            raise ValueError(f"option {name!r} {REMOVED_OPTIONS[key]}")
        key = _OPTION_ALIASES.get(key, key)
        try:
            return cls[key.upper()]
        except KeyError:
            raise ValueError(
                f"unknown socket option {_quoted(name)}; see Option for the list "
                "(e.g. linger, sndhwm, rcvhwm, subscribe, routing_id)"
            ) from None


_OPTION_ALIASES = {
    "identity": "routing_id",
    "connect_rid": "connect_routing_id",
    "delay_attach_on_connect": "immediate",
    "fail_unroutable": "router_mandatory",
    "router_behavior": "router_mandatory",
}

# Options of the zmq egg / libzmq 2 that libzmq 3 removed.
REMOVED_OPTIONS = {
    "swap": "was removed in libzmq 3 (there is no on-disk swap any more); "
    "bound memory with sndhwm/rcvhwm instead",
    "mcast_loop": "was removed in libzmq 3 (multicast loopback is no longer "
    "configurable); use ipc:// or inproc:// for local peers",
    "recovery_ivl_msec": "was removed in libzmq 3; recovery_ivl is now in milliseconds",
}

_B = ValueType.BOOL
_OPTION_TYPES: dict[Option, ValueType] = {
    Option.AFFINITY: ValueType.UINT64,
    Option.MAXMSGSIZE: ValueType.INT64,
    Option.VMCI_BUFFER_SIZE: ValueType.UINT64,
    Option.VMCI_BUFFER_MIN_SIZE: ValueType.UINT64,
    Option.VMCI_BUFFER_MAX_SIZE: ValueType.UINT64,
    Option.ROUTING_ID: ValueType.BYTES,
    Option.SUBSCRIBE: ValueType.BYTES,
    Option.UNSUBSCRIBE: ValueType.BYTES,
    Option.XPUB_WELCOME_MSG: ValueType.BYTES,
    Option.CONNECT_ROUTING_ID: ValueType.BYTES,
    Option.TCP_ACCEPT_FILTER: ValueType.BYTES,
    Option.LAST_ENDPOINT: ValueType.STR,
    Option.ZAP_DOMAIN: ValueType.STR,
    Option.PLAIN_USERNAME: ValueType.STR,
    Option.PLAIN_PASSWORD: ValueType.STR,
    Option.SOCKS_PROXY: ValueType.STR,
    Option.GSSAPI_PRINCIPAL: ValueType.STR,
    Option.GSSAPI_SERVICE_PRINCIPAL: ValueType.STR,
    Option.BINDTODEVICE: ValueType.STR,
    Option.CURVE_PUBLICKEY: ValueType.CURVE_KEY,
    Option.CURVE_SECRETKEY: ValueType.CURVE_KEY,
    Option.CURVE_SERVERKEY: ValueType.CURVE_KEY,
    Option.RCVMORE: _B,
    Option.ROUTER_MANDATORY: _B,
    Option.IMMEDIATE: _B,
    Option.XPUB_VERBOSE: _B,
    Option.XPUB_VERBOSER: _B,
    Option.ROUTER_RAW: _B,
    Option.IPV6: _B,
    Option.IPV4ONLY: _B,
    Option.PLAIN_SERVER: _B,
    Option.CURVE_SERVER: _B,
    Option.PROBE_ROUTER: _B,
    Option.REQ_CORRELATE: _B,
    Option.REQ_RELAXED: _B,
    Option.CONFLATE: _B,
    Option.ROUTER_HANDOVER: _B,
    Option.GSSAPI_SERVER: _B,
    Option.GSSAPI_PLAINTEXT: _B,
    Option.XPUB_NODROP: _B,
    Option.XPUB_MANUAL: _B,
    Option.STREAM_NOTIFY: _B,
    Option.INVERT_MATCHING: _B,
    Option.THREAD_SAFE: _B,
    Option.BLOCKY: _B,
}

# Values that grant access: whoever reads one can impersonate the socket (a CURVE
# secret key) or log in as its user (a PLAIN password).
_SECRET = frozenset({Option.CURVE_SECRETKEY, Option.PLAIN_PASSWORD})

_READ_ONLY = frozenset(
    {
        Option.RCVMORE,
        Option.FD,
        Option.EVENTS,
        Option.TYPE,
        Option.LAST_ENDPOINT,
        Option.MECHANISM,
        Option.THREAD_SAFE,
    }
)
_WRITE_ONLY = frozenset(
    {
        Option.SUBSCRIBE,
        Option.UNSUBSCRIBE,
        Option.ROUTER_MANDATORY,
        Option.XPUB_VERBOSE,
        Option.XPUB_VERBOSER,
        Option.ROUTER_RAW,
        Option.PROBE_ROUTER,
        Option.REQ_CORRELATE,
        Option.REQ_RELAXED,
        Option.ROUTER_HANDOVER,
        Option.XPUB_NODROP,
        Option.XPUB_MANUAL,
        Option.XPUB_WELCOME_MSG,
        Option.CONNECT_ROUTING_ID,
        Option.TCP_ACCEPT_FILTER,
        Option.IPC_FILTER_PID,
        Option.IPC_FILTER_UID,
        Option.IPC_FILTER_GID,
        Option.BLOCKY,
        Option.CONFLATE,
        Option.STREAM_NOTIFY,
    }
)


class Event(enum.IntFlag):
    """Socket monitor events (zmq_socket_monitor)."""

    CONNECTED = 0x0001
    CONNECT_DELAYED = 0x0002
    CONNECT_RETRIED = 0x0004
    LISTENING = 0x0008
    BIND_FAILED = 0x0010
    ACCEPTED = 0x0020
    ACCEPT_FAILED = 0x0040
    CLOSED = 0x0080
    CLOSE_FAILED = 0x0100
    DISCONNECTED = 0x0200
    MONITOR_STOPPED = 0x0400
    HANDSHAKE_FAILED_NO_DETAIL = 0x0800
    HANDSHAKE_SUCCEEDED = 0x1000
    HANDSHAKE_FAILED_PROTOCOL = 0x2000
    HANDSHAKE_FAILED_AUTH = 0x4000
    ALL = 0xFFFF


class Errno(enum.IntEnum):
    """errno values libzmq reports; its own codes sit above ZMQ_HAUSNUMERO."""

    EINTR = _errno.EINTR
    EBADF = _errno.EBADF
    EAGAIN = _errno.EAGAIN
    ENOMEM = _errno.ENOMEM
    EACCES = _errno.EACCES
    EFAULT = _errno.EFAULT
    EBUSY = _errno.EBUSY
    ENODEV = _errno.ENODEV
    EINVAL = _errno.EINVAL
    EMFILE = _errno.EMFILE
    ENOENT = _errno.ENOENT
    ENOTSOCK = _errno.ENOTSOCK
    EMSGSIZE = _errno.EMSGSIZE
    EPROTONOSUPPORT = _errno.EPROTONOSUPPORT
    ENOTSUP = _errno.ENOTSUP
    EAFNOSUPPORT = _errno.EAFNOSUPPORT
    EADDRINUSE = _errno.EADDRINUSE
    EADDRNOTAVAIL = _errno.EADDRNOTAVAIL
    ENETDOWN = _errno.ENETDOWN
    ENOBUFS = _errno.ENOBUFS
    ENOTCONN = _errno.ENOTCONN
    ECONNREFUSED = _errno.ECONNREFUSED
    EHOSTUNREACH = _errno.EHOSTUNREACH
    EINPROGRESS = _errno.EINPROGRESS
    EFSM = _HAUSNUMERO + 51
    ENOCOMPATPROTO = _HAUSNUMERO + 52
    ETERM = _HAUSNUMERO + 53
    EMTHREAD = _HAUSNUMERO + 54


class PollFlag(enum.IntFlag):
    POLLIN = 1
    POLLOUT = 2
    POLLERR = 4
    POLLPRI = 8
