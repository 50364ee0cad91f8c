"""UTF-8 in and out, with one clear line naming where a bad byte is.

    >>> decode_utf8(b"ok\\n\\xff", "x.zmq", "save it as UTF-8")
    Traceback (most recent call last):
    CommandError: x.zmq line 2 column 1: byte 0xff is not valid UTF-8 (hint: save it as UTF-8)

Text that came through ``surrogateescape`` (command-line arguments, a terminal in
the C locale) carries undecodable bytes as lone surrogates; ``encode_utf8`` names
them the same way instead of letting UnicodeEncodeError through.
"""

from __future__ import annotations

from .errors import CommandError

__all__ = ["decode_utf8", "encode_utf8"]


def decode_utf8(data: bytes, where: str, hint: str, line: int | None = None) -> str:
    """``data`` as UTF-8. ``line``: the line number when ``data`` is one line of a file."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        if line is None:
            line = before.count(b"\n") + 1
            before = before[before.rfind(b"\n") + 1 :]
        column = len(before.decode("utf-8", "replace")) + 1
        bad = data[exc.start]
        raise CommandError(
            f"{where} line {line} column {column}: byte 0x{bad:02x} is not valid UTF-8", hint
        ) from None


def encode_utf8(text: str, where: str, hint: str, offset: int = 0) -> bytes:
    """``text`` as UTF-8; a lone surrogate is named by its column (``offset`` + 1 based)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        ch = ord(text[exc.start])
        # surrogateescape keeps an undecodable byte b as U+DC00 + b.
        what = (
            f"byte 0x{ch - 0xDC00:02x} is not valid UTF-8"
            if 0xDC80 <= ch <= 0xDCFF
            else f"U+{ch:04X} (a lone surrogate) cannot be sent as UTF-8"
        )
        raise CommandError(f"{where} column {offset + exc.start + 1}: {what}", hint) from None
