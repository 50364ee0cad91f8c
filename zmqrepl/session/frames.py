"""Frame literals (text in, bytes out) and frame rendering (bytes in, text out).

    >>> parse_frame_text("0x0a0b"), parse_frame_text('json:{"a": 1}')
    (b'\\n\\x0b', b'{"a":1}')
    >>> render_frame(b'{"a":1}', 7).text
    '{"a":1}'

Both front ends use this module, so a frame looks the same in the shell and a notebook.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import json
from dataclasses import dataclass

from .defaults import DEFAULT_MAXMSGSIZE
from .errors import CommandError, clip
from .files import human_size, read_bounded
from .tokens import Token
from .utf8 import encode_utf8
from .visible import fit_columns, safe_text

__all__ = [
    "FORMATS",
    "MAX_FILE_FRAME",
    "FileLimit",
    "RenderedFrame",
    "hexdump",
    "is_text_literal",
    "parse_frame",
    "parse_frame_text",
    "render_frame",
]

FORMATS = ("auto", "text", "hex", "json", "msgpack")
# The most an @path frame holds when its socket's maxmsgsize is -1 (no limit): what a
# new socket accepts by default.
MAX_FILE_FRAME = DEFAULT_MAXMSGSIZE


@dataclass(frozen=True)
class FileLimit:
    """The most an ``@path`` frame may hold, and how a refusal names that limit."""

    size: int = MAX_FILE_FRAME
    text: str = f"the {human_size(MAX_FILE_FRAME)} limit for @file frames"
    hint: str = "send a smaller file, or raise the socket's maxmsgsize: set NAME maxmsgsize N"

    @classmethod
    def for_socket(cls, name: str, maxmsgsize: object) -> FileLimit:
        """A socket's maxmsgsize when set (above 0), else the default limit."""
        if isinstance(maxmsgsize, int) and not isinstance(maxmsgsize, bool) and maxmsgsize > 0:
            return cls(
                maxmsgsize,
                f"maxmsgsize {human_size(maxmsgsize)}",
                f"send a smaller file, or raise it: set {name} maxmsgsize N",
            )
        return cls()


_MARKS = set("0hHbBjJ@")  # first letters of 0x, hex:, b64:, json:, @path
_UTF8_HINT = "frames are sent as UTF-8; write odd bytes as 0x... or b64:..."


def parse_frame(token: Token, limit: FileLimit | None = None) -> bytes:
    """The bytes a frame literal stands for; quoted words are always text."""
    if token.quoted:
        return encode_utf8(token.text, "frame at", _UTF8_HINT, token.start)
    return parse_frame_text(token.text, limit, token.start)


def is_text_literal(token: Token) -> bool:
    """Whether a frame literal is text (a word, quoted text or json:...), not bytes written
    as hex, b64 or an @file (send --count numbers only text frames: see sequence.py)."""
    if token.quoted or token.text[:1] not in _MARKS:
        return True
    lower = token.text.lower()
    if lower.startswith(("0x", "hex:", "b64:")) or (token.text.startswith("@") and len(token.text) > 1):
        return False
    return True


def parse_frame_text(text: str, limit: FileLimit | None = None, offset: int = 0) -> bytes:
    if text[:1] not in _MARKS:  # plain text: the common case, kept short for long lines of words
        return encode_utf8(text, "frame at", _UTF8_HINT, offset)
    lower = text.lower()
    if lower.startswith("0x") or lower.startswith("hex:"):
        digits = text[2:] if lower.startswith("0x") else text[4:]
        digits = digits.replace("_", "").replace(":", "")
        try:
            return bytes.fromhex(digits)
        except ValueError:
            raise CommandError(
                f"invalid hex frame {clip(text)}",
                "use an even number of hex digits, e.g. 0x0aff or hex:0a:ff",
            ) from None
    if lower.startswith("b64:"):
        try:
            if text[4:5] == "=":  # CPython refuses leading padding; PyPy 3.9 reads "=" as b""
                raise ValueError("leading padding")
            return base64.b64decode(text[4:], validate=True)
        except (binascii.Error, ValueError):
            raise CommandError(f"invalid base64 frame {clip(text)}", "e.g. b64:aGVsbG8=") from None
    if lower.startswith("json:"):
        try:
            value = json.loads(text[5:])
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"invalid JSON frame: {exc.msg} at column {exc.colno}",
                "quote the whole literal: 'json:{\"a\": 1}'",
            ) from None
        # ensure_ascii=False keeps text readable, but a "\ud800" escape decodes to a lone
        # surrogate that UTF-8 cannot hold.
        compact = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        try:
            return compact.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise CommandError(
                f"JSON frame at column {offset + 1} holds U+{ord(compact[exc.start]):04X}, "
                "a lone surrogate, which UTF-8 cannot carry",
                "escape surrogates only in pairs, e.g. \\ud83d\\ude00",
            ) from None
    if text.startswith("@") and len(text) > 1:
        return _read_file(text, limit or FileLimit())
    return encode_utf8(text, "frame at", _UTF8_HINT, offset)


