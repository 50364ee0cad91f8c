"""Reading what a ZeroMQ peer says first, from bytes: pure functions for ``probe``.

ZMTP 3.x (RFC 23 and 37) starts with a 64-byte greeting: the signature (0xFF, 8 bytes of
padding, 0x7F), the version (major, minor), the mechanism's name (20 bytes, NUL-padded),
the as-server byte and 31 bytes of filler. ZMTP 2.0 (RFC 15) sends the signature, the
revision 0x01, its socket type and its identity as a frame; ZMTP 1.0 has no greeting and
starts with the identity frame. After a NULL greeting comes the READY command, whose
properties name the socket type and the identity.

Each ``*_wanted`` function says how many bytes the reader needs before it can decide
(``len(data)`` means: decide now); each ``parse_*`` decides from what was read, whatever it
is, without raising.

    >>> parse_greeting(b"\\xff" + bytes(8) + b"\\x7f\\x03\\x01NULL" + bytes(48)).mechanism
    'NULL'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "CLIENT_SIGNATURE",
    "GREETING_SIZE",
    "MAX_COMMAND",
    "Greeting",
    "PeerCommand",
    "command_wanted",
    "greeting_rest",
    "greeting_wanted",
    "parse_command",
    "parse_greeting",
    "short_frame",
    "shown_bytes",
    "shown_text",
]

SIGNATURE_SIZE = 10
GREETING_SIZE = 64  # ZMTP 3.x
MECHANISM = slice(12, 32)
AS_SERVER = 32
MAX_COMMAND = 4096  # a READY with a socket type, an identity (<= 255) and some metadata
SHOWN = 32  # bytes of a non-ZeroMQ answer shown

# Our side, sent in two steps: the signature with major version 3 first, so that libzmq
# sends the rest of its greeting; the rest (NULL, client) only to a NULL peer. libzmq reads
# the whole greeting before it checks the mechanism and, on a mismatch, closes without
# writing what it queued: sent at once, ours would cost a PLAIN or CURVE peer's greeting.
CLIENT_SIGNATURE = b"\xff" + bytes(7) + b"\x01\x7f\x03"


def greeting_rest(mechanism: str, as_server: bool) -> bytes:
    """The 53 bytes after CLIENT_SIGNATURE: minor version 1, mechanism, as-server, filler."""
    name = mechanism.encode("ascii", "replace")[:20].ljust(20, b"\0")
    return b"\x01" + name + bytes([as_server]) + bytes(31)


# ZMTP 2.0 sends its socket type as a number (RFC 15).
_ZMTP2_TYPES = ("PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH", "XPUB", "XSUB")
_MECHANISM_NAME = re.compile(rb"^[A-Z0-9._+-]{1,20}\x00*$")


@dataclass(frozen=True)
class Greeting:
    """What a peer's first bytes say. ``kind``: zmtp3, zmtp2, zmtp1, partial (a ZMTP
    signature, then the peer stopped), malformed (a ZMTP signature, then nonsense),
    not-zeromq, or nothing (not one byte)."""

    kind: str
    version: str | None = None
    mechanism: str | None = None
    as_server: bool | None = None
    socket_type: str | None = None
    identity: bytes | None = None
    problem: str = ""


@dataclass(frozen=True)
class PeerCommand:
    """The first command after the greeting. ``name`` is READY, ERROR, another command's
    name, or "" when the bytes are not a command (``problem`` says what)."""

    name: str
    properties: dict[str, bytes] = field(default_factory=dict)
    reason: str = ""  # an ERROR command's reason
    problem: str = ""


def shown_bytes(data: bytes, limit: int = SHOWN) -> str:
    """``data`` quoted, escaped to printable ASCII, cut at ``limit`` bytes."""
    text = repr(bytes(data[:limit]))[1:]
    return text + ("…" if len(data) > limit else "")


def shown_text(text: str, limit: int = SHOWN) -> str:
    """A name a peer sent (a socket type, a mechanism) as it is when it is a plain word,
    quoted and escaped when it is not."""
    if text.isascii() and text.isprintable() and " " not in text and len(text) <= limit:
        return text
    return shown_bytes(text.encode("utf-8", "replace"), limit)


def greeting_wanted(data: bytes) -> int:
    if not data:
        return 1
    if data[0] != 0xFF:
        # ZMTP 1.0: a short identity frame, [length of flags + body][flags 0][body].
        if data[0] == 0 or (len(data) >= 2 and data[1] != 0):
            return len(data)
        return max(len(data), data[0] + 1)
    if len(data) < SIGNATURE_SIZE:
        return SIGNATURE_SIZE
    if not data[9] & 1:
        return len(data)  # ZMTP 1.0's long frame, or not ZeroMQ: decided either way
    if len(data) < SIGNATURE_SIZE + 1:
        return SIGNATURE_SIZE + 1
    revision = data[10]
    if revision >= 3:
        return GREETING_SIZE
    if revision in (0, 1):
        # [socket type][identity frame: flags, size, body]
        if len(data) < 14:
            return 14
        return 14 + data[13]
    return len(data)


def short_frame(data: bytes) -> bool:
    """Whether ``data`` is exactly one ZMTP 1.0 identity frame, short form: [length of flags
    + body, 1-254][flags 0][body]. Many other protocols start like that (a MySQL greeting:
    4a 00 00 00 0a ...), so it is ZMTP 1.0 only if the peer then goes quiet (see
    parse_greeting)."""
    return 1 <= data[0] < 0xFF and len(data) == data[0] + 1 and data[1] == 0 if data else False


def parse_greeting(data: bytes, ended: bool = False, quiet: bool = False) -> Greeting:
    """The greeting in ``data``; ``ended``: the peer sent no more (closed, or went quiet);
    ``quiet``: it sent no more and kept the connection open, as a ZMTP 1.0 peer does after
    its identity frame (it waits for ours)."""
    if not data:
        return Greeting("nothing")
    if data[0] != 0xFF:
        if quiet and short_frame(data):
            return Greeting("zmtp1", "1.0", identity=bytes(data[2:]))
        return Greeting("not-zeromq")
    if len(data) < SIGNATURE_SIZE:
        return Greeting("partial") if ended else Greeting("not-zeromq")
    if not data[9] & 1:
        size = int.from_bytes(data[1:9], "big")
        return Greeting("zmtp1", "1.0") if 1 <= size <= 256 and data[9] == 0 else Greeting("not-zeromq")
    if data[9] != 0x7F:
        return Greeting("not-zeromq")
    if len(data) < greeting_wanted(data):
        return Greeting("partial")
    revision = data[10]
    if revision in (0, 1):
        kind = data[11]
        name = _ZMTP2_TYPES[kind] if kind < len(_ZMTP2_TYPES) else f"type {kind}"
        return Greeting("zmtp2", "2.0", socket_type=name, identity=bytes(data[14 : 14 + data[13]]))
    if revision < 3:
        return Greeting("malformed", problem=f"unknown revision {revision}")
    version = f"{revision}.{data[11]}"
    raw = bytes(data[MECHANISM])
    if not _MECHANISM_NAME.match(raw):
        return Greeting("malformed", version, problem=f"mechanism {shown_bytes(raw)}")
    return Greeting("zmtp3", version, raw.rstrip(b"\0").decode("ascii"), data[AS_SERVER] != 0)


def command_wanted(data: bytes) -> int:
    if not data:
        return 1
    if data[0] == 0x04:  # a command, short size
        return 2 if len(data) < 2 else 2 + data[1]
    if data[0] == 0x06:  # a command, long size
        if len(data) < 9:
            return 9
        size = int.from_bytes(data[1:9], "big")
        return len(data) if size > MAX_COMMAND else 9 + size
    return len(data)


def parse_command(data: bytes) -> PeerCommand:
    """The command frame in ``data`` (as ``command_wanted`` asked for)."""
    if not data:
        return PeerCommand("", problem="it sent nothing after its greeting")
    if data[0] not in (0x04, 0x06):
        return PeerCommand("", problem=f"it sent {shown_bytes(data)} where a command belongs")
    header = 2 if data[0] == 0x04 else 9
    if len(data) < header:
        return PeerCommand("", problem="its first command stopped short")
    size = int.from_bytes(data[1:header], "big")
    if size > MAX_COMMAND:
        return PeerCommand("", problem=f"its first command is {size} bytes long, over {MAX_COMMAND}")
    body = bytes(data[header : header + size])
    if len(body) < size:
        return PeerCommand("", problem=f"its first command stopped after {len(body)} of {size} bytes")
    if not body or len(body) < 1 + body[0]:
        return PeerCommand("", problem="its first command has no name")
    name = body[1 : 1 + body[0]].decode("ascii", "replace")
    rest = body[1 + body[0] :]
    if name == "ERROR":
        reason = rest[1 : 1 + rest[0]] if rest else b""
        return PeerCommand(name, reason=reason.decode("utf-8", "replace"))
    if name != "READY":
        return PeerCommand(name)
    properties, problem = _properties(rest)
    return PeerCommand(name, properties, problem=problem)


def _properties(data: bytes) -> tuple[dict[str, bytes], str]:
    """READY's metadata: [name size][name][value size, 4 bytes][value], repeated."""
    found: dict[str, bytes] = {}
    i = 0
    while i < len(data):
        end = i + 1 + data[i]
        if end + 4 > len(data):
            return found, "its READY command is cut short"
        name = data[i + 1 : end].decode("ascii", "replace")
        size = int.from_bytes(data[end : end + 4], "big")
        if end + 4 + size > len(data):
            return found, "its READY command is cut short"
        found[name] = data[end + 4 : end + 4 + size]
        i = end + 4 + size
    return found, ""
