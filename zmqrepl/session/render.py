"""Plain-text rendering shared by the front ends: messages, events, tables, help.

Nothing here knows about terminals or notebooks; a front end adds colour or HTML.
"""

from __future__ import annotations

import time
from typing import Mapping, Sequence

from .events import SUBSCRIPTION, Message, MonitorNotice, Notice, PeerDropped
from .frames import render_frame
from .syntax import Command
from .visible import columns as text_columns
from .visible import fit_columns

__all__ = [
    "FRAMES_LINE",
    "HELP_EXAMPLE",
    "dropped_line",
    "format_size",
    "format_time",
    "help_lines",
    "message_line",
    "message_lines",
    "message_time",
    "monitor_line",
    "notice_line",
    "number_text",
    "short_value",
    "subscription_text",
    "summary_line",
    "table_lines",
]


def format_time(t: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t)) + f".{int((t % 1) * 1000):03d}"


def message_time(msg: Message) -> str:
    """A message's time; one that waited in the queue before the watch started arrived at
    some time before it was read: "queued ≤12:00:01.250"."""
    return f"queued ≤{format_time(msg.time)}" if msg.queued else format_time(msg.time)


def format_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def number_text(msg: Message) -> str:
    """ "#42 " for a numbered message (``show 42`` prints it whole), "" for one without."""
    return f"#{msg.number} " if msg.number else ""


def message_lines(
    msg: Message, width: int = 100, fmt: str | None = None, view: str | None = None
) -> list[str]:
    """A header (number, time, socket, part count) and one line per frame; a single
    frame shares the header's line. Long frames are cut to ``width``. In the "line"
    view (the message's own unless ``view`` says), the whole message in one line."""
    if (view or msg.view) == "line":
        return [message_line(msg, width, fmt)]
    fmt = fmt or msg.fmt
    parts = len(msg.frames)
    way = _way(msg)
    sub = subscription_text(msg)
    if sub is not None:
        return [f"{number_text(msg)}{message_time(msg)} {msg.socket}{way} {sub}"]
    head = (
        f"{number_text(msg)}{message_time(msg)} {msg.socket}{way} [{parts} part{'s' if parts != 1 else ''}]"
    )
    frames = []
    for i, (data, size) in enumerate(zip(msg.frames, msg.sizes)):
        label = f"{format_size(size):>9}"
        room = max(width - len(label) - 8, 16)
        shown = render_frame(data, size, fmt, room)
        text = shown.text if shown.kind != "empty" else "(empty)"
        frames.append((i, label, text))
    if parts == 1:
        _, label, text = frames[0]
        room = max(width - text_columns(head) - len(label) - 2, 16)
        text = fit_columns(text, room)
        return [f"{head} {label.strip()} {text}"]
    return [head] + [f"  {i:>2} {label} {text}" for i, label, text in frames]


def _way(msg: Message) -> str:
    way = f" {msg.direction}" if msg.direction else ""
    return way + (f" peer {msg.peer}" if msg.peer else "")


# Part sizes shown in one line at most: a message of 500 parts shows 5, then "+… B, 500 parts".
_LINE_PARTS = 5


def message_line(msg: Message, width: int = 100, fmt: str | None = None) -> str:
    """One message in one line of at most ``width`` characters: number, time, socket,
    direction (a tap's), part sizes and a preview of the frames, " | " between them."""
    fmt = fmt or msg.fmt
    head = f"{number_text(msg)}{message_time(msg)} {msg.socket}{_way(msg)}"
    sub = subscription_text(msg)
    if sub is not None:
        return _cut(f"{head} {sub}", width)
    sizes = "+".join(_short_size(n) for n in msg.sizes[:_LINE_PARTS]) + " B"
    if len(msg.sizes) > _LINE_PARTS:
        sizes = sizes[:-2] + f"+… B, {len(msg.sizes)} parts"
    head += f" [{sizes}]" if msg.sizes else " [no parts]"
    room = max(width - text_columns(head) - 1, 8)
    previews: list[str] = []
    used = 0
    for data, size in zip(msg.frames, msg.sizes):
        if used >= room:
            break
        shown = render_frame(data, size, fmt, room - used + 1)
        text = shown.text if shown.kind != "empty" else '""'
        previews.append(text)
        used += text_columns(text) + 3
    return _cut(f"{head} {' | '.join(previews)}", width)


def _short_size(n: int) -> str:
    """A size in at most 5 characters, bytes without a unit: 16, 1.2k, 3.4M."""
    if n < 1000:
        return str(n)
    if n < 1000 * 1024:
        return f"{n / 1024:.1f}k" if n < 10 * 1024 else f"{n // 1024}k"
    return f"{n / (1024 * 1024):.1f}M" if n < 10 * 1024 * 1024 else f"{n // (1024 * 1024)}M"


def _cut(text: str, width: int) -> str:
    return fit_columns(text, max(width, 1))