def _read_file(word: str, limit: FileLimit) -> bytes:
    """The contents of the file an ``@path`` word names, at most ``limit.size`` bytes."""
    shown = word if len(word) <= 80 else word[:79] + "…"
    return read_bounded(
        word[1:],
        limit.size,
        shown,
        limit.text,
        "@path sends a file's contents; check the path",
        big_hint=limit.hint,
    )


@dataclass(frozen=True)
class RenderedFrame:
    kind: str  # "text", "json", "msgpack", "hex" or "empty"
    text: str  # one line, possibly shortened
    size: int  # the frame's true size in bytes
    truncated: bool


def _printable(text: str) -> bool:
    return all(ch.isprintable() or ch in "\t" for ch in text)


def hexdump(data: bytes) -> str:
    return data.hex(" ")


def render_frame(data: bytes, size: int | None = None, fmt: str = "auto", width: int = 120) -> RenderedFrame:
    """One line for a frame. ``data`` may be a prefix of the frame; ``size`` is its true size."""
    true_size = len(data) if size is None else size
    cut = true_size > len(data)
    if true_size == 0:
        return RenderedFrame("empty", "", 0, False)
    kind, text = _render(data, fmt, cut)
    fitted = fit_columns(text, width)
    return RenderedFrame(kind, fitted, true_size, cut or fitted is not text)


def _render(data: bytes, fmt: str, partial: bool) -> tuple[str, str]:
    """The frame's kind and one line of it, every control in it escaped (safe_text)."""
    if fmt == "hex":
        return "hex", hexdump(data)
    if fmt == "msgpack":
        decoded = _msgpack(data)
        if decoded is not None:
            return "msgpack", safe_text(decoded)
        return "hex", hexdump(data)
    text = decode_kept(data, partial)
    if fmt == "text":
        return "text", safe_text(decode_kept(data, partial, "replace") or "")
    looks_like_json = text is not None and not partial and text[:1] in ("{", "[", '"')
    if text and (looks_like_json or fmt == "json"):
        try:
            compact = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
            return "json", safe_text(compact)
        except (ValueError, TypeError, RecursionError):  # RecursionError: nested too deep
            pass
    if text is not None and _printable(text.replace("\n", "")):
        return "text", safe_text(text)
    return "hex", hexdump(data)


def decode_kept(data: bytes, partial: bool, errors: str = "strict") -> str | None:
    """``data`` as UTF-8 text, None if it is not; a ``partial`` frame (cut where the session
    stopped keeping it) may end inside a character, which is dropped, not held against it."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors)
    try:
        return decoder.decode(data, final=not partial)
    except UnicodeDecodeError:
        return None


def _msgpack(data: bytes) -> str | None:
    try:
        import msgpack
    except ImportError:
        return None
    try:
        value = msgpack.unpackb(data, raw=False, strict_map_key=False)
    except Exception:  # noqa: BLE001 - malformed input falls back to hex
        return None
    try:
        return json.dumps(value, default=repr, ensure_ascii=False, separators=(",", ":"))
    except (ValueError, TypeError, RecursionError):  # keys JSON cannot hold, or nested too deep
        return None
