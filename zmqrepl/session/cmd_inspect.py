"""Commands about the messages the session showed: show, history.

Each public function is a handler named by the command table (commands.py). Both read
the session's numbered ring of shown messages (captured.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import regex

from .dump import dump_frame
from .errors import CommandError, clip
from .events import Message
from .filters import GREP_TIMEOUT_S
from .results import HistoryTable, ShownMessage
from .syntax import Parsed

if TYPE_CHECKING:
    from .session import Session

__all__ = ["history", "show", "text_matches"]

_NOTHING_YET = "watch NAME or recv NAME first: each message they show gets a number"


def show(session: Session, p: Parsed) -> ShownMessage:
    ring = session.captured
    number: int | None = p.args.get("N")
    hex_bytes: int = p.flags["bytes"]
    if hex_bytes < 1:
        raise CommandError("--bytes must be 1 or more", "e.g. show --bytes 16384")
    if number is None:
        msg = ring.newest()
        if msg is None:
            raise CommandError("no message to show yet", _NOTHING_YET)
    else:
        msg = ring.get(number)
        if msg is None:
            raise _not_kept(session, number)
    # A watch's json or msgpack is a decoder asked for (a msgpack string or number is not
    # told from bytes unless asked); its hex or text was for the one line, not for reading.
    fmt: str = p.flags["format"] or (msg.fmt if msg.fmt in ("json", "msgpack") else "auto")
    frames = tuple(
        dump_frame(i, data, size, fmt, hex_bytes, msg.number)
        for i, (data, size) in enumerate(zip(msg.frames, msg.sizes))
    )
    return ShownMessage(msg, frames)


def _not_kept(session: Session, number: int) -> CommandError:
    ring = session.captured
    first, last = ring.span()
    if not last:
        return CommandError(f"no message #{number}: none was shown yet", _NOTHING_YET)
    if ring.gone(number):
        kept = f"#{first} to #{last}" if ring.newest() is not None else "none"
        return CommandError(
            f"message #{number} is no longer kept: the session keeps the newest {ring.size} (now {kept})",
            "history lists them; raise history_size in the settings to keep more, or "
            "record NAME FILE to keep every message",
        )
    return CommandError(
        f"no message #{number} yet: the newest is #{last}", "show without a number prints the newest"
    )


def history(session: Session, p: Parsed) -> HistoryTable:
    name: str | None = p.args.get("NAME")
    if name is not None:
        session.entry(name)  # an unknown name is refused, with the names there are
    pattern: str | None = p.flags["grep"]
    search = _compile(pattern) if pattern is not None else None
    last: int = p.flags["last"]
    kept = session.captured.snapshot()
    matching = [
        m for m in kept if (name is None or m.socket == name) and (search is None or text_matches(search, m))
    ]
    shown = matching[-last:] if last else []
    return HistoryTable(tuple(shown), len(matching), len(kept), session.captured.size, name, pattern)


def _compile(pattern: str) -> regex.Pattern[str]:
    try:
        return regex.compile(pattern)
    except (regex.error, RecursionError, OverflowError, ValueError, MemoryError) as exc:
        raise CommandError(
            f"--grep {clip(pattern)} is not a regular expression: {exc}",
            "Python's re syntax, e.g. --grep 'temp.*[0-9]'; quote it if it has spaces",
        ) from None


def text_matches(pattern: regex.Pattern[str], msg: Message) -> bool:
    """Whether any frame, read as UTF-8 text (bad bytes as U+FFFD), holds a match; a search
    of one frame that takes over GREP_TIMEOUT_S is a CommandError (a pattern that backtracks)."""
    try:
        return any(
            pattern.search(frame.decode("utf-8", "replace"), timeout=GREP_TIMEOUT_S) for frame in msg.frames
        )
    except TimeoutError:
        ms = round(GREP_TIMEOUT_S * 1000)
        raise CommandError(
            f"--grep {clip(pattern.pattern)} took over {ms} ms on message #{msg.number}",
            "give a simpler pattern (no nested repeats like (a|aa)+)",
        ) from None
