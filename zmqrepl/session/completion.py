"""Completion and highlighting data, computed from the command table.

Both the shell (prompt_toolkit) and IPython use these; neither knows the
grammar itself.

    >>> [c.text for c in complete("soc", CompletionContext())]
    ['socket', 'sockets']
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from typing import Callable

from ..core import Option, SocketType, ValueType
from .commands import ALIASES, COMMANDS, lookup
from .frames import FORMATS
from .syntax import Arg, ArgKind, Command
from .tokens import Token, last_command, tokenize

__all__ = [
    "LONG_COMPLETION",
    "LONG_LINE",
    "Candidate",
    "CompletionContext",
    "Span",
    "classify",
    "complete",
    "current_command",
]

# Completion runs on every key press and highlighting on every redraw, each over the
# whole line: past these sizes (a paste, not typing) they give up, so a long line costs
# one look at its length, and typing a long line stays linear.
LONG_LINE = 4096  # highlighting; the toolbar's hint reads only this much
LONG_COMPLETION = 1024  # text before the cursor that completion reads

ENDPOINT_TEMPLATES = ("tcp://127.0.0.1:", "tcp://*:", "ipc:///tmp/", "inproc://")
SOCKET_TYPE_NAMES = sorted([t.name.lower() for t in SocketType] + ["xreq", "xrep"])
OPTION_NAMES = sorted([o.name.lower() for o in Option] + ["hwm", "identity"])


@dataclass(frozen=True)
class Candidate:
    text: str  # replaces the word being typed
    start: int  # negative offset from the cursor where the word starts
    meta: str = ""  # a short description


@dataclass
class CompletionContext:
    """What the session knows that completion needs."""

    socket_names: Callable[[], list[str]] = field(default=lambda: [])
    endpoints: Callable[[], list[str]] = field(default=lambda: [])
    socket_type: Callable[[str], SocketType | None] = field(default=lambda _name: None)


def _words_before(text: str) -> tuple[list[Token], str]:
    tokens = tokenize(text, partial=True)
    if text and not text[-1].isspace() and tokens:
        return tokens[:-1], tokens[-1].raw
    return tokens, ""


def current_command(text: str) -> Command | None:
    """The command named by the first word of ``text`` (only its start is looked at)."""
    tokens = tokenize(text[:LONG_LINE], partial=True)
    return lookup(tokens[0].text) if tokens else None


def _arg_for(command: Command, words: list[Token]) -> tuple[Arg | None, str | None]:
    """The argument the next word fills, or the flag whose value it is."""
    flags = {f.name: f for f in command.flags}
    positional = 0
    pending_flag: str | None = None
    for tok in words:
        if pending_flag is not None:
            pending_flag = None
            continue
        if tok.raw.startswith("--") and not tok.quoted:
            name = tok.raw[2:].split("=", 1)[0]
            flag = flags.get(name)
            if flag is not None and flag.kind is not ArgKind.SWITCH and "=" not in tok.raw:
                pending_flag = name
            continue
        positional += 1
    if pending_flag is not None:
        return None, pending_flag
    return command.arg_at(positional), None


def _option_of(words: list[Token]) -> Option | None:
    if len(words) >= 3:
        try:
            return Option.from_name(words[2].text)
        except ValueError:
            return None
    return None


def _type_label(kind: SocketType | None) -> str:
    return kind.name.lower() if kind is not None else "socket"


def _usable(name: str, setting: bool) -> bool:
    if name == "hwm":
        return True
    opt = Option.from_name(name)
    return opt.writable if setting else opt.readable


def _paths(prefix: str) -> list[str]:
    expanded = os.path.expanduser(prefix)
    out = []
    for path in sorted(glob.glob(glob.escape(expanded) + "*"))[:200]:
        shown = path if prefix.startswith("~") is False else prefix + path[len(expanded) :]
        out.append(shown + ("/" if os.path.isdir(path) else ""))
    return out


def _choices(
    kind: ArgKind, word: str, words: list[Token], ctx: CompletionContext, arg: Arg | None
) -> list[tuple[str, str]]:
    if kind is ArgKind.SOCKET:
        names = ctx.socket_names()
        return [(n, _type_label(ctx.socket_type(n))) for n in names]
    if kind is ArgKind.SOCKET_TYPE:
        return [(t, "socket type") for t in SOCKET_TYPE_NAMES]
    if kind is ArgKind.OPTION:
        setting = bool(words) and words[0].text.lower() == "set"
        return [(o, "option") for o in OPTION_NAMES if _usable(o, setting)]
    if kind is ArgKind.VALUE:
        opt = _option_of(words)
        if opt is not None and opt.value_type is ValueType.BOOL:
            return [("true", "on"), ("false", "off")]
        return []
    if kind is ArgKind.ENDPOINT:
        used = [(e, "used before") for e in ctx.endpoints()]
        words_allowed = [(c, "") for c in arg.choices] if arg is not None else []
        return used + [(t, "endpoint") for t in ENDPOINT_TEMPLATES] + words_allowed
    if kind is ArgKind.FRAME:
        if word.startswith("@"):
            return [("@" + p, "file") for p in _paths(word[1:])]
        return [(p, "frame prefix") for p in ("0x", "hex:", "b64:", "json:", "@")] if not word else []
    if kind is ArgKind.FILE:
        return [(p, "file") for p in _paths(word)]
    if kind is ArgKind.FORMAT:
        return [(f, "format") for f in FORMATS]
    if kind is ArgKind.COMMAND:
        return [(c, COMMANDS[c].summary) for c in COMMANDS]
    if kind is ArgKind.WORD and arg is not None and arg.choices:
        return [(c, "") for c in arg.choices]
    return []


def complete(text: str, ctx: CompletionContext) -> list[Candidate]:
    """Candidates for the word at the end of ``text`` (the text before the cursor)."""
    if len(text) > LONG_COMPLETION:
        return []
    _start, text = last_command(text)
    words, word = _words_before(text)
    start = -len(word)
    if not words:
        names = list(COMMANDS) + list(ALIASES)
        return [
            Candidate(n, start, COMMANDS[ALIASES.get(n, n)].summary)
            for n in names
            if n.startswith(word.lower())
        ]
    command = lookup(words[0].text)
    if command is None:
        return []
    if word.startswith("--"):
        return [
            Candidate("--" + f.name, start, f.help) for f in command.flags if ("--" + f.name).startswith(word)
        ]
    arg, flag_name = _arg_for(command, words[1:])
    if flag_name is not None:
        kind = next(f.kind for f in command.flags if f.name == flag_name)
        choices = _choices(kind, word, words, ctx, None)
    elif arg is not None:
        choices = _choices(arg.kind, word, words, ctx, arg)
    else:
        choices = []
    return [Candidate(text_, start, meta) for text_, meta in choices if text_.startswith(word)]


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # "command", "socket", "type", "option", "endpoint", "frame", "flag", "value", "error", ...


def classify(line: str, known_sockets: set[str] | None = None) -> list[Span]:
    """Highlighting spans for a line, from the same grammar as the parser (none past
    LONG_LINE characters: the line shows plain)."""
    if len(line) > LONG_LINE:
        return []
    tokens = tokenize(line, partial=True)
    if not tokens:
        return []
    command = lookup(tokens[0].text)
    spans = [Span(tokens[0].start, tokens[0].end, "command" if command else "error")]
    if command is None:
        return spans
    flags = {f.name: f for f in command.flags}
    positional = 0
    expect_flag_value = False
    for tok in tokens[1:]:
        if expect_flag_value:
            spans.append(Span(tok.start, tok.end, "value"))
            expect_flag_value = False
            continue
        if tok.raw.startswith("--") and not tok.quoted:
            name = tok.raw[2:].split("=", 1)[0]
            flag = flags.get(name)
            spans.append(Span(tok.start, tok.end, "flag" if flag else "error"))
            expect_flag_value = bool(flag and flag.kind is not ArgKind.SWITCH and "=" not in tok.raw)
            continue
        arg = command.arg_at(positional)
        positional += 1
        if arg is None:
            spans.append(Span(tok.start, tok.end, "error"))
            continue
        kind = {
            ArgKind.SOCKET: "socket",
            ArgKind.NEW_SOCKET: "socket",
            ArgKind.SOCKET_TYPE: "type",
            ArgKind.OPTION: "option",
            ArgKind.ENDPOINT: "endpoint",
            ArgKind.FRAME: "frame",
            ArgKind.COMMAND: "command",
        }.get(arg.kind, "value")
        if (
            kind == "socket"
            and known_sockets is not None
            and arg.kind is ArgKind.SOCKET
            and tok.text not in known_sockets
        ):
            kind = "error"
        if kind == "frame" and tok.quoted:
            kind = "string"
        spans.append(Span(tok.start, tok.end, kind))
    return spans
