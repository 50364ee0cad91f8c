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
import json
import os
from dataclasses import dataclass

from .errors import CommandError
from .tokens import Token

__all__ = ["FORMATS", "RenderedFrame", "hexdump", "parse_frame", "parse_frame_text", "render_frame"]

FORMATS = ("auto", "text", "hex", "json", "msgpack")
MAX_FILE_FRAME = 64 * 1024 * 1024


def parse_frame(token: Token) -> bytes:
    """The bytes a frame literal stands for; quoted words are always text."""
    if token.quoted:
        return token.text.encode("utf-8")
    return parse_frame_text(token.text)


def parse_frame_text(text: str) -> bytes:
    lower = text.lower()
    if lower.startswith("0x") or lower.startswith("hex:"):
        digits = text[2:] if lower.startswith("0x") else text[4:]
        digits = digits.replace("_", "").replace(":", "")
        try:
            return bytes.fromhex(digits)
        except ValueError:
            raise CommandError(f"invalid hex frame {text!r}",
                               "use an even number of hex digits, e.g. 0x0aff or hex:0a:ff") from None
    if lower.startswith("b64:"):
        try:
            return base64.b64decode(text[4:], validate=True)
        except (binascii.Error, ValueError):
            raise CommandError(f"invalid base64 frame {text!r}", "e.g. b64:aGVsbG8=") from None
    if lower.startswith("json:"):
        try:
            value = json.loads(text[5:])
        except json.JSONDecodeError as exc:
            raise CommandError(f"invalid JSON frame: {exc.msg} at column {exc.colno}",
                               "quote the whole literal: 'json:{\"a\": 1}'") from None
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if text.startswith("@") and len(text) > 1:
        return _read_file(text[1:])
    return text.encode("utf-8")


def _read_file(path: str) -> bytes:
    path = os.path.expanduser(path)
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_FRAME:
            raise CommandError(f"file {path} is {size} bytes, more than 64 MiB", "send a smaller file")
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise CommandError(f"cannot read frame file {path}: {exc.strerror}",
                           "@path sends a file's contents; check the path") from None


@dataclass(frozen=True)
class RenderedFrame:
    kind: str        # "text", "json", "msgpack", "hex" or "empty"
    text: str        # one line, possibly shortened
    size: int        # the frame's true size in bytes
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
    if len(text) > width:
        text = text[: max(width - 1, 1)] + "…"
        cut = True
    return RenderedFrame(kind, text, true_size, cut)


def _render(data: bytes, fmt: str, partial: bool) -> tuple[str, str]:
    if fmt == "hex":
        return "hex", hexdump(data)
    if fmt == "msgpack":
        decoded = _msgpack(data)
        if decoded is not None:
            return "msgpack", decoded
        return "hex", hexdump(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if fmt == "text":
        return "text", data.decode("utf-8", "replace").replace("\n", "\\n")
    looks_like_json = text is not None and not partial and text[:1] in ("{", "[", '"')
    if text and (looks_like_json or fmt == "json"):
        try:
            return "json", json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
        except (json.JSONDecodeError, TypeError):
            pass
    if text is not None and _printable(text.replace("\n", "")):
        return "text", text.replace("\n", "\\n")
    return "hex", hexdump(data)


def _msgpack(data: bytes) -> str | None:
    try:
        import msgpack
    except ImportError:
        return None
    try:
        value = msgpack.unpackb(data, raw=False, strict_map_key=False)
    except Exception:  # noqa: BLE001 - malformed input falls back to hex
        return None
    return json.dumps(value, default=repr, ensure_ascii=False, separators=(",", ":"))
