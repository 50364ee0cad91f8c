"""Running one command line and showing its answer: what the batch runner (app.py) and
the interactive loop (interactive.py) share, so that both import it and not each other."""

from __future__ import annotations

import os
import shutil
from typing import Callable, TextIO

from ..session import CommandError, Result, Session, split_commands
from .printer import Colours, EventPrinter
from .result_lines import result_lines

__all__ = ["error_line", "print_result", "run_line"]


def print_result(
    result: Result, write: Callable[[str], None], colour: Colours, terminal: bool = True
) -> None:
    """``terminal``: the output is a terminal, whose width tables are fitted to (a file or
    a pipe gets them whole)."""
    width = shutil.get_terminal_size((100, 24)).columns
    lines = result_lines(result, width, terminal)
    if lines:
        write("\n".join(lines) + "\n")


def error_line(exc: BaseException) -> str:
    if isinstance(exc, CommandError):
        return "error: " + exc.line
    # Unexpected: still one line, never a traceback (ZMQREPL_DEBUG=1 shows it).
    if os.environ.get("ZMQREPL_DEBUG"):
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__)
    return f"error: internal error {exc!r} (hint: please report it; ZMQREPL_DEBUG=1 shows details)"


def run_line(
    session: Session, line: str, out: TextIO, err: TextIO, colour: Colours, printer: EventPrinter
) -> tuple[bool, bool]:
    """Run one command line; returns (ok, quit)."""

    def write(text: str) -> None:
        with printer.lock:
            out.write(text)
            out.flush()

    try:
        for command in split_commands(line):
            result = session.execute(command)
            if result is not None:
                print_result(result, write, colour, out.isatty())
                if result.quit:
                    return True, True
                if result.interrupted:  # Ctrl-C stopped it: not the rest of the line either
                    return False, False
    except KeyboardInterrupt:
        write(colour("notice", "cancelled") + "\n")
        return False, False
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line
        with printer.lock:
            err.write(colour("bad", error_line(exc)) + "\n")
            err.flush()
        return False, False
    return True, False
