"""The receivers of bench/ingest.py, each in a process of its own so that its CPU is its own.

    python -m bench.ingest_peer pyzmq ENDPOINT
    python -m bench.ingest_peer session ENDPOINT [COMMAND ...]

pyzmq: a bare ``recv()`` loop on a SUB (pyzmq's wheel, libzmq's default HWMs). session: a
zmqrepl Session with a SUB named ``s``, subscribed and watched, then any further commands
(a filter, a recording); the session's own counter counts. Both print "ready" once
subscribed, and at the end (one second without a message) one JSON line: messages
received (for the session, also matched by the watch's filter and written by the
recording's filter, if any), and CPU seconds of this process from the first message to the
last.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Sequence

__all__ = ["main"]

SILENCE_S = 1.0


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def bare_pyzmq(endpoint: str) -> dict[str, float]:
    import zmq

    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(endpoint)
    print("ready", flush=True)
    recv = sub.recv
    recv()
    cpu0, t0 = _cpu(), time.monotonic()
    sub.setsockopt(zmq.RCVTIMEO, int(SILENCE_S * 1000))
    count = 1
    try:
        while True:
            recv()
            count += 1
    except zmq.Again:
        pass
    cpu = _cpu() - cpu0
    wall = time.monotonic() - t0 - SILENCE_S
    sub.close(linger=0)
    ctx.term()
    return {"received": count, "cpu": cpu, "wall": wall}


def session(endpoint: str, commands: Sequence[str]) -> dict[str, float]:
    from zmqrepl.session import Session

    s = Session(linger=0)
    # Watched before subscribed: the publisher starts at the subscription.
    for line in ("socket s sub", f"connect s {endpoint}", "watch s", *commands, "subscribe s"):
        s.execute(line)
    print("ready", flush=True)

    def counts() -> tuple[int, int | None, int | None]:
        info = next(i for i in s.sockets() if i.name == "s")
        return info.received, info.matched, info.recorded

    while counts()[0] == 0:
        time.sleep(0.001)
    cpu0, t0 = _cpu(), time.monotonic()
    last, last_change = counts()[0], time.monotonic()
    while time.monotonic() - last_change < SILENCE_S:
        time.sleep(0.05)
        now = counts()[0]
        if now != last:
            last, last_change = now, time.monotonic()
    cpu = _cpu() - cpu0
    wall = last_change - t0
    received, matched, recorded = counts()
    s.close()  # closes the recording too: every line is in the file when this process ends
    return {
        "received": received,
        "matched": -1 if matched is None else matched,
        "recorded": -1 if recorded is None else recorded,
        "cpu": cpu,
        "wall": wall,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    role, endpoint, rest = args[0], args[1], args[2:]
    result = bare_pyzmq(endpoint) if role == "pyzmq" else session(endpoint, rest)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
