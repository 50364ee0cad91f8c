"""What commands return: one small class per kind of answer, plain data for any front end.

Every result has ``lines``, its plain text, which is how a front end shows it unless it
has a renderer of its own for that type (the shell prints received messages in full; the
magics return values to the notebook and open live panes). ``value`` is what a Python
caller gets (``%zmq get ...`` returns it).

    >>> result = session.execute("bind s tcp://127.0.0.1:*")
    >>> isinstance(result, Bound), result.endpoint
    (True, 'tcp://127.0.0.1:40113')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .dump import FrameDump
from .events import Message
from .render import format_size, format_time, message_line, number_text, table_lines
from .syntax import Command
from .visible import safe_text
from .wire import shown_bytes, shown_text

__all__ = [
    "AuthState",
    "Bound",
    "EndpointChanged",
    "HelpText",
    "HistoryTable",
    "KeyPair",
    "MonitorSwitched",
    "OptionSet",
    "OptionValue",
    "PeerInfo",
    "PeerTable",
    "PollState",
    "ProbeReport",
    "Quit",
    "Received",
    "RecordSwitched",
    "ReplayStarted",
    "Result",
    "ScriptRan",
    "Sent",
    "ShownMessage",
    "SocketClosed",
    "SocketInfo",
    "SocketMade",
    "SocketTable",
    "Subscription",
    "TapStarted",
    "TapSwitched",
    "TextLines",
    "Unwatched",
    "VersionInfo",
    "Watching",
]


class Result:
    """The base of every result: no text, no value, the session goes on."""

    @property
    def lines(self) -> list[str]:
        return []

    @property
    def value(self) -> object:
        return None

    @property
    def quit(self) -> bool:
        return False

    @property
    def interrupted(self) -> bool:
        """Stopped by Ctrl-C, with what was done: the rest of a line or script is not run."""
        return False


@dataclass(frozen=True)
class TextLines(Result):
    """Text and nothing else (help, sleep)."""

    text: tuple[str, ...] = ()

    @property
    def lines(self) -> list[str]:
        return list(self.text)


@dataclass(frozen=True)
class HelpText(TextLines):
    """``help [CMD]``: ``text`` is the shell's; the rows themselves let a front end write
    its own (the magics: a table, examples as cells)."""

    commands: tuple[Command, ...] = ()
    command: Command | None = None


@dataclass(frozen=True)
class SocketMade(Result):
    name: str
    kind: str  # pub, sub, ...
    linger: int
    maxmsgsize: int
    heartbeat_ivl: int = 0  # ms; 0: no heartbeats
    heartbeat_timeout: int = 0

    @property
    def lines(self) -> list[str]:
        beats = (
            f", heartbeat every {self.heartbeat_ivl} ms, timeout {self.heartbeat_timeout} ms"
            if self.heartbeat_ivl
            else ""
        )
        return [
            f"{self.name}: {self.kind} socket (linger {self.linger} ms, maxmsgsize {self.maxmsgsize}{beats})"
        ]

    @property
    def value(self) -> str:
        return self.name


@dataclass(frozen=True)
class EndpointChanged(Result):
    """A connect, unbind or disconnect."""

    socket: str
    endpoint: str
    action: str  # bind (a Bound), connect, unbind or disconnect

    _PAST: ClassVar[dict[str, str]] = {
        "bind": "bound to",
        "connect": "connecting to",
        "unbind": "unbound from",
        "disconnect": "disconnected from",
    }

    @property
    def lines(self) -> list[str]:
        return [f"{self.socket} {self._PAST[self.action]} {self.endpoint}"]

    @property
    def value(self) -> str:
        return self.endpoint


@dataclass(frozen=True)
class Bound(EndpointChanged):
    """A bind: ``endpoint`` is as libzmq resolved it (``tcp://*:*`` gets its port)."""

    action: str = "bind"


@dataclass(frozen=True)
class OptionSet(Result):
    socket: str
    option: str
    value_set: object  # the secret's placeholder (set) for a secret
    text: str  # how the value reads in a line: (set) for a secret
    warning: str | None = None  # said once per session (a CURVE server on an old libzmq)

    @property
    def lines(self) -> list[str]:
        lines = [f"{self.socket}.{self.option} = {self.text}"]
        if self.warning:
            lines.append("warning: " + self.warning)
        return lines

    @property
    def value(self) -> object:
        return self.value_set


@dataclass(frozen=True)
class OptionValue(Result):
    socket: str
    option: str
    option_value: object  # a hidden secret's placeholder, unless revealed
    text: str  # how the value reads in a line

    @property
    def lines(self) -> list[str]:
        return [f"{self.socket}.{self.option} = {self.text}"]

    @property
    def value(self) -> object:
        return self.option_value


@dataclass(frozen=True)
class Subscription(Result):
    socket: str
    topic: bytes
    subscribed: bool  # False: unsubscribed

    @property
    def lines(self) -> list[str]:
        shown = repr(self.topic.decode("utf-8", "replace")) if self.topic else "everything"
        if self.subscribed:
            return [f"{self.socket} subscribed to {shown}"]
        return [f"{self.socket} unsubscribed from {shown}"]

    @property
    def value(self) -> bytes:
        return self.topic


@dataclass(frozen=True)
class SocketClosed(Result):
    socket: str

    @property
    def lines(self) -> list[str]:
        return [f"{self.socket} closed"]

    @property
    def value(self) -> str:
        return self.socket


@dataclass(frozen=True)
class SocketInfo:
    """One row of the sockets table."""

    name: str
    type: str
    endpoints: str
    options: str
    received: int
    sent: int
    rate_in: float
    rate_out: float
    flags: str
    directions: tuple[str, ...] = ()  # a tap's labels for in and out ("c→s", "s→c")
    matched: int | None = None  # of those received, how many watch --where/--grep let through
    recorded: int | None = None  # and how many record --where/--grep wrote

    COLUMNS = ("name", "type", "endpoints", "options", "in", "out", "in/s", "out/s", "live")

    @property
    def received_text(self) -> str:
        """The in column: received, then what the filters let through."""
        text = f"{self.directions[0]} {self.received}" if self.directions else str(self.received)
        kept = [
            f"{n} {what}"
            for n, what in ((self.matched, "matched"), (self.recorded, "recorded"))
            if n is not None
        ]
        return f"{text} ({', '.join(kept)})" if kept else text

    def row(self) -> tuple[object, ...]:
        return (
            self.name,
            self.type,
            self.endpoints,
            self.options,
            self.received_text,
            (f"{self.directions[1]} {self.sent}" if self.directions[1] else "-")
            if self.directions
            else self.sent,
            f"{self.rate_in:.0f}",
            f"{self.rate_out:.0f}",
            self.flags,
        )


@dataclass(frozen=True)
class SocketTable(Result):
    sockets: tuple[SocketInfo, ...]

    @property
    def lines(self) -> list[str]:
        if not self.sockets:
            return ["no sockets yet (make one with: socket NAME TYPE)"]
        return table_lines(SocketInfo.COLUMNS, [i.row() for i in self.sockets])

    @property
    def value(self) -> list[SocketInfo]:
        return list(self.sockets)


@dataclass(frozen=True)
class PeerInfo:
    """One row of ``peers NAME``: one connection, or one routing id the monitor never saw."""

    routing_id: bytes | None
    address: str  # Peer-Address (from message properties), "" until known
    endpoint: str  # as the monitor names it; for a bound socket the bind endpoint
    fd: int | None
    messages: int
    bytes_in: int
    first_seen: float
    last_seen: float
    state: str  # connecting, handshaking, connected, disconnected, handshake failed, ""
    state_time: float
    reason: str  # why the handshake failed, in words
    failures: int = 0  # failed handshakes for that reason

    COLUMNS = ("routing id", "address", "connection", "in", "bytes in", "first seen", "last seen", "state")

    @property
    def routing_id_text(self) -> str:
        rid = self.routing_id
        if rid is None:
            return "-"
        if rid and all(32 <= b < 127 for b in rid):
            return rid.decode("ascii")
        return "0x" + rid.hex()

    @property
    def state_text(self) -> str:
        if not self.state:
            return "- (not seen by the monitor)"
        if self.state == "disconnected":
            return f"disconnected {format_time(self.state_time)}"
        if self.state == "handshake failed":
            times = f" ({self.failures} times)" if self.failures > 1 else ""
            return f"handshake failed {format_time(self.state_time)}{times}: {safe_text(self.reason)}"
        return self.state

    def row(self, routing_ids: bool = True) -> tuple[object, ...]:
        connection = self.endpoint or "-"
        if self.fd is not None:
            connection += f" fd {self.fd}"
        cells = (
            self.routing_id_text,
            self.address or "-",
            connection,
            self.messages,
            self.bytes_in,
            format_time(self.first_seen),
            format_time(self.last_seen),
            self.state_text,
        )
        return cells if routing_ids else cells[1:]


@dataclass(frozen=True)
class PeerTable(Result):
    """``peers NAME``: the socket's peers, most recently active first."""

    socket: str
    peers: tuple[PeerInfo, ...]
    more: int  # older peers no longer kept
    routing_ids: bool  # the socket type receives a routing id with each message
    counting_since: float  # when per-peer message counts started (the first `peers NAME`)
    reads_all: bool = False  # a tap's front: the session reads every message it gets

    @property
    def columns(self) -> tuple[str, ...]:
        return PeerInfo.COLUMNS if self.routing_ids else PeerInfo.COLUMNS[1:]

    @property
    def rows(self) -> list[tuple[object, ...]]:
        return [p.row(self.routing_ids) for p in self.peers]

    @property
    def notes(self) -> list[str]:
        out = []
        if self.more:
            out.append(f"+{self.more} older peers not kept (the newest {len(self.peers)} are)")
        which = (
            "every message (a tap reads all)"
            if self.reads_all
            else ("of those the session reads (watch, recv, record)")
        )
        out.append(
            f"messages counted per peer since {format_time(self.counting_since)} (the first "
            f"peers {self.socket}), {which}"
        )
        return out

    @property
    def lines(self) -> list[str]:
        if not self.peers:
            head = [f"{self.socket}: no peers yet (they show once they connect; bind or connect first)"]
        else:
            head = table_lines(self.columns, self.rows)
        return head + self.notes

    @property
    def value(self) -> list[PeerInfo]:
        return list(self.peers)


@dataclass(frozen=True)
class Sent(Result):
    socket: str
    parts: int
    size: int  # bytes, every frame

    @property
    def lines(self) -> list[str]:
        return [f"{self.socket}: sent {self.parts} part{'s' if self.parts != 1 else ''}, {self.size} bytes"]


@dataclass(frozen=True)
class Received(Result):
    """What ``recv`` got: the messages, and how each shows (possibly shortened)."""

    socket: str
    messages: tuple[list[bytes], ...]
    shown: tuple[Message, ...]
    asked: int  # how many were waited for; fewer came if the timeout ended the wait
    stopped: bool = False  # by Ctrl-C (recv --count), with the messages that came

    @property
    def not_shown(self) -> int:
        """Older messages received but not in ``shown`` (only the newest are shown)."""
        return len(self.messages) - len(self.shown)

    @property
    def not_shown_line(self) -> str:
        """What a front end that shows ``shown`` says of the rest ("" if none)."""
        if not self.not_shown:
            return ""
        return (
            f"{self.not_shown:,} older messages not shown; the newest {len(self.shown):,} follow "
            f"(the value holds all {len(self.messages):,})"
        )

    @property
    def lines(self) -> list[str]:
        if self.stopped:
            return [f"{self.socket}: received {len(self.messages):,} of {self.asked:,} messages, stopped"]
        if len(self.messages) < self.asked:
            return [f"{self.socket}: {len(self.messages)} of {self.asked} messages before the timeout"]
        return []

    @property
    def value(self) -> list[bytes] | list[list[bytes]]:
        """One message (its frames) when one was asked for, else the list of messages."""
        if self.asked == 1 and self.messages:
            return self.messages[0]
        return list(self.messages)

    @property
    def interrupted(self) -> bool:
        return self.stopped


@dataclass(frozen=True)
class Watching(Result):
    sockets: tuple[str, ...]
    filter: str = ""  # --where/--grep as given, "" for none

    @property
    def lines(self) -> list[str]:
        only = f", only messages matching {self.filter}" if self.filter else ""
        return [f"watching {' '.join(self.sockets)}{only} (unwatch to stop)"]

    @property
    def value(self) -> list[str]:
        return list(self.sockets)


@dataclass(frozen=True)
class Unwatched(Result):
    sockets: tuple[str, ...]

    @property
    def lines(self) -> list[str]:
        return [f"stopped watching {' '.join(self.sockets) or 'nothing'}"]

    @property
    def value(self) -> list[str]:
        return list(self.sockets)


@dataclass(frozen=True)
class MonitorSwitched(Result):
    socket: str
    on: bool

    @property
    def lines(self) -> list[str]:
        if self.on:
            return [f"{self.socket}: monitoring connection events (monitor {self.socket} off to stop)"]
        return [f"{self.socket}: monitor off"]

    @property
    def value(self) -> tuple[bool, str]:
        return self.on, self.socket


@dataclass(frozen=True)
class PollState(Result):
    ready: dict[str, list[str]]  # socket -> "in", "out"

    @property
    def lines(self) -> list[str]:
        return [f"{name}: {' '.join(r) if r else 'nothing ready'}" for name, r in self.ready.items()]

    @property
    def value(self) -> dict[str, list[str]]:
        return self.ready


@dataclass(frozen=True)
class RecordSwitched(Result):
    socket: str
    path: str | None  # None: recording stopped
    both_ways: bool = False  # a tap: both directions, each line saying which
    filter: str = ""  # --where/--grep as given, "" for none

    @property
    def lines(self) -> list[str]:
        if self.path is None:
            return [f"{self.socket}: recording stopped"]
        if self.both_ways:
            return [f"{self.socket}: recording both directions to {self.path}"]
        only = f" matching {self.filter}" if self.filter else ""
        return [f"{self.socket}: recording incoming messages{only} to {self.path}"]

    @property
    def value(self) -> str | None:
        return self.path


@dataclass(frozen=True)
class ReplayStarted(Result):
    socket: str
    path: str
    count: int
    seconds: float  # how long it will take at the speed asked

    @property
    def lines(self) -> list[str]:
        if not self.count:
            return [f"{self.path} holds no messages"]
        return [
            f"replaying {self.count} messages from {self.path} to {self.socket} over {self.seconds:.1f} s"
        ]

    @property
    def value(self) -> int:
        return self.count


@dataclass(frozen=True)
class KeyPair(Result):
    public: bytes  # Z85
    secret: bytes

    @property
    def lines(self) -> list[str]:
        # Quoted: a Z85 key may start with # or @, which the command language reads
        # as a comment or a file; quoted, it pastes back into a command as it is.
        return [f"public '{self.public.decode()}'", f"secret '{self.secret.decode()}'"]

    @property
    def value(self) -> tuple[bytes, bytes]:
        return self.public, self.secret


@dataclass(frozen=True)
class AuthState(Result):
    running: bool  # whether the session answers ZAP requests
    text: tuple[str, ...]

    @property
    def lines(self) -> list[str]:
        return list(self.text)

    @property
    def value(self) -> bool:
        return self.running


@dataclass(frozen=True)
class VersionInfo(Result):
    zmqrepl: str
    libzmq: str
    python: str
    warning: str | None  # the libzmq version's known security problems

    @property
    def lines(self) -> list[str]:
        lines = [f"zmqrepl {self.zmqrepl}, libzmq {self.libzmq}, Python {self.python}"]
        if self.warning:
            lines.append("warning: " + self.warning)
        return lines

    @property
    def value(self) -> dict[str, str | None]:
        return {
            "zmqrepl": self.zmqrepl,
            "libzmq": self.libzmq,
            "python": self.python,
            "warning": self.warning,
        }


@dataclass(frozen=True)
class ProbeReport(Result):
    """What ``probe`` found at a tcp endpoint. ``outcome``: zeromq, not-zeromq, malformed
    (a ZMTP signature, then nonsense), refused, timeout, closed or unreachable. The fields
    after it are what the peer told (None: it did not say)."""

    endpoint: str
    outcome: str
    version: str | None = None  # "3.1", "3.0", "2.0", "1.0"
    mechanism: str | None = None  # NULL, PLAIN, CURVE, GSSAPI: as the peer spelt it
    as_server: bool | None = None
    socket_type: str | None = None  # told by NULL (READY) and ZMTP 2.0 peers
    identity: bytes | None = None
    properties: tuple[tuple[str, bytes], ...] = ()  # a NULL peer's READY, in its order
    first_bytes: bytes = b""  # the first of what it sent (at most 64)
    note: str = ""  # what went wrong, or what is missing, in words
    hint: str = ""

    @property
    def lines(self) -> list[str]:
        if self.outcome == "zeromq":
            text = self._zeromq()
        elif self.outcome == "not-zeromq":
            text = f"not ZeroMQ: it sent {shown_bytes(self.first_bytes)}"
        else:
            text = self.note + (f"; it sent {shown_bytes(self.first_bytes)}" if self.first_bytes else "")
        return [f"{self.endpoint}: {text}" + (f" (hint: {self.hint})" if self.hint else "")]

    def _zeromq(self) -> str:
        parts = [f"ZeroMQ (ZMTP {self.version})"]
        if self.mechanism is not None:
            side = {True: ", server side", False: ", client side", None: ""}[self.as_server]
            parts.append(
                f"{shown_text(self.mechanism)} security" + ("" if self.mechanism == "NULL" else side)
            )
        if self.socket_type is not None:
            parts.append(f"a {shown_text(self.socket_type)} socket")
        if self.identity:
            parts.append(f"identity {shown_bytes(self.identity)}")
        return ", ".join(parts) + (f"; {self.note}" if self.note else "")

    @property
    def value(self) -> dict[str, object]:
        return {
            "endpoint": self.endpoint,
            "outcome": self.outcome,
            "version": self.version,
            "mechanism": self.mechanism,
            "as_server": self.as_server,
            "socket_type": self.socket_type,
            "identity": self.identity,
            "properties": dict(self.properties),
            "first_bytes": self.first_bytes,
            "note": self.note,
        }


@dataclass(frozen=True)
class ScriptRan(Result):
    """The results of a ``source`` file's commands, in order."""

    path: str
    results: tuple[Result, ...]

    @property
    def lines(self) -> list[str]:
        return [line for r in self.results for line in r.lines]

    @property
    def shown(self) -> list[Message]:
        """Every message its recv commands received, in order."""
        out: list[Message] = []
        for r in self.results:
            if isinstance(r, (Received, ScriptRan)):
                out.extend(r.shown)
        return out

    @property
    def value(self) -> list[Result]:
        return list(self.results)

    @property
    def quit(self) -> bool:
        return any(r.quit for r in self.results)

    @property
    def interrupted(self) -> bool:
        return any(r.interrupted for r in self.results)


@dataclass(frozen=True)
class Quit(Result):
    @property
    def quit(self) -> bool:
        return True


@dataclass(frozen=True)
class TapStarted(Result):
    """A tap forwards between LISTEN (as bound: ``tcp://*:*`` gets its port) and TARGET."""

    name: str
    pattern: str  # reqrep, pubsub or pipeline
    listen: str
    target: str

    @property
    def lines(self) -> list[str]:
        return [
            f"{self.name}: {self.pattern} tap listening on {self.listen}, forwarding to {self.target}",
            f"point the clients at {self.listen}; watch {self.name} shows the traffic",
        ]

    @property
    def value(self) -> str:
        return self.listen


@dataclass(frozen=True)
class TapSwitched(Result):
    """``tap NAME pause`` or ``tap NAME resume``."""

    name: str
    paused: bool

    @property
    def lines(self) -> list[str]:
        if self.paused:
            return [
                f"{self.name}: paused; messages wait in the queues (up to the HWM) "
                f"until: tap {self.name} resume"
            ]
        return [f"{self.name}: forwarding again"]

    @property
    def value(self) -> bool:
        return self.paused


@dataclass(frozen=True)
class ShownMessage(Result):
    """``show N``: one numbered message whole, frame by frame."""

    message: Message
    frames: tuple[FrameDump, ...]

    @property
    def header(self) -> str:
        msg = self.message
        parts = len(msg.sizes)
        way = f" {msg.direction}" if msg.direction else ""
        way += f" peer {msg.peer}" if msg.peer else ""
        return (
            f"{number_text(msg)}{format_time(msg.time)} {msg.socket}{way}: {parts} "
            f"part{'s' if parts != 1 else ''}, {format_size(sum(msg.sizes))}"
        )

    @staticmethod
    def frame_title(frame: FrameDump) -> str:
        what = {"hex": "binary", "empty": "empty", "skipped": "not shown"}.get(frame.kind, frame.kind)
        return f"frame {frame.index}: {format_size(frame.size)}, {what}"

    @property
    def lines(self) -> list[str]:
        out = [self.header]
        for frame in self.frames:
            out.append(self.frame_title(frame))
            out.extend("  " + line for line in frame.lines)
            out.extend(f"  ({note})" for note in frame.notes)
        return out

    @property
    def value(self) -> list[bytes]:
        """The frames as kept (a frame past 16 KiB is its first 16 KiB)."""
        return list(self.message.frames)


@dataclass(frozen=True)
class HistoryTable(Result):
    """``history``: the kept messages that match, oldest first, the newest ``last`` of them."""

    messages: tuple[Message, ...]
    matched: int  # kept messages that match, shown or not
    kept: int  # messages the session keeps now
    size: int  # the most it keeps (the history_size setting)
    socket: str | None = None
    grep: str | None = None
    bound: str = ""  # the bound that keeps the ring as it is, in words ("the newest 1000")
    searched: int = 0  # messages --grep searched before its deadline (all of ``among``: no cut)
    among: int = 0  # messages it had to search (kept, of the socket asked for)
    seconds: float = 0.0  # the deadline of --grep

    def message_lines(self, width: int = 100) -> list[str]:
        return [message_line(m, width) for m in self.messages]

    @property
    def notes(self) -> list[str]:
        if not self.kept:
            return ["no messages yet: watch NAME or recv NAME shows some, and history lists them"]
        which = " on " + self.socket if self.socket else ""
        which += f" matching {safe_text(repr(self.grep))}" if self.grep is not None else ""
        out = []
        if self.searched < self.among:
            out.append(
                f"searched the newest {self.searched} of {self.among} in {self.seconds:g} s, then "
                "stopped (a simpler --grep, or history NAME, searches fewer)"
            )
        if not self.matched:
            return [*out, f"none of the {self.kept} kept messages{which}"]
        if self.matched > len(self.messages):
            out.append(f"+{self.matched - len(self.messages)} older{which} (history --last N shows more)")
        bound = self.bound or f"the newest {self.size}"
        out.append(
            f"{len(self.messages)} of {self.kept} kept messages{which} (the session keeps {bound}); "
            "show N prints one whole"
        )
        return out

    @property
    def lines(self) -> list[str]:
        return self.message_lines() + self.notes

    @property
    def value(self) -> list[Message]:
        return list(self.messages)
