"""The pyzmq programs bench/tap.py puts a tap between (never imports zmqrepl).

    python -m bench.tap_peer rep ENDPOINT           binds a REP, echoes until stdin closes
    python -m bench.tap_peer req ENDPOINT N         N round trips of 1 byte: one JSON line of
                                                    every round trip's time in ns (a tenth
                                                    more first, as warm-up)
    python -m bench.tap_peer pull ENDPOINT N        binds a PULL: one JSON line, the rate of
                                                    N messages from the first to the last
    python -m bench.tap_peer push ENDPOINT N        N messages of 1 byte

A bind role prints "ready ENDPOINT" (the port chosen) first.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

import zmq

__all__ = ["main"]


def _bound(ctx: zmq.Context[zmq.Socket[bytes]], kind: int, endpoint: str) -> zmq.Socket[bytes]:
    sock = ctx.socket(kind)
    sock.setsockopt(zmq.LINGER, 0)
    sock.bind(endpoint)
    print("ready", sock.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)
    return sock


def main(argv: list[str]) -> int:
    role, endpoint = argv[0], argv[1]
    n = int(argv[2]) if len(argv) > 2 else 0
    ctx: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
    if role == "rep":
        sock = _bound(ctx, zmq.REP, endpoint)

        def serve() -> None:
            while True:
                sock.send(sock.recv())

        threading.Thread(target=serve, daemon=True).start()
        sys.stdin.read()  # until the driver closes it
        os._exit(0)  # the server thread is blocked in recv: never wait for it
    elif role == "req":
        sock = ctx.socket(zmq.REQ)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(endpoint)
        send, recv, clock = sock.send, sock.recv, time.perf_counter_ns
        times = []
        for i in range(n + n // 10):
            start = clock()
            send(b"x")
            recv()
            if i >= n // 10:
                times.append(clock() - start)
        print(json.dumps(times), flush=True)
    elif role == "pull":
        sock = _bound(ctx, zmq.PULL, endpoint)
        recv = sock.recv
        recv()
        first = time.perf_counter()
        for _ in range(n - 1):
            recv()
        print(json.dumps((n - 1) / (time.perf_counter() - first)), flush=True)
    elif role == "push":
        sock = ctx.socket(zmq.PUSH)
        sock.setsockopt(zmq.LINGER, -1)  # every message goes before the process ends
        sock.connect(endpoint)
        send = sock.send
        for _ in range(n):
            send(b"x")
        sock.close()
        ctx.term()  # waits until every message is sent (linger -1)
        return 0
    else:
        print(f"unknown role {role}", file=sys.stderr)
        return 2
    ctx.destroy(linger=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
