"""What a command looks like: its arguments, flags and handler; and a parsed command.

The table of commands (commands.py) is made of these; the parser, ``help``, completion,
highlighting and the toolbar hint read them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from .frames import FORMATS
from .tokens import Token

if TYPE_CHECKING:
    from .results import Result
    from .session import Session

__all__ = ["Arg", "ArgKind", "Command", "Flag", "Handler", "Parsed"]


class ArgKind(enum.Enum):
    SOCKET = "socket name"  # an existing socket
    NEW_SOCKET = "new socket name"  # a name not used yet
    SOCKET_TYPE = "socket type"
    OPTION = "socket option"
    VALUE = "option value"
    ENDPOINT = "endpoint"
    FRAME = "frame"
    INT = "integer"
    NUMBER = "number"
    FILE = "file"
    COMMAND = "command"
    WORD = "word"
    FORMAT = "format"
    EXPR = "expression"  # a Python expression over a message (filters.py)
    REGEX = "regular expression"
    SWITCH = "switch"  # a flag that takes no value


@dataclass(frozen=True)
class Arg:
    name: str
    kind: ArgKind
    optional: bool = False
    repeat: bool = False  # takes every remaining word
    choices: tuple[str, ...] = ()  # for WORD: the words allowed

    @property
    def usage(self) -> str:
        if self.choices and self.kind is not ArgKind.WORD:  # words allowed in its place
            return "|".join((self.name, *self.choices))
        text = self.name + (" ..." if self.repeat else "")
        if self.repeat and not self.optional:
            text = f"{self.name} [{self.name} ...]"
        return f"[{text}]" if self.optional else text


@dataclass(frozen=True)
class Flag:
    name: str  # without the leading --
    kind: ArgKind
    help: str
    default: object = None
    metavar: str = ""  # what usage calls the value, when not the kind's (SIZE, not WORD)

    @property
    def usage(self) -> str:
        if self.kind is ArgKind.SWITCH:
            return f"[--{self.name}]"
        return f"[--{self.name} {self.metavar or _FLAG_METAVARS[self.kind]}]"


_FLAG_METAVARS = {
    ArgKind.INT: "N",
    ArgKind.NUMBER: "X",
    ArgKind.FORMAT: "|".join(FORMATS),
    ArgKind.WORD: "WORD",
    ArgKind.EXPR: "EXPR",
    ArgKind.REGEX: "REGEX",
}


@dataclass
class Parsed:
    """A command line checked against its command: converted arguments and flags."""

    command: Command
    args: dict[str, Any] = field(default_factory=dict)
    flags: dict[str, Any] = field(default_factory=dict)
    tokens: list[Token] = field(default_factory=list)
    words: list[Token] = field(default_factory=list)  # the arguments' tokens (no flags), in order


# What runs a command: it gets the session and the parsed line, and returns a result
# (results.py). A CommandError it raises is shown as one line with its hint.
Handler = Callable[["Session", Parsed], "Result"]


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    handler: Handler
    args: tuple[Arg, ...] = ()
    flags: tuple[Flag, ...] = ()
    details: str = ""
    examples: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    after_close: bool = False  # still answers once the session is closed (help, version, quit)

    @property
    def usage(self) -> str:
        return " ".join([self.name, *(a.usage for a in self.args), *(f.usage for f in self.flags)])

    def arg_at(self, index: int) -> Arg | None:
        """The argument a word at position ``index`` (0 = first argument) fills."""
        for i, arg in enumerate(self.args):
            if i == index or (arg.repeat and index >= i):
                return arg
        return None
