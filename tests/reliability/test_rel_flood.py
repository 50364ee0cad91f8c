"""A watch under a flood of 5,000,000 small messages (issue 6, item 6): exact counts, flat RSS.

The sender is a small C program (sender.c) compiled at test time against the system
libzmq: a PUSH socket never drops, so the session must count exactly what was sent. It
holds its connection until the session has counted everything ("hold"): a sender that
exits as soon as libzmq has handed its messages to the kernel hangs up on a session that
may still be reading them, and the session's next heartbeat then loses the rest (see
sender.c; seen twice in CI as a count 50,000 short).
RSS bound: after a warm-up of WARMUP messages, VmRSS may grow at most RSS_BOUND_MIB
(the watch buffer, the event log and libzmq's queues are all bounded).
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.support import executed
from zmqrepl.session import Bound, Session

from .rel_support import Processes, rss_kib

COUNT = 5_000_000
SIZE = 16
WARMUP = 500_000
RSS_BOUND_MIB = 64
DEADLINE_S = 150  # a hang guard only, not a speed requirement


def _timeline(samples: list[tuple[float, int, int]], t0: float) -> str:
    """The count once a second: where a flood that lost messages stalled, if it did."""
    shown, next_at = [], 0.0
    for at, n, _ in samples:
        if at - t0 >= next_at:
            shown.append(f"{at - t0:.0f}s {n:,}")
            next_at = at - t0 + 1.0
    return "; ".join(shown)


@pytest.mark.timeout(240)
def test_watch_flood_exact_counts_and_flat_rss(sender: Path, procs: Processes) -> None:
    session = Session(linger=0)
    samples: list[tuple[float, int, int]] = []  # (time, received, rss KiB)
    stop = threading.Event()

    def received() -> int:
        return session.sockets()[0].received

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.monotonic(), received(), rss_kib()))
            stop.wait(0.2)

    try:
        session.run("socket s pull; set s rcvhwm 100000")
        endpoint = executed(session, "bind s tcp://127.0.0.1:*", Bound).endpoint
        session.execute("watch s")
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.monotonic()
        proc = procs.start(
            [str(sender), endpoint, str(COUNT), str(SIZE), "0", "hold"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = t0 + DEADLINE_S
        while received() < COUNT and time.monotonic() < deadline:
            time.sleep(0.05)
        elapsed = time.monotonic() - t0
        out, err = proc.communicate(timeout=30)  # closes its stdin: the sender hangs up now
        assert proc.returncode == 0, err
        sent = int(out.split()[1])
        time.sleep(0.3)  # anything beyond COUNT would show now
        stop.set()
        sampler.join(timeout=5)
        info = session.sockets()[0]
        buffer = session.watch_buffer("s")
    finally:
        stop.set()
        session.close()

    assert sent == COUNT
    assert info.received == sent, (
        f"sent {sent}, counted {info.received} after {elapsed:.1f} s; the sender took {out.split()[2]} s; "
        f"counted by time: {_timeline(samples, t0)}"
    )
    assert "watch" in info.flags
    assert len(buffer) <= 200 and buffer[-1].sizes == (SIZE,)
    assert int.from_bytes(buffer[-1].frames[0][:8], "little") == COUNT - 1  # the last one, in order
    warm = next(rss for _, n, rss in samples if n >= WARMUP)
    peak = max(rss for _, n, rss in samples if n >= WARMUP)
    end = samples[-1][2]
    start = samples[0][2]
    print(
        f"\nflood: {sent:,} messages of {SIZE} B in {elapsed:.1f} s = {sent / elapsed:,.0f} msg/s; "
        f"RSS start {start / 1024:.1f} MiB, after warm-up {warm / 1024:.1f} MiB, "
        f"peak {peak / 1024:.1f} MiB, end {end / 1024:.1f} MiB (bound: warm-up + {RSS_BOUND_MIB} MiB)"
    )
    assert peak - warm < RSS_BOUND_MIB * 1024, f"RSS grew {(peak - warm) / 1024:.1f} MiB under the flood"
