"""The result of ``stats NAME``: rates over time, a sample of sizes and of first frames.

Kept apart from results.py like results_load.py; exported from ``zmqrepl.session``. The
shell prints ``lines`` (a compact text table); the magics draw the same data as SVG.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

from .progress import format_count
from .render import format_size, table_lines
from .results import Result
from .stats import RateSample
from .visible import safe_text

__all__ = ["STATS_TOP", "StatsReport", "size_range", "sparkline", "topic_text"]

STATS_TOP = 10  # first frames listed by name; the rest are one row, "others"
_BARS = "▁▂▃▄▅▆▇█"
_TOPIC_CHARS = 32


def sparkline(values: Sequence[float]) -> str:
    """Values as a row of block characters, the highest a full block."""
    if not values:
        return ""
    top = max(values) or 1.0
    return "".join(_BARS[min(len(_BARS) - 1, int(v / top * (len(_BARS) - 1)))] for v in values)


def _short(n: int) -> str:
    for shift, unit in ((30, "G"), (20, "M"), (10, "k")):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift}{unit}"
    return str(n)


def size_range(bucket: int) -> str:
    """A size bucket (stats.size_bucket) in words: "0 B", "16-32 B" (from 16 to under 32)."""
    if bucket == 0:
        return "0 B"
    low = 1 << (bucket - 1)
    return f"{_short(low)}-{_short(low * 2)} B"


def topic_text(topic: bytes) -> str:
    """A first frame as a label: UTF-8 text as it is (escaped where not printable), else hex."""
    if not topic:
        return "(empty)"
    try:
        text = safe_text(topic.decode("utf-8"))
    except UnicodeDecodeError:
        text = "0x" + topic.hex()
    if len(text) <= _TOPIC_CHARS:
        return text
    # Cut in the middle: topics often share a long head and differ at the end
    # ("kernel.<uuid>.status", "kernel.<uuid>.execute_result").
    head = _TOPIC_CHARS // 3
    return text[:head] + "…" + text[-(_TOPIC_CHARS - head - 1) :]


@dataclass(frozen=True)
class StatsReport(Result):
    """``stats NAME``. ``rates``: oldest first, about one a second; ``sizes``: (bucket,
    count) of the sampled messages, smallest first; ``topics``: (first frame, count), most
    seen first, the top STATS_TOP; ``others``: sampled messages with any other first frame."""

    socket: str
    kind: str  # "sub", "router", "tap reqrep"
    reading: str  # what reads it ("watch", "record", "watch,record"), "" if nothing does
    received: int
    sent: int
    bytes_in: int
    bytes_out: int
    rates: tuple[RateSample, ...]
    sizes: tuple[tuple[int, int], ...]
    topics: tuple[tuple[bytes, int], ...]
    others: int
    sampled: int  # messages whose size and first frame were looked at
    offered: int  # messages shown (what the sample was taken from)

    @property
    def key(self) -> str:
        """What the first frame is to this socket: a ROUTER's is the peer's routing id."""
        if self.kind in ("router", "stream") or self.kind.startswith("tap"):
            return "peer"  # a tap's are counted by the peer each came from or went to
        return "topic" if self.kind in ("sub", "xsub") else "first frame"

    @property
    def sample_note(self) -> str:
        if not self.sampled:
            return (
                f"no sizes or {self.key}s yet: watch {self.socket} collects them from the messages it shows"
            )
        every = "every one" if self.sampled == self.offered else "sampled"
        return (
            f"sizes and {self.key}s: {format_count(self.sampled)} of the {format_count(self.offered)} "
            f"messages shown ({every})"
        )

    @property
    def head(self) -> str:
        reading = f"read by {self.reading}" if self.reading else "not read (watch, record or recv reads it)"
        return (
            f"stats {self.socket} ({self.kind}): {format_count(self.received)} received "
            f"({format_size(self.bytes_in)}), {format_count(self.sent)} sent "
            f"({format_size(self.bytes_out)}); {reading}"
        )

    def size_rows(self) -> list[tuple[str, int, str]]:
        total = sum(c for _, c in self.sizes) or 1
        return [(size_range(b), c, f"{c * 100 / total:.0f}%") for b, c in self.sizes]

    def topic_rows(self) -> list[tuple[str, int, str]]:
        total = sum(c for _, c in self.topics) + self.others or 1
        rows = [(topic_text(t), c, f"{c * 100 / total:.0f}%") for t, c in self.topics]
        if self.others:
            rows.append(("others", self.others, f"{self.others * 100 / total:.0f}%"))
        return rows

    def rate_line(self, what: str, values: Sequence[float], unit: str) -> str:
        if not values:
            return f"{what}: no samples yet (one a second)"
        recent = values[-60:]
        mean = sum(values) / len(values)
        return (
            f"{what} over {len(values)} s: now {_amount(values[-1], unit)}, mean {_amount(mean, unit)}, "
            f"max {_amount(max(values), unit)}  {sparkline(recent)}"
        )

    @property
    def lines(self) -> list[str]:
        out = [self.head]
        out.append(self.rate_line("messages in", [r.msgs_in for r in self.rates], "msg/s"))
        out.append(self.rate_line("bytes in", [r.bytes_in for r in self.rates], "B/s"))
        if any(r.msgs_out for r in self.rates):
            out.append(self.rate_line("messages out", [r.msgs_out for r in self.rates], "msg/s"))
        out.append(self.sample_note)
        if self.sizes:
            out += table_lines(("size", "messages", "share"), self.size_rows())
        if self.topics or self.others:
            out += table_lines((self.key, "messages", "share"), self.topic_rows())
        return out

    @property
    def value(self) -> dict[str, object]:
        return {
            "rates": [asdict(r) for r in self.rates],
            "sizes": {size_range(b): c for b, c in self.sizes},
            "topics": dict(self.topics),
            "others": self.others,
            "sampled": self.sampled,
        }


def _amount(value: float, unit: str) -> str:
    if unit == "B/s":
        return format_size(int(value)) + "/s"
    return f"{value:,.0f} {unit}" if value >= 10 or value == 0 else f"{value:,.1f} {unit}"
