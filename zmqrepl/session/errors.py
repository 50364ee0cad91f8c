"""CommandError: one line of what went wrong and one hint of what to do."""

from __future__ import annotations

__all__ = ["CommandError", "clip", "core_error"]


class CommandError(Exception):
    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.line)

    @property
    def line(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message


def core_error(text: str, fallback_hint: str) -> CommandError:
    """A CommandError from a zmqrepl.core message, keeping its own "(hint: ...)" if it has one."""
    message, sep, hint = text.partition(" (hint: ")
    if sep and hint.endswith(")"):
        return CommandError(message, hint[:-1])
    return CommandError(text, fallback_hint)


def clip(text: str, limit: int = 40, *, quoted: bool = True) -> str:
    """``text`` (quoted by repr) for a message, cut to ``limit`` characters: a pasted
    megabyte must not come back whole in an error line."""
    shown = text if len(text) <= limit else text[:limit]
    shown = repr(shown) if quoted else shown
    return shown if len(text) <= limit else shown + f"… ({len(text)} characters)"
