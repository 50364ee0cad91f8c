"""Commands about sockets themselves: socket, bind, connect, set, get, subscribe, close, sockets.

Each function is a handler named by the command table (commands.py).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..core import Option, Socket, SocketType, ValueType
from .defaults import HEARTBEAT_TYPES, HEARTBEAT_WARNING
from .entry import SocketEntry
from .errors import CommandError, clip, core_error
from .frames import parse_frame
from .hidden import HIDDEN, NOT_SET, is_secret, option_text
from .render import short_value
from .results import (
    Bound,
    EndpointChanged,
    OptionSet,
    OptionValue,
    PeerInfo,
    PeerTable,
    SocketClosed,
    SocketMade,
    SocketTable,
    Subscription,
)
from .showing import Showing
from .state import ROUTING_ID_FIRST
from .syntax import Parsed
from .tokens import Token

if TYPE_CHECKING:
    from .session import Session

__all__ = [
    "bind",
    "close",
    "connect",
    "disconnect",
    "get",
    "make_socket",
    "peers",
    "set_option",
    "sockets",
    "subscribe",
    "unbind",
    "unsubscribe",
]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def make_socket(session: Session, p: Parsed) -> SocketMade:
    name: str = p.args["NAME"]
    kind: SocketType = p.args["TYPE"]
    if name in session.entries:
        raise CommandError(
            f"a socket named {clip(name)} exists already", f"pick another name, or close {name} first"
        )

    def create() -> SocketEntry:
        sock = Socket(kind, session.engine.context)
        options = session.new_socket_options(heartbeats=kind in HEARTBEAT_TYPES)
        for option, value in options.items():
            sock.set(option, value)
        entry = SocketEntry(name, kind, sock, showing=Showing(session.show_keep))
        entry.changed.update(options)  # they differ from libzmq's: they show in `sockets`
        session.entries[name] = entry
        return entry

    entry = session.engine.call(create)
    ivl = entry.changed.get("heartbeat_ivl", 0)
    return SocketMade(
        name,
        kind.name.lower(),
        session.linger,
        session.maxmsgsize,
        ivl,
        session.heartbeat_timeout if ivl else 0,
    )


def bind(session: Session, p: Parsed) -> Bound:
    entry = session.entry(p.args["NAME"])

    resolved = session.engine.call(lambda: session.bind_watched(entry, p.args["ENDPOINT"]))
    session.note_endpoint(resolved)
    return Bound(entry.name, resolved)


def connect(session: Session, p: Parsed) -> EndpointChanged:
    entry = session.entry(p.args["NAME"])
    endpoint: str = p.args["ENDPOINT"]

    def act() -> None:
        session.watch_connections(entry)  # before connecting: no event is missed
        entry.socket.connect(endpoint)
        session.note_heartbeats(entry)

    session.engine.call(act)
    session.note_endpoint(endpoint)
    return EndpointChanged(entry.name, endpoint, "connect")


def unbind(session: Session, p: Parsed) -> EndpointChanged:
    entry = session.entry(p.args["NAME"])
    endpoint: str = p.args["ENDPOINT"]
    session.engine.call(lambda: entry.socket.unbind(endpoint))
    return EndpointChanged(entry.name, endpoint, "unbind")


def disconnect(session: Session, p: Parsed) -> EndpointChanged:
    entry = session.entry(p.args["NAME"])
    endpoint: str = p.args["ENDPOINT"]
    session.engine.call(lambda: entry.socket.disconnect(endpoint))
    return EndpointChanged(entry.name, endpoint, "disconnect")


def set_option(session: Session, p: Parsed) -> OptionSet:
    entry = session.entry(p.args["NAME"])
    option: str = p.args["OPTION"]
    value = _option_value(option, p.args["VALUE"])

    def act() -> None:
        entry.socket.set(option, value)
        if entry.tap is not None:  # both of a tap's sockets (cmd_tap.TAP_OPTIONS)
            entry.tap.back.set(option, value)
        entry.changed[option] = value
        if option.strip().lower() == "heartbeat_ivl":
            session.note_heartbeats(entry)  # read from now on if it can be (inbox.py)

    try:
        session.engine.call(act)
    except (TypeError, ValueError) as exc:
        raise core_error(str(exc), refers="set") from None
    secret = is_secret(option)
    warning = None
    if (
        option.strip().lower() == "heartbeat_ivl"
        and isinstance(value, int)
        and value > 0
        and (entry.tap is not None or entry.kind not in HEARTBEAT_TYPES)
    ):
        warning = HEARTBEAT_WARNING  # a socket the session cannot keep read (defaults.py)
    if option == "curve_server" and value and session.security_warning and not session.curve_server_warned:
        # A CURVE server is what the listed CVEs attack; say it once per session.
        session.curve_server_warned = True
        warning = session.security_warning
    return OptionSet(
        entry.name, option, HIDDEN if secret else value, HIDDEN if secret else short_value(value), warning
    )


def get(session: Session, p: Parsed) -> OptionValue:
    entry = session.entry(p.args["NAME"])
    option: str = p.args["OPTION"]
    try:
        value = session.engine.call(lambda: entry.socket.get(option))
    except ValueError as exc:
        raise CommandError(str(exc), "options you set show in: sockets") from None
    if is_secret(option):
        shown = option_text(option, value)
        if shown == NOT_SET:
            return OptionValue(entry.name, option, shown, shown)
        if not p.flags["reveal"]:
            return OptionValue(
                entry.name, option, shown, f"{shown} (a secret: get {entry.name} {option} --reveal shows it)"
            )
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        return OptionValue(entry.name, option, value, f"'{text}'")  # asked for: whole
    shown = short_value(value)
    if option == "type" and isinstance(value, int):
        shown = SocketType(value).name.lower()
    elif option == "events" and isinstance(value, int):
        shown = " ".join(w for w, bit in (("in", 1), ("out", 2)) if value & bit) or "none"
    return OptionValue(entry.name, option, value, shown)


def _subscription(session: Session, p: Parsed, on: bool) -> Subscription:
    entry = session.entry(p.args["NAME"])
    topic: bytes = p.args.get("TOPIC") or b""
    verb = "subscribe" if on else "unsubscribe"
    if entry.kind not in (SocketType.SUB, SocketType.XSUB):
        raise CommandError(
            f"{entry.name} is a {entry.kind.name.lower()} socket; only sub and xsub sockets {verb}",
            "make one with: socket NAME sub",
        )

    def act() -> None:
        if entry.kind is SocketType.SUB:
            entry.socket.set(Option.SUBSCRIBE if on else Option.UNSUBSCRIBE, topic)
        else:
            entry.socket.send((b"\x01" if on else b"\x00") + topic, nonblocking=True)
        entry.changed[verb] = topic

    session.engine.call(act)
    return Subscription(entry.name, topic, on)


def subscribe(session: Session, p: Parsed) -> Subscription:
    return _subscription(session, p, True)


def unsubscribe(session: Session, p: Parsed) -> Subscription:
    return _subscription(session, p, False)


def close(session: Session, p: Parsed) -> SocketClosed:
    entry = session.entry(p.args["NAME"])
    session.engine.call(lambda: session.close_entry(entry))
    return SocketClosed(entry.name)


def sockets(session: Session, p: Parsed) -> SocketTable:
    return SocketTable(tuple(session.sockets()))


def peers(session: Session, p: Parsed) -> PeerTable:
    entry = session.entry(p.args["NAME"])

    def snapshot() -> PeerTable:
        book = entry.peers
        book.start_counting(time.time())
        session.watch_connections(entry)  # a socket not bound or connected yet: from now on
        rows = tuple(
            PeerInfo(
                r.routing_id,
                r.address,
                r.endpoint,
                r.fd,
                r.messages,
                r.bytes_in,
                r.first_seen,
                r.last_seen,
                r.state,
                r.state_time,
                r.reason,
                r.failures,
            )
            for r in book.records()
        )
        routing_ids = entry.kind in ROUTING_ID_FIRST
        return PeerTable(
            entry.name, rows, book.evicted, routing_ids, book.counting_since, reads_all=entry.tap is not None
        )

    return session.engine.call(snapshot)


def _option_value(option: str, token: Token) -> Any:
    """The Python value for ``set``, by the option's type."""
    vt = ValueType.INT if option == "hwm" else Option.from_name(option).value_type
    text = token.text
    if vt in (ValueType.INT, ValueType.INT64, ValueType.UINT64):
        try:
            return int(text, 0)
        except ValueError:
            raise CommandError(
                f"option {option} takes a whole number, not {clip(text)}", f"e.g. set NAME {option} 1000"
            ) from None
    if vt is ValueType.BOOL:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise CommandError(
            f"option {option} takes true or false, not {clip(text)}", f"e.g. set NAME {option} true"
        )
    if vt is ValueType.STR:
        return text
    if vt is ValueType.CURVE_KEY and not token.quoted and len(text) == 40:
        return text  # a Z85 key as curve keypair prints it, even one starting with @ or 0x
    if not is_secret(option) or text.startswith("@"):
        return parse_frame(token)  # @path: an error names the file, never its contents
    try:
        return parse_frame(token)
    except CommandError:
        # The frame parser quotes what it could not read: here that is a secret.
        raise CommandError(
            f"option {option}: the value given is not a valid frame literal",
            "give the 40-character Z85 key that curve keypair prints",
        ) from None
