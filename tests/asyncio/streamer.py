"""A pyzmq peer for the async tests, in a process of its own (never imports zmqrepl).

    python -m tests.asyncio.streamer push ENDPOINT COUNT [BURST]
        connects a PUSH and sends COUNT messages, each the 8-byte big-endian number i, in
        bursts of BURST (0: all at once) with a 0.2 ms pause between bursts (the pace of the
        stream, so that receivers often find nothing queued and wait)
    python -m tests.asyncio.streamer pull ENDPOINT COUNT
        connects a PULL, receives COUNT numbered messages, then prints "ok" if they came
        in order, 0 to COUNT - 1, or the first one out of place
It prints "done" after its last send or receive and exits when stdin closes (or after 60 s).
"""

from __future__ import annotations

import os
import sys
import threading
import time

import zmq

if any(name == "zmqrepl" or name.startswith("zmqrepl.") for name in sys.modules):
    raise SystemExit("the test peer must not import zmqrepl")


def push(sock: zmq.Socket[bytes], count: int, burst: int) -> None:
    for i in range(count):
        sock.send(i.to_bytes(8, "big"))
        if burst and i % burst == burst - 1:
            time.sleep(0.0002)
    print("done", flush=True)


def pull(sock: zmq.Socket[bytes], count: int) -> None:
    for i in range(count):
        got = int.from_bytes(sock.recv(), "big")
        if got != i:
            print(f"bad {got} at {i}", flush=True)
            return
    print("ok", flush=True)


def main() -> None:
    watchdog = threading.Timer(60.0, lambda: os._exit(3))
    watchdog.daemon = True
    watchdog.start()
    mode, endpoint, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH if mode == "push" else zmq.PULL)
    sock.setsockopt(zmq.LINGER, 2000)
    sock.connect(endpoint)
    if mode == "push":
        work = threading.Thread(target=push, args=(sock, count, int(sys.argv[4]) if len(sys.argv) > 4 else 0))
    else:
        work = threading.Thread(target=pull, args=(sock, count))
    work.daemon = True
    work.start()
    sys.stdin.read()  # the test closes stdin when it is done with us
    os._exit(0)


if __name__ == "__main__":
    main()