def subscription_text(msg: Message) -> str | None:
    """ "subscribe 'weather'" for a subscription a tap passed upstream (first byte 1, or 0
    to unsubscribe, then the topic); None for any other message."""
    if msg.direction != SUBSCRIPTION or len(msg.frames) != 1 or msg.frames[0][:1] not in (b"\x00", b"\x01"):
        return None
    verb = "subscribe" if msg.frames[0][:1] == b"\x01" else "unsubscribe"
    topic = msg.frames[0][1:]
    if not topic:
        return f"{verb} '' (everything)"
    shown = render_frame(topic, msg.sizes[0] - 1, "auto", 60)
    text = f"'{shown.text}'" if shown.kind == "text" else shown.text
    return f"{verb} {text}"


def monitor_line(ev: MonitorNotice) -> str:
    head = f"{format_time(ev.time)} {ev.socket} event {ev.event} {ev.endpoint}"
    return f"{head}: {ev.reason}" if ev.reason else f"{head} ({ev.value})"


def dropped_line(ev: PeerDropped) -> str:
    """One line for both front ends: what happened, and what to do."""
    # libzmq keeps the dead connect registered (and a dealer, sub, pub or req ignores a
    # second connect to it), so the way back is disconnect, then connect.
    again = f"disconnect {ev.socket} {ev.endpoint}; connect {ev.socket} {ev.endpoint}"
    if ev.maxmsgsize < 0:
        return (
            f"{ev.socket}: peer {ev.endpoint} disconnected: it broke the ZMTP protocol and "
            f"libzmq will not reconnect (hint: check the peer, then: {again})"
        )
    return (
        f"{ev.socket}: peer {ev.endpoint} disconnected: a message exceeded maxmsgsize "
        f"({format_size(ev.maxmsgsize)}) and libzmq will not reconnect (hint: raise it with "
        f"set {ev.socket} maxmsgsize N, then: {again})"
    )


def notice_line(ev: Notice) -> str:
    return ("error: " if ev.error else "") + ev.text


def summary_line(dropped: dict[str, int]) -> str:
    return " ".join(f"+{n} more on {name or 'session'}" for name, n in sorted(dropped.items()))


def table_lines(
    columns: Sequence[str], rows: Sequence[Sequence[object]], width: int | None = None
) -> list[str]:
    """A table in lines; with ``width``, the widest columns are cut (their cells end in
    "…") until every line fits in ``width`` characters. The first column (what a row is
    about: a socket's name) keeps what the others, cut to their least, leave it."""
    cells = [[str(c) for c in columns]] + [[str(v) for v in row] for row in rows]
    widths = [max(text_columns(r[i]) for r in cells) for i in range(len(columns))]
    if width is not None:
        room = width - 2 * (len(widths) - 1)
        least = sum(min(w, _MIN_COLUMN) for w in widths[1:])
        first = max(min(widths[0], room - least), min(widths[0], _MIN_COLUMN))
        widths = [first, *_fitted(widths[1:], room - first)]
    out = ["  ".join(_cell(c, w) for c, w in zip(row, widths)).rstrip() for row in cells]
    out.insert(1, "  ".join("-" * w for w in widths))
    if width is not None:  # narrower than even the narrowest columns: cut the lines
        out = [_cut(line, width) for line in out]
    return out


# A column is never cut below this (a header like "in/s" stays readable).
_MIN_COLUMN = 4


def _fitted(widths: list[int], room: int) -> list[int]:
    """Column widths summing to at most ``room``: the widest are cut to one cap, as high
    as fits (columns already under it keep their width)."""
    if sum(widths) <= room:
        return widths
    cap = max(widths)
    low = _MIN_COLUMN
    while low < cap:  # the highest cap that fits, by bisection
        mid = (low + cap + 1) // 2
        if sum(min(w, mid) for w in widths) <= room:
            low = mid
        else:
            cap = mid - 1
    return [min(w, low) for w in widths]


def _cell(text: str, width: int) -> str:
    fitted = fit_columns(text, width)
    return fitted + " " * (width - text_columns(fitted))


# What help without a command ends with: the frame syntax, and a first session, command by
# command (the shell writes it on one line, the magics as a cell).
FRAMES_LINE = 'Frames: word, "quoted text", 0xHEX, b64:..., json:..., @file, "" (empty).'
HELP_EXAMPLE = ("socket s sub", "connect s tcp://127.0.0.1:5556", "subscribe s", "watch s")


def help_lines(table: Mapping[str, Command], command: Command | None = None) -> list[str]:
    """Every command of ``table`` in a line, or one command in detail."""
    if command is None:
        width = max(len(c.name) for c in table.values())
        lines = ["Commands (help CMD for details):"]
        lines += [f"  {c.name.ljust(width)}  {c.summary}" for c in table.values()]
        lines += [FRAMES_LINE, "Example: " + "; ".join(HELP_EXAMPLE)]
        return lines
    lines = [f"usage: {command.usage}", f"  {command.summary}"]
    if command.aliases:
        lines.append("  also: " + ", ".join(command.aliases))
    if command.details:
        lines.append("  " + command.details)
    for flag in command.flags:
        lines.append(f"  --{flag.name}: {flag.help}")
    if command.examples:
        lines.append("  examples: " + " | ".join(command.examples))
    return lines


def short_value(value: object) -> str:
    """An option value in a line or a table cell: bytes as short text."""
    if isinstance(value, bytes):
        text = value.decode("utf-8", "replace")
        return repr(text if len(text) <= 24 else text[:23] + "…")
    return str(value)
