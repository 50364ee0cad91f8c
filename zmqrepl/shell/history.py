"""Input history that never keeps a secret.

A line that gives a secret (``set s curve_secretkey ...``, ``auth plain USER PASSWORD``)
is neither written to the history file nor kept for up-arrow and auto-suggestion,
which would otherwise draw it again, in grey, under the cursor.
"""

from __future__ import annotations

from prompt_toolkit.history import FileHistory, InMemoryHistory

from ..session.hidden import carries_secret

__all__ = ["SecretFreeFileHistory", "SecretFreeMemoryHistory"]


class SecretFreeFileHistory(FileHistory):
    def append_string(self, string: str) -> None:
        if not carries_secret(string):
            super().append_string(string)


class SecretFreeMemoryHistory(InMemoryHistory):
    def append_string(self, string: str) -> None:
        if not carries_secret(string):
            super().append_string(string)
