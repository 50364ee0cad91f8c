"""A message whole, for ``show``: every frame, JSON pretty-printed, msgpack decoded,
binary as a hex dump with offsets and ASCII.

    >>> dump_frame(0, b'{"a": [1, 2]}', 13).lines
    ('{', '  "a": [', '    1,', '    2', '  ]', '}')

Bounded per message, not per frame: a frame is what the session kept of it (at most
16 KiB, events.DISPLAY_PREFIX), a hex dump shows ``hex_bytes`` of that, and all the frames
of one ``show`` share one ``Budget`` of lines and characters. Pretty-printing is lazy and
indents only _INDENT levels (a document nested 990 deep would otherwise print its
indentation quadratically: 2 kB of JSON, 2 MB of lines), so it stops when the budget does.
Every line is safe_text: a peer's controls are shown escaped, never sent to a terminal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Iterator

from .events import DISPLAY_PREFIX
from .frames import decode_kept
from .visible import safe_text

__all__ = ["SHOW_BYTES", "SHOW_CHARS", "SHOW_LINES", "Budget", "FrameDump", "dump_frame", "hex_lines"]

SHOW_BYTES = 4096  # of a binary frame, shown by default: 256 lines of 16 bytes
SHOW_LINES = 20_000  # lines one show prints at most, all frames together
SHOW_CHARS = 2 * 1024 * 1024  # characters one show prints at most, all frames together
_INDENT = 20  # levels of a decoded value indented; deeper ones print compact on their line
_LINE = 1000  # characters of such a compact line shown (then "…")
_DEPTH = 100  # levels of a msgpack value decoded; deeper: its Python repr, cut at 200 characters


class Budget:
    """What one ``show`` may still print, shared by its frames (and by the notebook's tree)."""

    def __init__(self, lines: int = SHOW_LINES, chars: int = SHOW_CHARS) -> None:
        self.lines = lines
        self.chars = chars

    @property
    def spent(self) -> bool:
        return self.lines <= 0 or self.chars <= 0

    def take(self, lines: Iterable[str]) -> tuple[list[str], bool]:
        """As many of ``lines`` as the budget allows (read lazily), and whether some were left."""
        out: list[str] = []
        for line in lines:
            if self.spent:
                return out, True
            self.lines -= 1
            self.chars -= len(line) + 1
            out.append(line)
        return out, False

    NOTE = (
        f"show prints at most {SHOW_LINES} lines or {SHOW_CHARS // (1024 * 1024)} MiB of "
        "characters of a message; show N --frame K prints one frame, --format hex its bytes"
    )


@dataclass(frozen=True)
class FrameDump:
    """One frame as ``show`` prints it. ``value``: the decoded JSON or msgpack value
    (JSON-like: dicts with str keys, lists, str, numbers, bools, None), else None."""

    index: int
    kind: str  # "json", "msgpack", "text", "hex", "empty" or "skipped" (past the budget)
    size: int  # the frame's true size
    kept: int  # bytes the session kept of it
    lines: tuple[str, ...]
    value: object = None
    notes: tuple[str, ...] = ()  # what is not shown, and how to see it


def dump_frame(
    index: int,
    data: bytes,
    size: int,
    fmt: str = "auto",
    hex_bytes: int = SHOW_BYTES,
    number: int = 0,
    budget: Budget | None = None,
) -> FrameDump:
    """``data`` is what was kept of a frame of ``size`` bytes, of message ``number``;
    ``budget``: what the show this frame belongs to may still print."""
    budget = budget or Budget()
    kept = len(data)
    if budget.spent:
        return FrameDump(index, "skipped", size, kept, (), notes=(f"not shown: {Budget.NOTE}",))
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
    if fmt in ("json", "msgpack") and kind != fmt:
        notes.append(f"this frame does not parse as {fmt}: shown as {'bytes' if kind == 'hex' else kind}")
    if kind == "hex":
        lines = hex_lines(data[:hex_bytes])
        if kept > hex_bytes:
            shown = f"show {number or 'N'} --bytes {kept}"
            notes.append(f"{kept - hex_bytes} more bytes kept: {shown} shows them")
    taken, cut = budget.take(lines)
    if cut:
        notes.append(f"the rest is not shown: {Budget.NOTE}")
    return FrameDump(index, kind, size, kept, tuple(taken), value, tuple(notes))


def _decode(data: bytes, fmt: str, whole: bool) -> tuple[str, Iterable[str], object]:
    if fmt == "hex":
        return "hex", [], None
    if fmt == "msgpack" or (fmt == "auto" and whole and not _is_text(data)):
        value = _msgpack(data, containers_only=fmt == "auto")
        if value is not None:
            return "msgpack", _pretty(value), value
        if fmt == "msgpack":
            return "hex", [], None
    text = decode_kept(data, not whole)
    if text is None:
        if fmt == "text":
            return "text", _text_lines(decode_kept(data, not whole, "replace") or ""), None
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


def _text_lines(text: str) -> Iterator[str]:
    """Lines of text, with what a terminal would act on (escapes, other controls) shown escaped."""
    return (safe_text(line) for line in text.split("\n"))


def _pretty(value: object) -> Iterator[str]:
    """A JSON-like value as ``json.dumps(indent=2)`` prints it, to _INDENT levels, lazily."""
    return (safe_text(line) for line in _walk(value, 0, "", ""))


def _walk(value: object, depth: int, key: str, comma: str) -> Iterator[str]:
    pad = "  " * depth
    if isinstance(value, (dict, list)) and value and depth < _INDENT:
        if isinstance(value, dict):
            items = [(_dumps(str(k)) + ": ", v) for k, v in value.items()]
            opening, closing = "{", "}"
        else:
            items = [("", v) for v in value]
            opening, closing = "[", "]"
        yield f"{pad}{key}{opening}"
        last = len(items) - 1
        for i, (k, v) in enumerate(items):
            yield from _walk(v, depth + 1, k, "," if i < last else "")
        yield f"{pad}{closing}{comma}"
        return
    text = _dumps(value)
    if len(text) > _LINE:
        text = text[: _LINE - 1] + "…"
    yield f"{pad}{key}{text}{comma}"


def _dumps(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):  # nested too deep to print
        return "… (nested too deep to print)"


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
