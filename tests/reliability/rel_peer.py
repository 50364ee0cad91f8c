"""A pyzmq peer in its own process, driven by JSON lines on stdin (one reply line each).

    {"op": "socket", "name": "c", "type": "REQ", "options": [["CURVE_SERVERKEY", "..."]]}
    {"op": "connect", "sock": "c", "endpoint": "tcp://127.0.0.1:5555"}
    {"op": "send", "sock": "c", "frames": ["68656c6c6f"]}       (hex frames)
    {"op": "recv", "sock": "c", "timeout": 1000}               -> {"ok": [...hex...]} or {"ok": null}
    {"op": "monitor", "sock": "c"} / {"op": "events", "sock": "c", "timeout": 500}

Replies are {"ok": value} or {"error": "..."}. EOF on stdin ends the peer (linger 0).
"""

from __future__ import annotations

import json
import sys
import time

import zmq
from zmq.utils.monitor import recv_monitor_message

ctx = zmq.Context()
socks: dict[str, zmq.Socket] = {}
monitors: dict[str, zmq.Socket] = {}
EVENT_NAMES = {v: k for k, v in vars(zmq).items() if k.startswith("EVENT_") and isinstance(v, int)}


def op_socket(name: str, type: str, options: list | None = None) -> None:
    s = ctx.socket(getattr(zmq, type))
    s.setsockopt(zmq.LINGER, 0)
    for opt, value in options or []:
        s.setsockopt(getattr(zmq, opt), value.encode() if isinstance(value, str) else value)
    socks[name] = s


def op_bind(sock: str, endpoint: str) -> str:
    socks[sock].bind(endpoint)
    return socks[sock].getsockopt(zmq.LAST_ENDPOINT).decode()


def op_connect(sock: str, endpoint: str) -> None:
    socks[sock].connect(endpoint)


def op_send(sock: str, frames: list[str], timeout: int = 2000) -> bool:
    s = socks[sock]
    s.setsockopt(zmq.SNDTIMEO, timeout)
    try:
        s.send_multipart([bytes.fromhex(f) for f in frames])
    except zmq.Again:
        return False
    return True


def op_send_size(sock: str, size: int, timeout: int = 5000) -> bool:
    """One message of ``size`` bytes (too big to pass as hex)."""
    s = socks[sock]
    s.setsockopt(zmq.SNDTIMEO, timeout)
    try:
        s.send(b"\xee" * size)
    except zmq.Again:
        return False
    return True


def op_recv(sock: str, timeout: int = 1000) -> list[str] | None:
    s = socks[sock]
    if not s.poll(timeout):
        return None
    return [f.hex() for f in s.recv_multipart()]


def op_keypair() -> list[str]:
    public, secret = zmq.curve_keypair()
    return [public.decode(), secret.decode()]


def op_monitor(sock: str) -> None:
    monitors[sock] = socks[sock].get_monitor_socket()


def op_events(sock: str, timeout: int = 500) -> list[list]:
    mon, out = monitors[sock], []
    deadline = time.monotonic() + timeout / 1000
    while (left := deadline - time.monotonic()) > 0:
        if mon.poll(int(left * 1000) + 1):
            ev = recv_monitor_message(mon)
            out.append([EVENT_NAMES.get(ev["event"], str(ev["event"])), ev["value"]])
    return out


def op_close(sock: str) -> None:
    socks.pop(sock).close(linger=0)


def main() -> None:
    ops = {k[3:]: v for k, v in globals().items() if k.startswith("op_")}
    for line in sys.stdin:
        req = json.loads(line)
        try:
            reply = {"ok": ops[req.pop("op")](**req)}
        except Exception as exc:  # noqa: BLE001 - reported to the test
            reply = {"error": repr(exc)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    for m in monitors.values():
        m.close(linger=0)
    ctx.destroy(linger=0)


if __name__ == "__main__":
    main()
