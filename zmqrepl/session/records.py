"""The record/replay file format: JSON Lines, one message per line.

    {"t": 1764277200.123, "socket": "s", "frames": [{"text": "hello"}, {"b64": "AAE="}]}

A frame that is valid UTF-8 is written as text, anything else as base64. A tap's
recording (tap.py) adds which way each message went and, where known, the client:

    {"t": ..., "socket": "t", "direction": "client->server", "peer": "c1", "frames": [...]}

Files without "direction" (any socket's) read as before; ``replay --direction`` skips them.
"""

from __future__ import annotations

import base64
import json
from typing import Iterable, Iterator

from .defaults import DEFAULT_MAXMSGSIZE
from .errors import CommandError
from .files import BoundedLines, human_size
from .utf8 import decode_utf8, encode_utf8

__all__ = [
    "DIRECTIONS",
    "MAX_RECORDING",
    "MAX_RECORD_LINE",
    "Recording",
    "iter_records",
    "parse_record",
    "record_line",
    "record_lines",
]


# The two values of "direction", by who sent the message: the programs that connect to a
# tap's LISTEN (clients, subscribers, pushers) or the one at its TARGET.
DIRECTIONS = {"client": "client->server", "server": "server->client"}


def record_line(t: float, socket: str, frames: list[bytes], direction: str = "", peer: str = "") -> str:
    return next(record_lines(t, socket, (frames,), direction, peer))


# The string encoder json.dumps(..., ensure_ascii=False) itself uses (C where available).
_encode_text = json.encoder.encode_basestring


def _frame_json(data: bytes) -> str:
    """A frame as a record holds it: {"text": ...} if it is UTF-8, else {"b64": ...}; the
    text json.dumps(..., ensure_ascii=False) gives, without the dict and the encoder."""
    try:
        return '{"text": ' + _encode_text(data.decode("utf-8")) + "}"
    except UnicodeDecodeError:
        return '{"b64": "' + base64.b64encode(data).decode("ascii") + '"}'


def record_lines(
    t: float, socket: str, messages: Iterable[list[bytes]], direction: str = "", peer: str = ""
) -> Iterator[str]:
    """One line per message, all read at ``t``: what json.dumps of the dict gives (the
    same text, byte for byte), with the part before the frames made once per batch. A
    recording at 200k msg/s spent most of its time in json.dumps."""
    head: dict[str, object] = {"t": round(t, 6), "socket": socket}
    if direction:
        head["direction"] = direction
    if peer:
        head["peer"] = peer
    start = json.dumps(head, ensure_ascii=False)[:-1] + ', "frames": ['
    frame = _frame_json
    for frames in messages:
        if len(frames) == 1:
            yield start + frame(frames[0]) + "]}\n"
        else:
            yield start + ", ".join(map(frame, frames)) + "]}\n"


_HINT = "replay reads files written by record"
MAX_RECORDING = 256 * 1024 * 1024
# A message as large as the default maxmsgsize, written as base64 (4 bytes per 3), fits a line.
MAX_RECORD_LINE = DEFAULT_MAXMSGSIZE * 4 // 3 + 64 * 1024


def _decode_frame(obj: object, where: str) -> bytes:
    if isinstance(obj, dict):
        if isinstance(obj.get("text"), str):
            return encode_utf8(str(obj["text"]), f"{where} frame text", _HINT)
        if isinstance(obj.get("b64"), str):
            try:
                return base64.b64decode(str(obj["b64"]), validate=True)
            except ValueError:
                raise CommandError(f"{where}: a frame's b64 is not valid base64", _HINT) from None
    raise CommandError(f'{where}: a frame must be {{"text": ...}} or {{"b64": ...}}', _HINT)


def parse_record(line: str, where: str) -> tuple[float, list[bytes]]:
    """(time, frames) of one line of a record file."""
    t, frames, _direction = _parse(line, where)
    return t, frames


def _parse(line: str, where: str) -> tuple[float, list[bytes], str]:
    """(time, frames, direction or "") of one line of a record file."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CommandError(f"{where} is not JSON ({exc.msg} at column {exc.colno})", _HINT) from None
    except RecursionError:
        raise CommandError(f"{where} nests too deeply to be a record", _HINT) from None
    if not isinstance(obj, dict) or not isinstance(obj.get("frames"), list) or not obj["frames"]:
        raise CommandError(f"{where} has no frames", _HINT)
    t = obj.get("t", 0.0)
    if not isinstance(t, (int, float)) or isinstance(t, bool) or t != t or abs(t) == float("inf"):
        raise CommandError(f"{where}: t must be a number", _HINT)
    direction = obj.get("direction", "")
    if not isinstance(direction, str):
        raise CommandError(f"{where}: direction must be text", _HINT)
    return float(t), [_decode_frame(f, where) for f in obj["frames"]], direction


def _records(path: str, lines: BoundedLines, direction: str = "") -> Iterator[tuple[float, list[bytes]]]:
    """Every message, or with ``direction`` only those that went that way."""
    for number, raw in lines:
        if not raw.strip():
            continue
        text = decode_utf8(raw, path, _HINT, line=number)
        t, frames, way = _parse(text, f"{path} line {number}")
        if not direction or way == direction:
            yield t, frames


def _open(path: str) -> BoundedLines:
    return BoundedLines(
        path,
        path,
        _HINT,
        cap=MAX_RECORDING,
        line_cap=MAX_RECORD_LINE,
        cap_text=f"the {human_size(MAX_RECORDING)} limit for recordings",
    )


def iter_records(path: str) -> Iterator[tuple[float, list[bytes]]]:
    """(time, frames) of every message in a record file, in order, read one line at a time.

    At most MAX_RECORDING bytes in all and MAX_RECORD_LINE per line, so memory holds
    one message whatever the file is.
    """
    with _open(path) as lines:
        yield from _records(path, lines)


class Recording:
    """A record file opened once, for replay: ``measure`` checks every message, then
    ``records`` reads them again from the same descriptor, so a file put in place of
    this path meanwhile changes nothing that is sent. Memory holds one message."""

    def __init__(self, path: str, direction: str = "") -> None:
        """``direction``: a value of DIRECTIONS, to replay only the messages that went that way."""
        self.path = path
        self.direction = direction
        self._lines = _open(path)

    def measure(self) -> tuple[int, float, float]:
        """(count, first time, last time); CommandError at the first bad line."""
        count, first_t, last_t = 0, 0.0, 0.0
        for t, _frames in _records(self.path, self._lines, self.direction):
            if not count:
                first_t = t
            count, last_t = count + 1, t
        return count, first_t, last_t

    def records(self) -> Iterator[tuple[float, list[bytes]]]:
        self._lines.rewind()
        return _records(self.path, self._lines, self.direction)

    def close(self) -> None:
        self._lines.close()
