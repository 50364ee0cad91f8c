"""Splitting a command line into words, keeping where each word stands.

    >>> [t.text for t in tokenize('send s "two words" 0xff')]
    ['send', 's', 'two words', '0xff']
    >>> [line for line in split_commands('socket a pub; bind a tcp://*:*')]
    ['socket a pub', ' bind a tcp://*:*']
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import CommandError

__all__ = ["Token", "split_commands", "tokenize", "unescape"]

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'", " ": " ",
            "a": "\a", "b": "\b", "f": "\f", "v": "\v", ";": ";", "#": "#"}


@dataclass(frozen=True)
class Token:
    text: str     # the word with quotes removed and escapes applied
    raw: str      # the word as typed
    start: int    # offsets in the line
    end: int
    quoted: bool  # written in quotes: always text, never hex/b64/json/@file


def unescape(text: str, where: int = 0) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= len(text):
            raise CommandError(f"a lone backslash ends the word at column {where + i + 1}",
                               "write \\\\ for a backslash")
        nxt = text[i + 1]
        if nxt == "x":
            digits = text[i + 2:i + 4]
            if len(digits) != 2 or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise CommandError(f"bad escape \\x{digits} at column {where + i + 1}",
                                   "\\x takes two hex digits, e.g. \\x0a")
            out.append(chr(int(digits, 16)))
            i += 4
            continue
        if nxt not in _ESCAPES:
            raise CommandError(f"unknown escape \\{nxt} at column {where + i + 1}",
                               "use \\n \\t \\r \\0 \\xNN \\\\ or \\\"")
        out.append(_ESCAPES[nxt])
        i += 2
    return "".join(out)


_PREFIXES = ("json:", "hex:", "b64:")


def tokenize(line: str, *, partial: bool = False) -> list[Token]:
    """Words of one command. ``partial`` accepts an unclosed quote (for completion).

    A quote opens a quoted word only at the start of a word, or right after a
    frame prefix (``json:'{"a": 1}'``); elsewhere quotes are ordinary
    characters, so ``json:{"a":1}`` needs no quoting at all.
    """
    tokens: list[Token] = []
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "#":
            break  # a comment runs to the end of the line
        start = i
        prefix = next((p for p in _PREFIXES if line.startswith(p, i) and line[i + len(p):i + len(p) + 1]
                       in ("'", '"') and len(line) > i + len(p)), "")
        if ch in "\"'" or prefix:
            q = i + len(prefix)
            quote = line[q]
            close = _closing_quote(line, q)
            if close < 0:
                if not partial:
                    raise CommandError(f"unclosed {quote} quote starting at column {q + 1}",
                                       f"end the text with {quote}")
                close = n
            body = line[q + 1:close]
            text = unescape(body, q + 1) if quote == '"' and not partial else body
            i = close + 1
            if i < n and not line[i].isspace():
                if not partial:
                    raise CommandError(f"text right after the closing quote at column {i + 1}",
                                       "put a space between words")
                while i < n and not line[i].isspace():
                    i += 1
            tokens.append(Token(prefix + text, line[start:min(i, n)], start, min(i, n), not prefix))
            continue
        j = i
        while j < n and not line[j].isspace():
            j += 2 if line[j] == "\\" else 1
        j = min(j, n)
        try:
            text = unescape(line[i:j], i)
        except CommandError:
            if not partial:
                raise
            text = line[i:j]
        tokens.append(Token(text, line[i:j], start, j, False))
        i = j
    return tokens


def _closing_quote(line: str, i: int) -> int:
    quote = line[i]
    j = i + 1
    while j < len(line):
        if line[j] == "\\" and quote == '"':
            j += 2
            continue
        if line[j] == quote:
            return j
        j += 1
    return -1


def split_commands(text: str) -> list[str]:
    """Split on ``;`` and newlines outside quotes."""
    out: list[str] = []
    current: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            current.append(ch)
            if ch == "\\" and quote == '"' and i + 1 < len(text):
                current.append(text[i + 1])
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'" and _opens_quote("".join(current)):
            quote = ch
            current.append(ch)
        elif ch == "\\" and i + 1 < len(text):
            current.append(ch + text[i + 1])
            i += 1
        elif ch == "#" and (not current or current[-1][-1:].isspace()):
            while i + 1 < len(text) and text[i + 1] != "\n":
                i += 1  # a comment runs to the end of the line, past any ';'
        elif ch in ";\n":
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    out.append("".join(current))
    return [line for line in out if line.strip() and not line.strip().startswith("#")]


def _opens_quote(before: str) -> bool:
    """Whether a quote after ``before`` starts quoted text (see tokenize)."""
    return not before or before[-1].isspace() or before.endswith(_PREFIXES)
