"""Splitting a command line into words, keeping where each word stands.

Everything here is linear in the line's length, with the scanning done by regular
expressions (C), so a pasted megabyte is split in well under a second.

    >>> [t.text for t in tokenize('send s "two words" 0xff')]
    ['send', 's', 'two words', '0xff']
    >>> [line for line in split_commands('socket a pub; bind a tcp://*:*')]
    ['socket a pub', ' bind a tcp://*:*']
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .errors import CommandError

__all__ = ["MAX_WORDS", "Token", "last_command", "split_commands", "tokenize", "unescape"]

MAX_WORDS = 100_000  # words in one command (a message of 100000 parts is already far-fetched)

_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "0": "\0",
    "\\": "\\",
    '"': '"',
    "'": "'",
    " ": " ",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    ";": ";",
    "#": "#",
}


class Token(NamedTuple):
    """One word. A NamedTuple: a pasted line can hold hundreds of thousands of them."""

    text: str  # the word with quotes removed and escapes applied
    raw: str  # the word as typed
    start: int  # offsets in the line
    end: int
    quoted: bool  # written in quotes: always text, never hex/b64/json/@file


_ESCAPE = re.compile(r"\\(x(?:[0-9a-fA-F]{2})?|[\s\S]?)")


def unescape(text: str, where: int = 0) -> str:
    """``text`` with backslash escapes applied; ``where`` is its offset in the line."""
    if "\\" not in text:
        return text
    out: list[str] = []
    pos = 0
    for m in _ESCAPE.finditer(text):
        out.append(text[pos : m.start()])
        code = m.group(1)
        column = where + m.start() + 1
        if not code:
            raise CommandError(
                f"a lone backslash ends the word at column {column}", "write \\\\ for a backslash"
            )
        if code[0] == "x":
            if len(code) != 3:
                raise CommandError(
                    f"bad escape \\{text[m.start() + 1 : m.start() + 4]} at column {column}",
                    "\\x takes two hex digits, e.g. \\x0a",
                )
            out.append(chr(int(code[1:], 16)))
        elif code in _ESCAPES:
            out.append(_ESCAPES[code])
        else:
            raise CommandError(
                f"unknown escape \\{code} at column {column}", 'use \\n \\t \\r \\0 \\xNN \\\\ or \\"'
            )
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


_PREFIXES = ("json:", "hex:", "b64:")
_PREFIXED = re.compile(r"(?:json|hex|b64):(?=[\"'])")
# From just after an opening quote to just after its closing quote.
_DOUBLE_BODY = re.compile(r'[^"\\]*(?:\\[\s\S][^"\\]*)*"')
_QUOTEISH = re.compile(r"[\\\"'#]")
_SEPARATOR = re.compile(r"[;\n]")
_QUOTE_RUN = re.compile(r"[\"']+")


# One word: a comment's start, a quoted word (maybe after a frame prefix, maybe with text
# stuck after it), or a bare word (a backslash takes the next character, even a space).
_WORD = re.compile(
    r"""
     (?P<comment>\#)
    |(?P<prefix>(?:json|hex|b64):)?(?:"(?P<dq>[^"\\]*(?:\\[\s\S][^"\\]*)*)"|'(?P<sq>[^']*)')(?P<after>\S*)
    |(?P<bare>(?:[^\s\\]+|\\[\s\S]?)+)
    """,
    re.VERBOSE,
)


def tokenize(line: str, *, partial: bool = False) -> list[Token]:
    """Words of one command. ``partial`` accepts an unclosed quote (for completion).

    A quote opens a quoted word only at the start of a word, or right after a
    frame prefix (``json:'{"a": 1}'``); elsewhere quotes are ordinary
    characters, so ``json:{"a":1}`` needs no quoting at all.
    """
    tokens: list[Token] = []
    append = tokens.append
    for m in _WORD.finditer(line):
        if len(tokens) >= MAX_WORDS and not partial:
            raise CommandError(
                f"a command holds at most {MAX_WORDS} words; this one has more",
                'send large data as one frame: "quoted text", 0x..., b64:... or @file',
            )
        bare = m.group("bare")
        start = m.start()
        if bare is not None:
            if bare[0] in "\"'" or _PREFIXED.match(bare):
                # A quote that opens and never closes.
                if not partial:
                    opened = _PREFIXED.match(bare)
                    q = start + (opened.end() if opened else 0)
                    raise CommandError(
                        f"unclosed {line[q]} quote starting at column {q + 1}", f"end the text with {line[q]}"
                    )
                append(_open_quote(line, start))
                break
            try:
                text = unescape(bare, start) if "\\" in bare else bare
            except CommandError:
                if not partial:
                    raise
                text = bare
            append(Token(text, bare, start, m.end(), False))
            continue
        if m.group("comment") is not None:
            break  # a comment runs to the end of the line
        prefix = m.group("prefix") or ""
        body = m.group("dq")
        if body is not None:
            text = unescape(body, m.start("dq")) if not partial and "\\" in body else body
        else:
            text = m.group("sq")
        if m.group("after") and not partial:
            column = m.start("after") + 1
            raise CommandError(
                f"text right after the closing quote at column {column}", "put a space between words"
            )
        append(Token(prefix + text, m.group(), start, m.end(), not prefix))
    return tokens


def _open_quote(line: str, start: int) -> Token:
    """The word of an unclosed quote at ``start``, as completion sees it: to the end."""
    m = _PREFIXED.match(line, start)
    prefix = m.group() if m else ""
    body = line[start + len(prefix) + 1 :]
    return Token(prefix + body, line[start:], start, len(line), not prefix)


def _closing_quote(line: str, q: int) -> int:
    """Where the quote opened at ``q`` closes, or -1."""
    if line[q] == "'":
        return line.find("'", q + 1)
    m = _DOUBLE_BODY.match(line, q + 1)
    return m.end() - 1 if m else -1


def _command_starts(text: str) -> tuple[list[str], int]:
    """The finished commands of ``text`` (split on ``;`` and newlines outside quotes, ``#``
    comments cut off), and where the last, unfinished one starts.

    Only quotes, backslashes and ``#`` are looked at one by one; the plain text between
    them is split on separators by ``re.split`` in one call.
    """
    out: list[str] = []
    start = i = 0  # start: where the current command began; i: where scanning goes on
    n = len(text)
    while True:
        m = _QUOTEISH.search(text, i)
        j = m.start() if m else n
        if _SEPARATOR.search(text, i, j):
            parts = _SEPARATOR.split(text[i:j])
            out.append(text[start:i] + parts[0])
            out.extend(parts[1:-1])
            start = j - len(parts[-1])
        if m is None:
            break
        ch = text[j]
        word_start = j == start or text[j - 1].isspace()
        if ch == "\\":
            i = j + 2
        elif ch == "#":
            if word_start:
                out.append(text[start:j])
                end = text.find("\n", j)
                start = i = n if end < 0 else end + 1
            else:
                i = j + 1
        elif word_start or text.endswith(_PREFIXES, start, j):
            # The same rule as tokenize: a quote opens text at a word's start or after a prefix.
            close = _closing_quote(text, j)
            if close < 0:
                break  # unclosed: the rest is this command; tokenize will say so
            i = close + 1
        else:
            run = _QUOTE_RUN.match(text, j)  # quotes inside a word are plain characters
            i = run.end() if run else j + 1
    return out, start


def split_commands(text: str) -> list[str]:
    """Split on ``;`` and newlines outside quotes (and drop ``#`` comments)."""
    out, last = _command_starts(text)
    out.append(text[last:])
    return [line for line in out if line.strip() and not line.lstrip().startswith("#")]


def last_command(text: str) -> tuple[int, str]:
    """Where the last command of ``text`` starts, and its text (completion: the command
    the cursor is in, given the text before the cursor). Inside a comment: ``(len, "")``."""
    _done, last = _command_starts(text)
    return last, text[last:]
