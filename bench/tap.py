"""What a tap costs: the REQ/REP round trip over tcp with and without a Session tap between
the two programs, and the messages a pipeline tap forwards per second.

    .venv/bin/python -m bench.tap [--round-trips N] [--messages N] [--runs N]

The client and the server are pyzmq in processes of their own (bench/tap_peer.py), under
this interpreter (pyzmq's wheel, with its own libzmq); the tap is a zmqrepl Session in this
process, forwarding in its engine thread. Latency: N round trips of 1 byte, after a tenth
as warm-up, every one timed by the client; p50 and p99, direct (client to server) and
through the tap (as made; with --spin 0; watched), and through libzmq's zmq_proxy (C, in a
thread of this process) for comparison; "added" is the difference to direct. Throughput:
a PUSH client sends 1-byte messages to a pipeline tap in front of a PULL server, which
times them from the first to the last; direct for comparison. Runs alternate direct and
tapped; the table shows medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
from pathlib import Path
from typing import Sequence

from zmqrepl.core import Context, Option, Socket, proxy
from zmqrepl.session import Session, TapStarted

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
LOCAL = "tcp://127.0.0.1:*"


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.tap_peer", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=str(ROOT),
    )


def _ready(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    word, endpoint = proc.stdout.readline().split()
    assert word == "ready", word
    return endpoint


def _result(proc: subprocess.Popen[str], timeout: float = 300.0) -> object:
    out, _ = proc.communicate(timeout=timeout)
    return json.loads(out.splitlines()[-1])


def _tap(session: Session, target: str, pattern: str, extra: str = "") -> str:
    started = session.execute(f"tap t {LOCAL} {target} --pattern {pattern} {extra}")
    assert isinstance(started, TapStarted)
    return started.listen


def _percentiles(times_ns: list[int]) -> tuple[float, float]:
    ordered = sorted(times_ns)
    return ordered[len(ordered) // 2] / 1000, ordered[min(len(ordered) - 1, len(ordered) * 99 // 100)] / 1000


class _Proxy:
    """libzmq's own zmq_proxy (C, ROUTER/DEALER) in a thread: the floor a forwarder in
    this process can reach, for comparison with the tap."""

    def __init__(self, target: str) -> None:
        self.ctx = Context()
        front, back = Socket("router", self.ctx), Socket("dealer", self.ctx)
        for sock in (front, back):
            sock.set(Option.LINGER, 0)
        self.endpoint = front.bind(LOCAL)
        back.connect(target)
        # The sockets move to the proxy thread before it starts and never come back.
        self.thread = threading.Thread(target=proxy, args=(front, back), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.ctx.term()  # the proxy returns and closes its sockets
        self.thread.join(timeout=10)


def latency(round_trips: int, how: str) -> tuple[float, float]:
    """(p50, p99) in us of a REQ/REP round trip over tcp: direct, through a tap (as made,
    with --spin 0, or watched) or through zmq_proxy."""
    server = _start("rep", LOCAL)
    session = Session(linger=0)
    forwarder = None
    try:
        target = _ready(server)
        endpoint = target
        if how.startswith("tap"):
            endpoint = _tap(session, target, "reqrep", "--spin 0" if how == "tap-nospin" else "")
            if how == "tap-watched":
                session.execute("watch t")
        elif how == "proxy":
            forwarder = _Proxy(target)
            endpoint = forwarder.endpoint
        times = _result(_start("req", endpoint, str(round_trips)))
        assert isinstance(times, list)
        return _percentiles(times)
    finally:
        session.close()
        if forwarder is not None:
            forwarder.stop()
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=10)


def throughput(messages: int, tapped: bool) -> float:
    """Messages per second a PULL server gets over tcp, from a PUSH client."""
    server = _start("pull", LOCAL, str(messages))
    session = Session(linger=0)
    try:
        target = _ready(server)
        endpoint = _tap(session, target, "pipeline") if tapped else target
        client = _start("push", endpoint, str(messages))
        rate = _result(server)
        client.wait(timeout=60)
        assert isinstance(rate, float)
        return rate
    finally:
        session.close()


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.tap", description=__doc__.split("\n\n")[0])
    ap.add_argument("--round-trips", type=int, default=20000)
    ap.add_argument("--messages", type=int, default=500000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    hows = ("direct", "tap", "tap-nospin", "tap-watched", "proxy")
    lat: dict[str, list[tuple[float, float]]] = {h: [] for h in hows}
    rate: dict[bool, list[float]] = {False: [], True: []}
    for run in range(args.runs):
        for how in hows:
            lat[how].append(latency(args.round_trips, how))
        for tapped in (False, True):
            rate[tapped].append(throughput(args.messages, tapped))
        print(f"run {run + 1}: {lat} {rate}", file=sys.stderr, flush=True)
    p50 = {h: statistics.median(x[0] for x in lat[h]) for h in hows}
    p99 = {h: statistics.median(x[1] for x in lat[h]) for h in hows}
    msgs = {t: statistics.median(rate[t]) for t in rate}
    print(
        f"REQ/REP over tcp, 1 B, {args.round_trips} round trips; pipeline {args.messages} x 1 B; "
        f"medians of {args.runs} runs"
    )
    print()
    columns = (
        ("tap", "through the tap"),
        ("tap-nospin", "tap --spin 0"),
        ("tap-watched", "tap, watched"),
        ("proxy", "zmq_proxy (C)"),
    )
    print("| | direct | " + " | ".join(f"{title} | added" for _, title in columns) + " |")
    print("|---|---:|" + "---:|---:|" * len(columns))
    for label, q in (("round trip p50 (us)", p50), ("round trip p99 (us)", p99)):
        cells = " | ".join(f"{q[h]:.1f} | {q[h] - q['direct']:.1f}" for h, _ in columns)
        print(f"| {label} | {q['direct']:.1f} | {cells} |")
    print(f"| pipeline (msg/s) | {msgs[False]:,.0f} | {msgs[True]:,.0f} |" + " |" * (2 * len(columns) - 1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
