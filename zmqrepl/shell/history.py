"""The shell's command history in a file, read and written a bounded amount.

prompt_toolkit's FileHistory reads the whole file at start and opens it with a
plain open(): a history that grew to gigabytes, or a FIFO or device put at its
path, would stall or exhaust the shell. This one reads only the newest
MAX_HISTORY bytes of a regular file, and keeps no line longer than MAX_ENTRY
(a pasted megabyte is run, not remembered), and no line that gives a secret
(``set s curve_secretkey ...``, ``auth plain USER PASSWORD``), which up-arrow and
auto-suggestion would otherwise draw again. Same file format as FileHistory:

    # 2026-12-01 22:10:00.123456
    +send s hello
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Iterable

from prompt_toolkit.history import History, InMemoryHistory

from ..session import CommandError, carries_secret, open_append, read_tail

__all__ = ["MAX_ENTRY", "MAX_HISTORY", "SecretFreeMemoryHistory", "ShellHistory", "worth_keeping"]

MAX_HISTORY = 4 * 1024 * 1024
MAX_ENTRY = 16 * 1024


def worth_keeping(line: str) -> bool:
    """Whether a line goes into the history, in the file and in memory: not one that
    gives a secret, nor a pasted giant (up-arrow and auto-suggestion would draw the
    secret again, or redraw the giant on every keystroke)."""
    return len(line) <= MAX_ENTRY and not carries_secret(line)


class ShellHistory(History):
    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__()

    def load_history_strings(self) -> Iterable[str]:
        try:
            data = read_tail(str(self.path), MAX_HISTORY, f"history {self.path}", "")
        except CommandError:
            return []  # no history is better than no shell
        text = data.decode("utf-8", "replace")
        if len(data) == MAX_HISTORY:  # started mid-file: drop the cut entry
            text = text[text.find("\n#") + 1 :] if "\n#" in text else ""
        entries: list[str] = []
        lines: list[str] = []
        for line in text.split("\n"):
            if line.startswith("+"):
                lines.append(line[1:])
            elif lines:
                entries.append("\n".join(lines))
                lines = []
        if lines:
            entries.append("\n".join(lines))
        # A file written before secrets were kept out of it may still hold one.
        return reversed([entry for entry in entries if not carries_secret(entry)])  # newest first

    def append_string(self, string: str) -> None:
        if worth_keeping(string):
            super().append_string(string)

    def store_string(self, string: str) -> None:
        try:
            with open_append(str(self.path), f"history {self.path}", "") as fh:
                fh.write(f"\n# {datetime.datetime.now()}\n")
                fh.write("".join(f"+{line}\n" for line in string.split("\n")))
        except (CommandError, OSError, UnicodeEncodeError):
            pass  # the line ran; failing to remember it must not stop the shell


class SecretFreeMemoryHistory(InMemoryHistory):
    """The history when the file cannot be used: in memory, still without secrets."""

    def append_string(self, string: str) -> None:
        if worth_keeping(string):
            super().append_string(string)
