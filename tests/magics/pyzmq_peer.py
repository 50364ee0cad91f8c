"""An independent pyzmq peer for the magic tests (never imports zmqrepl).

    python pyzmq_peer.py pub [--count N] [--interval S] [--topic T] [--prefix P]
        binds an XPUB (sndhwm 0: nothing is dropped) on tcp://127.0.0.1:*, prints
        "ENDPOINT <ep>", waits for the first subscription, then publishes
        [topic, "<prefix>-<i>"] for i in 0..N-1 (N=0: until stopped) and prints "DONE <n>".
    python pyzmq_peer.py rep
        binds a REP, prints "ENDPOINT <ep>", answers [f...] with [b"reply", f...] and
        prints "GOT <hex frames>" per request.
    python pyzmq_peer.py pull
        binds a PULL, prints "ENDPOINT <ep>" and "GOT <hex frames>" per message.

The peer exits when its stdin closes and, as a last resort, after --lifetime seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time

import zmq

if any(name.startswith("zmqrepl") for name in sys.modules):
    raise SystemExit("pyzmq_peer must not import zmqrepl")


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def hexes(frames: list[bytes]) -> str:
    return " ".join(bytes(f).hex() or "-" for f in frames)


def _watch_stdin() -> None:
    try:
        while sys.stdin.buffer.read(1024):
            pass
    except Exception:  # noqa: BLE001 - any end of stdin ends the peer
        pass
    os._exit(0)


def _lifetime(seconds: float) -> None:
    time.sleep(seconds)
    os._exit(3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["pub", "rep", "pull"])
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--interval", type=float, default=0.0)
    ap.add_argument("--topic", default="t")
    ap.add_argument("--prefix", default="m")
    ap.add_argument("--lifetime", type=float, default=60.0)
    args = ap.parse_args()
    threading.Thread(target=_watch_stdin, daemon=True).start()
    threading.Thread(target=_lifetime, args=(args.lifetime,), daemon=True).start()

    ctx = zmq.Context()
    if args.mode == "pub":
        sock = ctx.socket(zmq.XPUB)
        sock.setsockopt(zmq.SNDHWM, 0)
        sock.bind("tcp://127.0.0.1:*")
        say("ENDPOINT " + sock.getsockopt_string(zmq.LAST_ENDPOINT))
        while True:
            sub = sock.recv()
            if sub[:1] == b"\x01":
                break
        topic = args.topic.encode()
        i = 0
        while args.count == 0 or i < args.count:
            sock.send_multipart([topic, f"{args.prefix}-{i}".encode()])
            i += 1
            if args.interval:
                time.sleep(args.interval)
        say(f"DONE {i}")
        while True:
            time.sleep(1)
    sock = ctx.socket(zmq.REP if args.mode == "rep" else zmq.PULL)
    sock.bind("tcp://127.0.0.1:*")
    say("ENDPOINT " + sock.getsockopt_string(zmq.LAST_ENDPOINT))
    while True:
        frames = sock.recv_multipart()
        say("GOT " + hexes(frames))
        if args.mode == "rep":
            sock.send_multipart([b"reply", *frames])


if __name__ == "__main__":
    main()
