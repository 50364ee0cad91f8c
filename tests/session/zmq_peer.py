"""An independent pyzmq peer for the session and shell tests (never imports zmqrepl).

    python zmq_peer.py pub [--count N] [--interval S] [--prefix TEXT] [--topic T]
        binds an XPUB on tcp://127.0.0.1:*, prints "ENDPOINT <ep>", waits for the first
        subscription, then publishes [topic, "<prefix>-<i>"] for i in 0..N-1 (N=0: forever),
        printing "DONE <n>" after the last one.
    python zmq_peer.py rep
        binds a REP, prints "ENDPOINT <ep>", answers every request [f...] with
        [b"reply", f...] and prints "GOT <hex frames>" per request.
    python zmq_peer.py req ENDPOINT FRAME...
        connects a REQ, sends the frames, prints "REPLY <hex frames>" for the answer.
    python zmq_peer.py pull
        binds a PULL, prints "ENDPOINT <ep>", prints "GOT <hex frames>" per message.

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
    raise SystemExit("zmq_peer must not import zmqrepl")


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def hexes(frames: list[bytes]) -> str:
    return " ".join(bytes(f).hex() for f in frames)


def _watch_stdin() -> None:
    try:
        while sys.stdin.buffer.read(1024):
            pass
    except (OSError, ValueError):
        pass
    os._exit(0)


def _lifetime(seconds: float) -> None:
    time.sleep(seconds)
    os._exit(3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["pub", "rep", "req", "pull"])
    ap.add_argument("rest", nargs="*")
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--interval", type=float, default=0.0)
    ap.add_argument("--prefix", default="msg")
    ap.add_argument("--topic", default="t")
    ap.add_argument("--lifetime", type=float, default=60.0)
    ap.add_argument("--no-stdin-watch", action="store_true")
    args = ap.parse_args()
    if not args.no_stdin_watch:
        threading.Thread(target=_watch_stdin, daemon=True).start()
    threading.Thread(target=_lifetime, args=(args.lifetime,), daemon=True).start()

    ctx = zmq.Context()
    if args.mode == "pub":
        sock = ctx.socket(zmq.XPUB)
        sock.setsockopt(zmq.LINGER, 2000)
        sock.setsockopt(zmq.SNDHWM, 0)
        sock.bind("tcp://127.0.0.1:*")
        say("ENDPOINT " + sock.getsockopt_string(zmq.LAST_ENDPOINT))
        sub = sock.recv()  # the first subscription: a subscriber is connected now
        say("SUBSCRIBED " + sub.hex())
        i = 0
        topic = args.topic.encode()
        while args.count == 0 or i < args.count:
            sock.send_multipart([topic, f"{args.prefix}-{i}".encode()])
            i += 1
            if args.interval:
                time.sleep(args.interval)
        say(f"DONE {i}")
        while True:
            time.sleep(1)
    elif args.mode in ("rep", "pull"):
        sock = ctx.socket(zmq.REP if args.mode == "rep" else zmq.PULL)
        sock.setsockopt(zmq.LINGER, 1000)
        sock.bind("tcp://127.0.0.1:*")
        say("ENDPOINT " + sock.getsockopt_string(zmq.LAST_ENDPOINT))
        while True:
            frames = sock.recv_multipart()
            say("GOT " + hexes(frames))
            if args.mode == "rep":
                sock.send_multipart([b"reply", *frames])
    elif args.mode == "req":
        sock = ctx.socket(zmq.REQ)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(args.rest[0])
        sock.send_multipart([f.encode() for f in args.rest[1:]])
        say("REPLY " + hexes(sock.recv_multipart()))
        os._exit(0)


if __name__ == "__main__":
    main()
