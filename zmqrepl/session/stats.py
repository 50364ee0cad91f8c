"""What ``stats NAME`` and the watch pane's chart show: a socket's rates second by second,
and a sample of its message sizes and first frames.

Nothing here runs per message on the read path. The rates come from the counters the
engine keeps exact anyway, once a second (``SocketStats.tick``). Sizes and first frames are
sampled: at most ``SAMPLE_PER_BATCH`` messages of each batch handed to the display, and at
most ``SAMPLE_PER_SECOND`` a second in all, so a flood of 500k msg/s costs the same few
thousand samples a second as a stream of 5k msg/s. Sizes go into power-of-two buckets,
first frames (a tap's: peers) into a bounded table of counts (``TOPIC_LIMIT`` kept, the rest "others").
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Sequence

__all__ = [
    "HISTORY_S",
    "SAMPLE_PER_BATCH",
    "SAMPLE_PER_SECOND",
    "TOPIC_LIMIT",
    "TOPIC_PREFIX",
    "RateSample",
    "SocketStats",
    "size_bucket",
]

HISTORY_S = 300  # seconds of rates kept: the last five minutes
SAMPLE_PER_BATCH = 8
SAMPLE_PER_SECOND = 1000
TOPIC_LIMIT = 64  # distinct first frames counted; past it the least seen are merged into "others"
TOPIC_PREFIX = 64  # bytes of a first frame that name its topic


@dataclass(frozen=True)
class RateSample:
    """One second (or so) of a socket's traffic, ending at wall time ``at``."""

    at: float
    msgs_in: float  # per second
    bytes_in: float
    msgs_out: float
    bytes_out: float
    seconds: float  # how long the sample is: rate * seconds is its count


def size_bucket(size: int) -> int:
    """The bucket of a message of ``size`` bytes: 0 for empty, else k for 2**(k-1) <= size < 2**k."""
    return size.bit_length()


class SocketStats:
    """One socket's: the rate history (engine tick) and the sample (display path). Engine
    thread writes; other threads read copies (``rates``, ``sizes``, ``topics``)."""

    def __init__(self) -> None:
        self._rates: deque[RateSample] = deque(maxlen=HISTORY_S)
        # received, bytes_in, sent, bytes_out at the last tick (a new socket's are all 0)
        self._last = (0, 0, 0, 0)
        self._excluded = (0, 0)  # messages and bytes of a drain of queued messages, not a rate
        self._budget = SAMPLE_PER_SECOND
        self._sizes: dict[int, int] = {}
        self._topics: dict[bytes, int] = {}
        self.others = 0  # sampled messages whose first frame fell out of the table
        self.sampled = 0
        self.offered = 0  # messages handed to the sample (sampled or not)

    # -- engine thread -------------------------------------------------------------------

    def tick(
        self, at: float, seconds: float, received: int, bytes_in: int, sent: int, bytes_out: int
    ) -> None:
        """Once a second: the counters now; the sample's budget starts again."""
        self._budget = SAMPLE_PER_SECOND
        skip_n, skip_b = self._excluded
        self._excluded = (0, 0)
        last = self._last
        self._last = (received, bytes_in, sent, bytes_out)
        if seconds <= 0:
            return
        self._rates.append(
            RateSample(
                at,
                max(0, received - last[0] - skip_n) / seconds,
                max(0, bytes_in - last[1] - skip_b) / seconds,
                (sent - last[2]) / seconds,
                (bytes_out - last[3]) / seconds,
                seconds,
            )
        )

    def exclude(self, messages: int, nbytes: int) -> None:
        """Messages read that were queued before anyone read the socket: counted as received,
        but no part of the rate of the second they were drained in."""
        self._excluded = (self._excluded[0] + messages, self._excluded[1] + nbytes)

    def sample(
        self, messages: Sequence[list[bytes]], labels: Sequence[tuple[str, str]] | None = None
    ) -> None:
        """A batch on its way to the display: a few of its messages, evenly spread. A tap's
        come with a (direction, peer) label each: the peer is counted in place of the first
        frame (a request's first frame is its empty delimiter)."""
        n = len(messages)
        self.offered += n
        take = min(n, SAMPLE_PER_BATCH, self._budget)
        if take <= 0:
            return
        self._budget -= take
        step = n / take
        sizes, topics = self._sizes, self._topics
        for i in range(take):
            frames = messages[int(i * step)]
            bucket = size_bucket(sum(map(len, frames)))
            sizes[bucket] = sizes.get(bucket, 0) + 1
            if labels is not None:
                topic = labels[int(i * step)][1].encode("utf-8", "replace")[:TOPIC_PREFIX]
            else:
                topic = bytes(frames[0][:TOPIC_PREFIX]) if frames else b""
            if topic in topics:
                topics[topic] += 1
            elif len(topics) < 2 * TOPIC_LIMIT:
                topics[topic] = 1
            else:
                topics = self._prune()
                topics[topic] = 1
        self.sampled += take

    def _prune(self) -> dict[bytes, int]:
        """Keep the TOPIC_LIMIT most seen first frames (the table, returned); the rest count
        as others. Once per TOPIC_LIMIT new first frames at most."""
        ranked = sorted(self._topics.items(), key=lambda kv: -kv[1])
        self._topics = dict(ranked[:TOPIC_LIMIT])
        self.others += sum(c for _, c in ranked[TOPIC_LIMIT:])
        return self._topics

    # -- any thread (copies) -------------------------------------------------------------

    def rates(self) -> list[RateSample]:
        return list(self._rates)

    def sizes(self) -> dict[int, int]:
        return dict(self._sizes)

    def topics(self) -> dict[bytes, int]:
        return dict(self._topics)
