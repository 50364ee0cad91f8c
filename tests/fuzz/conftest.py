"""Prints the fuzzing figures (sequences, operations, exceptions by type) after the run."""

from __future__ import annotations

from typing import Any

from .harness import STATS, summary_line


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if STATS["sequences"]:
        terminalreporter.write_line(summary_line())
