"""zmqrepl.core: a cffi binding to libzmq, modelled on the CHICKEN Scheme zmq egg.

    >>> from zmqrepl.core import Socket, PollItem, poll
    >>> rep = Socket("rep"); rep.bind("tcp://127.0.0.1:5555")
    >>> req = Socket("req"); req.connect("tcp://127.0.0.1:5555")
    >>> req.send("ping"); rep.recv(as_=str)
    'ping'

Message properties: ``frames, props = sock.recv_multipart(properties=True)`` (and
``recv_many(n, properties=True)``, one per message in ``batch.properties``) also give
what libzmq knows of the sending connection, as a read-only ``MessageProperties``
mapping: "Socket-Type", "Routing-Id", "Peer-Address", "User-Id" (with ZAP), and any
metadata asked for by name (from ZAP or the peer), ``properties=("X-Tenant",)``. A property the message
lacks is absent, never ""; calls that do not ask pay nothing (see properties.py).

Async code: ``zmqrepl.core.asyncio.Socket`` (asyncio, uvloop) and ``zmqrepl.core.anyio.Socket``
(anyio on asyncio or trio) await the same calls; neither is imported from here.

Importable on its own; it has no UI, and no threads of its own (an ``Authenticator``,
for ZAP, runs one only once a library user starts it).
"""

from __future__ import annotations

from . import zerocopy
from ._lib import ffi, lib  # noqa: F401 - ffi stays importable from here, as before
from .auth import ZAP_ENDPOINT, Authenticator, ZapDecision, ZapPolicy, close_zap_handler
from .batch import MessageBatch
from .constants import REMOVED_OPTIONS, Errno, Event, Option, PollFlag, SocketType, ValueType
from .context import CONTEXT_OPTIONS, Context, default_context, set_io_threads
from .curve import curve_keypair, curve_public, z85_decode, z85_encode
from .errors import Again, ContextTerminated, SocketBusy, SocketClosed, ZMQError
from .forward import Forwarded, forward, forwarded_before
from .monitor import Monitor, MonitorEvent
from .poll import PollItem, PollSet, poll
from .properties import MessageProperties
from .proxy import proxy
from .socket import Frame, Socket
from .version import LIBZMQ_VERSION, libzmq_security_warning, security_warning_for, zmq_version

__all__ = [
    "CONTEXT_OPTIONS",
    "LIBZMQ_VERSION",
    "REMOVED_OPTIONS",
    "ZAP_ENDPOINT",
    "Again",
    "Authenticator",
    "Context",
    "ContextTerminated",
    "Errno",
    "Event",
    "Forwarded",
    "Frame",
    "MessageBatch",
    "MessageProperties",
    "Monitor",
    "MonitorEvent",
    "Option",
    "PollFlag",
    "PollItem",
    "PollSet",
    "Socket",
    "SocketBusy",
    "SocketClosed",
    "SocketType",
    "ValueType",
    "ZMQError",
    "ZapDecision",
    "ZapPolicy",
    "close_zap_handler",
    "curve_keypair",
    "curve_public",
    "default_context",
    "forward",
    "forwarded_before",
    "has",
    "libzmq_security_warning",
    "poll",
    "proxy",
    "security_warning_for",
    "set_io_threads",
    "z85_decode",
    "z85_encode",
    "zerocopy",
    "zmq_version",
]


def has(capability: str) -> bool:
    """Whether libzmq supports a transport or mechanism: "ipc", "curve", "gssapi"..."""
    if not isinstance(capability, str):
        raise TypeError(f"capability must be a str, not {type(capability).__name__}")
    return bool(lib.zmq_has(capability.encode("ascii", "replace")))
