"""What a run measures: sizes, transports, and how many messages each block sends.

Message counts shrink with size so that every block takes a fraction of a second. The
high-water mark is deep for small messages (so that the receiver is measured, not libzmq's
pipe refills; see BENCHMARKS.md) and shrinks with size so that queues hold at most 32 MiB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

__all__ = [
    "IMPLS",
    "PUBSUB_SIZES",
    "QUICK_SIZES",
    "SIZES",
    "TESTS",
    "TRANSPORTS",
    "Block",
    "encode_plan",
    "format_size",
    "latency_plan",
    "parse_plan",
    "parse_size",
    "pubsub_plan",
    "throughput_plan",
]

KiB = 1 << 10
MiB = 1 << 20
SIZES = (1, 32, 33, 256, KiB, 16 * KiB, 64 * KiB, MiB, 4 * MiB)
PUBSUB_SIZES = (1, KiB, 64 * KiB)
QUICK_SIZES = (1, 256, 16 * KiB, MiB)
TRANSPORTS = ("inproc", "ipc", "tcp")
TESTS = ("throughput", "latency", "pubsub", "import")
IMPLS = ("zmqrepl", "pyzmq", "c")


@dataclass(frozen=True)
class Block:
    """One message size within a session: ``count`` messages, sockets with this ``hwm``."""

    size: int
    count: int
    hwm: int


def _count(size: int, cap: int, budget: int, floor: int, scale: float) -> int:
    return max(16, int(min(cap, max(floor, budget // size)) * scale))


def throughput_plan(sizes: Iterable[int], scale: float) -> list[Block]:
    return [Block(s, _count(s, 1_000_000, 256 * MiB, 64, scale), _hwm(s)) for s in sizes]


def _hwm(size: int) -> int:
    # With libzmq's default of 1000, a small-message receiver empties the pipe every ~500
    # messages and waits for the I/O thread to refill it: the rate is then set by those
    # wake-ups (and swings with scheduling), the same for every binding.
    return max(4, min(100_000, 32 * MiB // size))


def latency_plan(sizes: Iterable[int], scale: float) -> list[Block]:
    return [Block(s, _count(s, 10_000, 32 * MiB, 40, scale), 0) for s in sizes]


def pubsub_plan(sizes: Iterable[int], scale: float) -> list[Block]:
    return [Block(s, _count(s, 200_000, 64 * MiB, 256, scale), 0) for s in sizes]


def encode_plan(plan: Sequence[Block]) -> str:
    return ",".join(f"{b.size}:{b.count}:{b.hwm}" for b in plan)


def parse_plan(text: str) -> list[Block]:
    return [Block(*(int(x) for x in item.split(":"))) for item in text.split(",")]


def parse_size(text: str) -> int:
    """``"1"``, ``"16K"``, ``"4M"`` (binary units) to bytes."""
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    units = {"K": KiB, "M": MiB}
    if text and text[-1] in units:
        return int(text[:-1]) * units[text[-1]]
    return int(text)


def format_size(size: int) -> str:
    for unit, name in ((MiB, "MiB"), (KiB, "KiB")):
        if size >= unit and size % unit == 0:
            return f"{size // unit} {name}"
    return f"{size} B"
