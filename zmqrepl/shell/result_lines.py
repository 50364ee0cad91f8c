"""The lines the shell prints for a command's result, chosen by the result's type.

A result's own ``lines`` are the default; types that carry messages add each message,
frame by frame, cut to the terminal's width.
"""

from __future__ import annotations

from functools import singledispatch

from ..session import Received, Result, ScriptRan, message_lines

__all__ = ["result_lines"]


@singledispatch
def result_lines(result: Result, width: int) -> list[str]:
    return result.lines


@result_lines.register(Received)
@result_lines.register(ScriptRan)
def _with_messages(result: Received | ScriptRan, width: int) -> list[str]:
    return result.lines + [line for msg in result.shown for line in message_lines(msg, width)]
