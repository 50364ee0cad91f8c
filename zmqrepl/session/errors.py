"""CommandError: one line of what went wrong and one hint of what to do."""

from __future__ import annotations

__all__ = ["CommandError"]


class CommandError(Exception):
    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.line)

    @property
    def line(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message
