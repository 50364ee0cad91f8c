"""The shell's progress bar for long commands (send --count, replay, recv --count, ping).

The session reports a ``Progress`` from the thread that runs the command (the main one)
a few times a second once a command has run 0.3 s; this draws them with prompt_toolkit's
ProgressBar, whose own thread keeps the bar up to date, and turns Ctrl-C (a key while the
bar holds the terminal) into the SIGINT that stops the command.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from prompt_toolkit.formatted_text import AnyFormattedText
from prompt_toolkit.layout.dimension import AnyDimension, D
from prompt_toolkit.shortcuts import ProgressBar
from prompt_toolkit.shortcuts.progress_bar import formatters

from ..session import Progress

if TYPE_CHECKING:
    from prompt_toolkit.shortcuts.progress_bar.base import ProgressBarCounter

__all__ = ["ProgressView"]


class _Detail(formatters.Formatter):
    """Counts, rate and time left, as the session words them (the magics show the same)."""

    def __init__(self, view: ProgressView) -> None:
        self.view = view

    def format(
        self, progress_bar: ProgressBar, progress: ProgressBarCounter[object], width: int
    ) -> AnyFormattedText:
        latest = self.view.latest
        return latest.detail if latest is not None else ""

    def get_width(self, progress_bar: ProgressBar) -> AnyDimension:
        return D(preferred=44)


class _Label(formatters.Formatter):
    """What runs, cut (not scrolled, as prompt_toolkit's Label does) to fit."""

    WIDTH = 32

    def __init__(self, view: ProgressView) -> None:
        self.view = view

    def format(
        self, progress_bar: ProgressBar, progress: ProgressBarCounter[object], width: int
    ) -> AnyFormattedText:
        latest = self.view.latest
        what = latest.what if latest is not None else ""
        return (what if len(what) < width else what[: max(1, width - 2)] + "…") + " "

    def get_width(self, progress_bar: ProgressBar) -> AnyDimension:
        latest = self.view.latest
        return D.exact(min(len(latest.what) + 1 if latest else 1, self.WIDTH))


class ProgressView:
    """A session's ``progress`` listener: one bar per command, closed by its last report."""

    def __init__(self) -> None:
        self.latest: Progress | None = None
        self._bar: ProgressBar | None = None
        self._counter: ProgressBarCounter[object] | None = None

    def __call__(self, progress: Progress) -> None:
        self.latest = progress
        if self._bar is None:
            if progress.finished:
                return
            self._open(progress)
        counter = self._counter
        bar = self._bar
        if counter is None or bar is None:
            return
        counter.items_completed = progress.done
        if progress.finished:
            counter.stopped = True
            self._close()
        else:
            bar.invalidate()

    def _open(self, progress: Progress) -> None:
        bar = ProgressBar(
            formatters=[
                _Label(self),
                formatters.Percentage(),
                formatters.Text(" "),
                formatters.Bar(sym_a="=", sym_b=">", sym_c=" "),
                formatters.Text(" "),
                _Detail(self),
            ]
        )
        # Held before it starts: a Ctrl-C (SIGINT) anywhere from here on finds the bar and
        # closes it, so it never runs on unowned with the terminal in its mode.
        self._bar = bar
        try:
            bar.__enter__()
            self._counter = bar(label=progress.what, total=progress.total)
        except BaseException:
            self._close()
            raise

    def _close(self) -> None:
        bar, self._bar = self._bar, None
        self._counter = None
        if bar is None:
            return
        if getattr(bar, "_thread", None) is None:
            return  # stopped before its thread started: nothing runs (its exit would wait for ever)
        try:
            bar.__exit__(None, None, None)
        except KeyboardInterrupt:
            # A second Ctrl-C while the bar's thread ends: it was told to exit already (telling
            # it twice is an error in its loop); wait, so it never holds the terminal after.
            while bar.app.is_running:
                try:
                    time.sleep(0.01)
                except KeyboardInterrupt:
                    continue
