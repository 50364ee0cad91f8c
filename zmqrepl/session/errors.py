"""CommandError: one line of what went wrong and one hint of what to do.

A hint that points at help says which command's (``refers``: a name, or "" for the list of
commands) and, if it is one, the usage line it quotes (``usage``), so that each front end
words it its own way: the shell says "usage: send NAME ..." and "type help for the list",
the magics "%zmq help send" and "%zmq send NAME ...". ``hint`` is the shell's wording.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .visible import safe_text

if TYPE_CHECKING:
    from .syntax import Command

__all__ = ["CommandError", "clip", "core_error", "usage_error"]


class CommandError(Exception):
    def __init__(self, message: str, hint: str = "", *, refers: str | None = None, usage: str = "") -> None:
        # An error quotes what was typed: a typed form feed or line separator must neither
        # break the one line in two nor, like ESC, act on the terminal.
        self.message = safe_text(message)
        self.refers = refers
        self.usage = usage
        self.hint = safe_text(hint or _shell_hint(refers, usage))
        super().__init__(self.line)

    @property
    def line(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message


def _shell_hint(refers: str | None, usage: str) -> str:
    if usage:
        return f"usage: {usage}"
    if refers is None:
        return ""
    return f"see: help {refers}" if refers else "type help for the list"


def usage_error(message: str, command: Command) -> CommandError:
    """An error whose hint is ``command``'s usage line."""
    return CommandError(message, refers=command.name, usage=command.usage)


def core_error(text: str, fallback_hint: str = "", *, refers: str | None = None) -> CommandError:
    """A CommandError from a zmqrepl.core message, keeping its own "(hint: ...)" if it has
    one; else ``fallback_hint``, or the help of command ``refers``."""
    message, sep, hint = text.partition(" (hint: ")
    if sep and hint.endswith(")"):
        return CommandError(message, hint[:-1])
    return CommandError(text, fallback_hint, refers=refers)


def clip(text: str, limit: int = 40, *, quoted: bool = True) -> str:
    """``text`` (quoted by repr) for a message, cut to ``limit`` characters: a pasted
    megabyte must not come back whole in an error line."""
    shown = text if len(text) <= limit else text[:limit]
    shown = repr(shown) if quoted else shown
    return shown if len(text) <= limit else shown + f"… ({len(text)} characters)"
