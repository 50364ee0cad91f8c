"""From a line of text to a checked command, driven by the command table.

>>> parsed = parse('send s hello 0x00ff')
>>> parsed.command.name, parsed.args["FRAME"]
('send', [b'hello', b'\\x00\\xff'])
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Callable

from ..core import Option, SocketType
from .commands import COMMANDS, lookup
from .errors import CommandError, clip, usage_error
from .frames import FORMATS, FileLimit, parse_frame
from .syntax import Arg, ArgKind, Command, Flag, Parsed
from .tokens import Token, tokenize
from .utf8 import encode_utf8

__all__ = ["NAME_PATTERN", "Parsed", "check_socket_name", "parse"]

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
_MAX_INT = 2**31 - 1  # milliseconds (24 days) and counts
_ENDPOINT = re.compile(r"^(tcp|ipc|inproc|pgm|epgm|vmci|ws|wss|tipc)://.+$")


def check_socket_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise CommandError(
            f"{clip(name)} is not a valid socket name",
            "use letters, digits, _ . - and start with a letter, e.g. s1",
        )
    return name


def _convert(arg: Arg | Flag, token: Token, command: Command, limit: FileLimit | None = None) -> Any:
    kind = arg.kind
    text = token.text
    label = arg.name
    if kind in (ArgKind.SOCKET, ArgKind.NEW_SOCKET):
        return check_socket_name(text)
    if kind is ArgKind.SOCKET_TYPE:
        try:
            return SocketType.from_name(text)
        except ValueError as exc:
            raise CommandError(str(exc), "e.g. socket s sub") from None
    if kind is ArgKind.OPTION:
        if text.lower() != "hwm":
            try:
                Option.from_name(text)
            except ValueError as exc:
                raise CommandError(str(exc), "press Tab after 'set NAME ' to see the options") from None
        return text.lower().replace("-", "_")
    if kind is ArgKind.ENDPOINT:
        if isinstance(arg, Arg) and text.lower() in arg.choices:
            return text.lower()  # a word allowed in an endpoint's place (tap NAME pause)
        if not _ENDPOINT.match(text):
            words = ", ".join(arg.choices) if isinstance(arg, Arg) else ""
            hint = f"use tcp://HOST:PORT, ipc:///PATH, ... or: {words}" if words else ""
            raise CommandError(
                f"{clip(text)} is not an endpoint",
                hint or "use tcp://HOST:PORT, ipc:///PATH or inproc://NAME",
            )
        return text
    if kind is ArgKind.FRAME:
        return parse_frame(token, limit)
    if kind is ArgKind.INT:
        try:
            value = int(text, 0)
        except ValueError:
            raise usage_error(f"{label} takes a whole number, not {clip(text)}", command) from None
        # As written, and a long one cut, never str(value): Python 3.11+ refuses to read an
        # int of more than 4300 digits (the ValueError above); PyPy 3.9 reads it, then
        # refuses to print it.
        shown = text if len(text) <= 40 else clip(text)
        if value < 0:
            raise usage_error(f"{label} must be 0 or more, not {shown}", command)
        if value > _MAX_INT:  # e.g. sleep: time.sleep overflows on huge values
            raise usage_error(f"{label} must be at most {_MAX_INT}, not {shown}", command)
        return value
    if kind is ArgKind.NUMBER:
        try:
            number = float(text)
        except ValueError:
            raise usage_error(f"{label} takes a number, not {clip(text)}", command) from None
        if number < 0 or number != number:
            raise usage_error(f"{label} must be 0 or more", command)
        return number
    if kind is ArgKind.FORMAT:
        if text.lower() not in FORMATS:
            raise CommandError(f"unknown format {clip(text)}", "choose " + ", ".join(FORMATS))
        return text.lower()
    if kind is ArgKind.COMMAND:
        found = lookup(text)
        if found is None:
            raise CommandError(f"no command {clip(text)}", refers="")
        return found.name
    if kind is ArgKind.WORD and isinstance(arg, Arg) and arg.choices and text.lower() not in arg.choices:
        raise usage_error(
            f"{command.name} takes {' or '.join(arg.choices)} here, not {clip(text)}",
            command,
        )
    return token if kind is ArgKind.VALUE else text


def _split_flags(command: Command, tokens: list[Token]) -> tuple[list[Token], dict[str, Any]]:
    words: list[Token] = []
    flags: dict[str, Any] = {f.name: f.default for f in command.flags}
    known = {f.name: f for f in command.flags}
    # set has no flags: there "--..." is a value (a Z85 key or a password may start with
    # "--", and an error about an unknown flag would echo the rest of it).
    values_only = not known and any(a.kind is ArgKind.VALUE for a in command.args)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.quoted or not tok.raw.startswith("--") or len(tok.raw) == 2 or values_only:
            words.append(tok)
            i += 1
            continue
        name, eq, inline = tok.text[2:].partition("=")
        flag = known.get(name)
        if flag is None:
            choices = ", ".join("--" + f for f in known) or "none"
            raise CommandError(
                f"{command.name} has no option {clip('--' + name, quoted=False)}", f"its options: {choices}"
            )
        if flag.kind is ArgKind.SWITCH:
            flags[name] = True
            i += 1
            continue
        if eq:
            value_tok = Token(inline, inline, tok.start, tok.end, False)
            i += 1
        elif i + 1 < len(tokens):
            value_tok = tokens[i + 1]
            i += 2
        else:
            raise usage_error(f"--{name} needs a value", command)
        flags[name] = _convert(flag, value_tok, command)
    return words, flags


def parse(line: str, *, file_limit: Callable[[str], FileLimit] | None = None) -> Parsed | None:
    """The command on ``line``, checked against the table; None for a blank line.

    ``file_limit(socket_name)`` gives the most an ``@path`` frame for that socket may hold.
    """
    # Text that came through surrogateescape (argv, a C-locale terminal) carries bad bytes
    # as lone surrogates: name the first one here, once, for every command.
    encode_utf8(line, "command line", "write odd bytes as 0x... or b64:... frames")
    tokens = tokenize(line)
    if not tokens:
        return None
    head = tokens[0].text
    command = lookup(head)
    if command is None:
        close = difflib.get_close_matches(head.lower(), list(COMMANDS), n=3, cutoff=0.6)
        if not close:
            raise CommandError(f"unknown command {clip(head)}", refers="")
        raise CommandError(f"unknown command {clip(head)}", f"did you mean {' or '.join(close[:3])}?")
    words, flags = _split_flags(command, tokens[1:])
    parsed = Parsed(command, {}, flags, tokens, words)
    required = [a for a in command.args if not a.optional]
    if len(words) < len(required):
        missing = required[len(words)].name
        raise usage_error(f"{command.name} needs {missing}", command)
    repeat = command.args[-1].repeat if command.args else False
    if not repeat and len(words) > len(command.args):
        extra = clip(words[len(command.args)].raw)
        if command.name == "set" and _names_secret(words[1].text):
            extra = "a word"  # likely the rest of an unquoted password: not echoed
        raise usage_error(
            f"{command.name} takes {len(command.args)} argument"
            f"{'s' if len(command.args) != 1 else ''}; {extra} is one too many",
            command,
        )
    for i, arg in enumerate(command.args):
        limit = None
        if arg.kind is ArgKind.FRAME and file_limit is not None and parsed.args.get("NAME"):
            limit = file_limit(parsed.args["NAME"])
        if arg.repeat:
            if arg.kind is ArgKind.FRAME:  # the many-words case: straight to the frames
                parsed.args[arg.name] = [parse_frame(t, limit) for t in words[i:]]
            else:
                parsed.args[arg.name] = [_convert(arg, t, command, limit) for t in words[i:]]
            break
        if i < len(words):
            parsed.args[arg.name] = _convert(arg, words[i], command, limit)
        else:
            parsed.args[arg.name] = None
    return parsed


def _names_secret(word: str) -> bool:
    try:
        return Option.from_name(word).secret
    except ValueError:
        return False
