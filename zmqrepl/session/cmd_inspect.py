"""Commands about the messages the session showed: show, history, stats.

Each public function is a handler named by the command table (commands.py). Both read
the session's numbered ring of shown messages (captured.py).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import regex

from .dump import Budget, dump_frame
from .errors import CommandError, clip
from .events import Message
from .filters import GREP_TIMEOUT_S
from .results import HistoryTable, ShownMessage
from .results_stats import STATS_TOP, StatsReport
from .syntax import Parsed

if TYPE_CHECKING:
    from .session import Session

__all__ = ["GREP_SECONDS", "history", "show", "stats", "text_matches"]

_NOTHING_YET = "watch NAME or recv NAME first: each message they show gets a number"


def show(session: Session, p: Parsed) -> ShownMessage:
    ring = session.captured
    number: int | None = p.args.get("N")
    hex_bytes: int = p.flags["bytes"]
    only: int | None = p.flags["frame"]
    if hex_bytes < 1:
        raise CommandError("--bytes must be 1 or more", "e.g. show --bytes 16384")
    if number is None:
        msg = ring.newest()
        if msg is None:
            raise CommandError("no message to show yet", _NOTHING_YET)
    elif number < 1:
        raise CommandError(
            f"no message #{number}: messages are numbered from 1", "show without a number prints the newest"
        )
    else:
        msg = ring.get(number)
        if msg is None:
            raise _not_kept(session, number)
    if only is not None and not 0 <= only < len(msg.frames):
        raise CommandError(
            f"message #{msg.number} has no frame {only}: its frames are 0 to {len(msg.frames) - 1}",
            f"e.g. show {msg.number} --frame 0",
        )
    # A watch's json or msgpack is a decoder asked for (a msgpack string or number is not
    # told from bytes unless asked); its hex or text was for the one line, not for reading.
    fmt: str = p.flags["format"] or (msg.fmt if msg.fmt in ("json", "msgpack") else "auto")
    budget = Budget()  # one for the whole message: many frames do not print more
    frames = tuple(
        dump_frame(i, data, size, fmt, hex_bytes, msg.number, budget)
        for i, (data, size) in enumerate(zip(msg.frames, msg.sizes))
        if only is None or i == only
    )
    return ShownMessage(msg, frames)


def _not_kept(session: Session, number: int) -> CommandError:
    ring = session.captured
    first, last, count = ring.state()
    if not last:
        return CommandError(f"no message #{number}: none was shown yet", _NOTHING_YET)
    if number < first:
        kept = f"#{first} to #{last}" if count else "none"
        return CommandError(
            f"message #{number} is no longer kept: the session keeps {ring.bound_text()} (now {kept})",
            "history lists them; raise history_size (history_bytes) in the settings to keep more, or "
            "record NAME FILE to keep every message",
        )
    return CommandError(
        f"no message #{number} yet: the newest is #{last}", "show without a number prints the newest"
    )


# How long history --grep searches at most: a costly regular expression over 1000 frames
# of 16 KiB could otherwise hold the prompt for minutes.
GREP_SECONDS = 2.0


def history(session: Session, p: Parsed) -> HistoryTable:
    name: str | None = p.args.get("NAME")
    if name is not None:
        session.entry(name)  # an unknown name is refused, with the names there are
    pattern: str | None = p.flags["grep"]
    search = _compile(pattern) if pattern is not None else None
    last: int = p.flags["last"]
    if last < 0:
        raise CommandError("--last must be 0 or more", "e.g. history --last 20")
    ring = session.captured
    kept = ring.snapshot()
    mine = [m for m in kept if name is None or m.socket == name]
    searched = len(mine)
    if search is None:
        matching = mine
    else:
        # Newest first, so that a search cut by the deadline has the newest matches.
        deadline = time.monotonic() + GREP_SECONDS
        found: list[Message] = []
        for done, m in enumerate(reversed(mine), 1):
            if text_matches(search, m):
                found.append(m)
            if time.monotonic() > deadline:
                searched = done
                break
        matching = found[::-1]
    shown = matching[-last:] if last else []
    return HistoryTable(
        tuple(shown),
        len(matching),
        len(kept),
        ring.size,
        name,
        pattern,
        bound=ring.bound_text(),
        searched=searched,
        among=len(mine),
        seconds=GREP_SECONDS,
    )


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


def stats(session: Session, p: Parsed) -> StatsReport:
    entry = session.entry(p.args["NAME"])

    def read() -> StatsReport:  # on the engine thread, which writes what it reads
        st = entry.stats
        topics = sorted(st.topics().items(), key=lambda kv: -kv[1])
        reading = [f for f in entry.flags_text.split(",") if f in ("watch", "record")]
        if entry.waiters:
            reading.append("recv")
        return StatsReport(
            entry.name,
            f"tap {entry.tap.pattern.name.lower()}" if entry.tap else entry.kind.name.lower(),
            ",".join(reading),
            entry.received,
            entry.sent,
            entry.bytes_in,
            entry.bytes_out,
            tuple(st.rates()),
            tuple(sorted(st.sizes().items())),
            tuple(topics[:STATS_TOP]),
            st.others + sum(c for _, c in topics[STATS_TOP:]),
            st.sampled,
            st.offered,
        )

    return session.engine.call(read)
