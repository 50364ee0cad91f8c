"""A progress line under the running cell, for long commands (send --count, replay,
recv --count, ping): one display, updated in place a few times a second, with an HTML
progress bar in a notebook and the session's text (counts, rate, time left) everywhere.
The last update says how it ended."""

from __future__ import annotations

import html
import sys
import time
from typing import Any

from ..session import Progress

__all__ = ["ProgressLine"]

_EVERY_S = 0.25  # at most four updates a second: each is a message to the front end


def _bundle(progress: Progress) -> dict[str, str]:
    percent = f"{progress.fraction * 100:.0f}"
    return {
        "text/plain": progress.line,
        "text/html": (
            f'<progress value="{progress.done}" max="{max(progress.total, 1)}" '
            f'style="width: 20em"></progress> <code>{html.escape(progress.what)}: {percent}% '
            f"{html.escape(progress.detail)}</code>"
        ),
    }


class ProgressLine:
    """A session's ``progress`` listener for the magics."""

    def __init__(self) -> None:
        self._handle: Any = None
        self._last = 0.0
        self.updates = 0

    def __call__(self, progress: Progress) -> None:
        if _in_a_terminal():
            self._terminal(progress)
            return
        from IPython.display import display

        now = time.monotonic()
        if self._handle is None:
            if progress.finished:
                return
            self._handle = display(_bundle(progress), raw=True, display_id=True)
            self._last = now
            return
        if not progress.finished and now - self._last < _EVERY_S:
            return
        self._last = now
        self.updates += 1
        self._handle.update(_bundle(progress), raw=True)
        if progress.finished:
            self._handle = None

    def _terminal(self, progress: Progress) -> None:
        """Terminal IPython shows every update as a new output: one line, rewritten."""
        end = "\n" if progress.finished else ""
        sys.stdout.write(f"\r\x1b[K{progress.line}{end}")
        sys.stdout.flush()
        self.updates += 1


def _in_a_terminal() -> bool:
    try:
        from IPython import get_ipython

        ip = get_ipython()
    except Exception:  # noqa: BLE001 - outside IPython
        return False
    return type(ip).__name__ == "TerminalInteractiveShell"
