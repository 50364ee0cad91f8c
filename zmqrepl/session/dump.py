"""A message whole, for ``show``: every frame, JSON pretty-printed, msgpack decoded,
binary as a hex dump with offsets and ASCII.

    >>> dump_frame(0, b'{"a": [1, 2]}', 13).lines
    ('{', '  "a": [', '    1,', '    2', '  ]', '}')

Bounded: a frame is what the session kept of it (at most 16 KiB, events.DISPLAY_PREFIX),
a hex dump shows ``hex_bytes`` of that, and pretty-printed text stops at MAX_LINES lines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .events import DISPLAY_PREFIX

__all__ = ["MAX_LINES", "SHOW_BYTES", "FrameDump", "dump_frame", "hex_lines"]

SHOW_BYTES = 4096  # of a binary frame, shown by default: 256 lines of 16 bytes
MAX_LINES = 2000  # of one frame's text or decoded value
_DEPTH = 100  # nesting kept of a decoded msgpack value (deeper: shown as its repr)


@dataclass(frozen=True)
class FrameDump:
    """One frame as ``show`` prints it. ``value``: the decoded JSON or msgpack value
    (JSON-like: dicts with str keys, lists, str, numbers, bools, None), else None."""

    index: int
    kind: str  # "json", "msgpack", "text", "hex" or "empty"
    size: int  # the frame's true size
    kept: int  # bytes the session kept of it
    lines: tuple[str, ...]
    value: object = None
    notes: tuple[str, ...] = ()  # what is not shown, and how to see it


def dump_frame(
    index: int, data: bytes, size: int, fmt: str = "auto", hex_bytes: int = SHOW_BYTES, number: int = 0
) -> FrameDump:
    """``data`` is what was kept of a frame of ``size`` bytes, of message ``number``."""
    kept = len(data)
    notes: list[str] = []
    if size > kept:
        notes.append(
            f"only the first {kept} of {size} bytes were kept (the session keeps "
            f"{DISPLAY_PREFIX // 1024} KiB of a frame; record NAME FILE keeps whole messages)"
        )
    if size == 0:
        return FrameDump(index, "empty", 0, 0, ())
    whole = size == kept
    kind, lines, value = _decode(data, fmt, whole)
    if kind == "hex":
        lines = hex_lines(data[:hex_bytes])
        if kept > hex_bytes:
            shown = f"show {number or 'N'} --bytes {kept}"
            notes.append(f"{kept - hex_bytes} more bytes kept: {shown} shows them")
    if len(lines) > MAX_LINES:
        notes.append(f"{len(lines) - MAX_LINES} more lines not shown")
        lines = lines[:MAX_LINES]
    return FrameDump(index, kind, size, kept, tuple(lines), value, tuple(notes))


def _decode(data: bytes, fmt: str, whole: bool) -> tuple[str, list[str], object]:
    if fmt == "hex":
        return "hex", [], None
    if fmt == "msgpack" or (fmt == "auto" and whole and not _is_text(data)):
        value = _msgpack(data, containers_only=fmt == "auto")
        if value is not None:
            return "msgpack", _pretty(value), value
        return "hex", [], None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if fmt == "text":
            return "text", _text_lines(data.decode("utf-8", "replace")), None
        return "hex", [], None
    looks_like_json = fmt == "auto" and whole and text.lstrip()[:1] in ("{", "[", '"')
    if looks_like_json or fmt == "json":
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            pass
        else:
            return "json", _pretty(value), value
    if fmt == "text" or _printable(text):
        return "text", _text_lines(text), None
    return "hex", [], None


def _is_text(data: bytes) -> bool:
    try:
        return _printable(data.decode("utf-8"))
    except UnicodeDecodeError:
        return False


def _printable(text: str) -> bool:
    return all(ch.isprintable() or ch in "\t\n\r" for ch in text)


def _text_lines(text: str) -> list[str]:
    """Lines of text, with what a terminal would act on (escapes, other controls) shown escaped."""
    return [
        "".join(ch if ch.isprintable() or ch == "\t" else repr(ch)[1:-1] for ch in line)
        for line in text.split("\n")
    ]


def _pretty(value: object) -> list[str]:
    try:
        return json.dumps(value, indent=2, ensure_ascii=False).split("\n")
    except (ValueError, RecursionError):  # nested too deep to print
        return [repr(value)[:MAX_LINES]]


def _msgpack(data: bytes, containers_only: bool) -> object:
    """The msgpack value ``data`` holds, made JSON-like; None if it is not msgpack (or, with
    ``containers_only``, not a map or an array: any byte alone is a valid msgpack number)."""
    import msgpack  # a dependency (pyproject); imported here as only show decodes it

    try:
        value = msgpack.unpackb(data, raw=False, strict_map_key=False)
    except Exception:  # noqa: BLE001 - whatever malformed input raises, it is not msgpack
        return None
    if containers_only and not (isinstance(value, (dict, list)) and value):
        return None
    try:
        return _plain(value, _DEPTH)
    except RecursionError:
        return None


def _plain(value: object, depth: int) -> object:
    """msgpack's value as JSON can print it: bytes as "0x..." text, map keys as text."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if depth <= 0:
        return repr(value)[:200]
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth - 1) for v in value]
    if isinstance(value, dict):
        return {_key(k): _plain(v, depth - 1) for k, v in value.items()}
    return repr(value)[:200]  # an ExtType, say


def _key(key: object) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bytes):
        return key.decode("utf-8", "replace")
    return repr(key)[:200]


def hex_lines(data: bytes) -> list[str]:
    """A hex dump: offset, 16 bytes in two groups of 8, and those bytes as ASCII."""
    out = []
    for at in range(0, len(data), 16):
        chunk = data[at : at + 16]
        left, right = chunk[:8].hex(" "), chunk[8:].hex(" ")
        ascii_ = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        out.append(f"{at:08x}  {left:<23}  {right:<23}  |{ascii_}|")
    return out
