"""The lines the shell prints for a command's result, chosen by the result's type.

A result's own ``lines`` are the default; types that carry messages add each message,
frame by frame, cut to the terminal's width, and tables are fitted to it (the widest
columns cut, their cells ending in "…"), so that no line wraps.
"""

from __future__ import annotations

import textwrap
from functools import singledispatch

from ..session import (
    HistoryTable,
    PeerTable,
    Received,
    Result,
    ScriptRan,
    SocketInfo,
    SocketTable,
    message_lines,
    table_lines,
)

__all__ = ["result_lines"]


@singledispatch
def result_lines(result: Result, width: int, fit: bool = True) -> list[str]:
    """``fit``: cut tables to ``width`` (messages are cut to it either way)."""
    return result.lines


@result_lines.register(Received)
@result_lines.register(ScriptRan)
def _with_messages(result: Received | ScriptRan, width: int, fit: bool = True) -> list[str]:
    more = [result.not_shown_line] if isinstance(result, Received) and result.not_shown else []
    return result.lines + more + [line for msg in result.shown for line in message_lines(msg, width)]


@result_lines.register(SocketTable)
def _sockets(result: SocketTable, width: int, fit: bool = True) -> list[str]:
    if not result.sockets or not fit:
        return result.lines
    return table_lines(SocketInfo.COLUMNS, [i.row() for i in result.sockets], width)


@result_lines.register(PeerTable)
def _peers(result: PeerTable, width: int, fit: bool = True) -> list[str]:
    if not fit:
        return result.lines
    head = table_lines(result.columns, result.rows, width) if result.peers else result.lines[:1]
    return head + _wrapped(result.notes, width)


@result_lines.register(HistoryTable)
def _history(result: HistoryTable, width: int, fit: bool = True) -> list[str]:
    return result.message_lines(width) + _wrapped(result.notes, width)


def _wrapped(notes: list[str], width: int) -> list[str]:
    return [line for note in notes for line in textwrap.wrap(note, max(width, 20))]
