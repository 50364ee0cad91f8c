"""Text from a peer made safe and measurable for a screen: controls escaped, widths in
terminal columns.

    >>> safe_text("a\\x1b]52;c;x\\x07\\tb")
    'a\\\\x1b]52;c;x\\\\x07\\\\tb'
    >>> columns("日本ab"), fit_columns("日本語です", 7)
    (6, '日本語…')

A frame's bytes are the peer's: an escape sequence (ESC, a C1 control such as U+009B CSI,
OSC 52 that writes the clipboard) or a bidi override (U+202E) printed raw acts on the
terminal or hides what follows, so everything shown of a frame goes through ``safe_text``.
The session does not import prompt_toolkit (layers), hence its own small width count.
"""

from __future__ import annotations

import unicodedata

__all__ = ["columns", "fit_columns", "safe_text"]


def safe_text(text: str, keep_newlines: bool = False) -> str:
    """``text`` with every character that is not printable (str.isprintable: controls,
    format characters such as bidi overrides, separators other than space) written as a
    Python escape: "\\x1b", "\\u202e", "\\t", "\\n" (kept as a line break with
    ``keep_newlines``)."""
    if text.isprintable():  # the common case, in C
        return text
    return "".join(ch if ch.isprintable() or (keep_newlines and ch == "\n") else _escape(ch) for ch in text)


_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(ch: str) -> str:
    code = ord(ch)
    if ch in _NAMED:
        return _NAMED[ch]
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _char_columns(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def columns(text: str) -> int:
    """Terminal columns ``text`` takes (wide East Asian characters 2, combining marks 0);
    ``text`` is expected to be safe_text already (no controls)."""
    if text.isascii():
        return len(text)
    return sum(_char_columns(ch) for ch in text)


def fit_columns(text: str, width: int) -> str:
    """``text`` if it fits in ``width`` columns, else cut to end in "…" within them."""
    if columns(text) <= width:
        return text
    room = max(width - 1, 0)
    used = 0
    for i, ch in enumerate(text):
        used += _char_columns(ch)
        if used > room:
            return text[:i] + "…"
    return text + "…"
