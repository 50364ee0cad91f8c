"""A remote-controlled pyzmq peer for the interoperability tests.

Run as ``python pyzmq_peer.py``; it imports only pyzmq (never zmqrepl) and
obeys one JSON command per line on stdin, answering one JSON line on stdout:
``{"ok": true, "result": ...}`` or ``{"ok": false, "error": "..."}``.
Binary frames travel as hex strings. Large payloads never cross the pipe:
``send_random`` and ``recv_digest`` only report sizes and SHA-256 digests.

The peer exits when stdin closes (the test process went away) and, as a last
resort, after ``--lifetime`` seconds, so it can never outlive a test run.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import time
import traceback

import zmq  # pyzmq: if it is missing the peer dies at once and every test fails loudly
from zmq.utils import z85

if any(name == "zmqrepl" or name.startswith("zmqrepl.") for name in sys.modules):
    raise SystemExit("pyzmq_peer must not import zmqrepl")

CTX = zmq.Context()
SOCKETS: dict[str, zmq.Socket] = {}
ZAP_LOG: list[dict[str, str]] = []


def _frames(hexes: list[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in hexes]


def _hexes(frames: list[bytes]) -> list[str]:
    return [bytes(f).hex() for f in frames]


def _value(v: object) -> object:
    if isinstance(v, dict):
        return bytes.fromhex(v["hex"])
    if isinstance(v, str):
        return v.encode("ascii")
    return v


def op_hello() -> dict[str, object]:
    return {"pyzmq": zmq.pyzmq_version(), "libzmq": zmq.zmq_version(), "pid": os.getpid(),
            "zmqrepl_loaded": any(n.startswith("zmqrepl") for n in sys.modules)}


def op_socket(name: str, type: str, options: list[list[object]] = ()) -> None:
    sock = CTX.socket(getattr(zmq, type))
    sock.setsockopt(zmq.LINGER, 0)
    for opt, value in options:
        sock.setsockopt(getattr(zmq, opt), _value(value))
    SOCKETS[name] = sock


def op_setsockopt(sock: str, opt: str, value: object) -> None:
    SOCKETS[sock].setsockopt(getattr(zmq, opt), _value(value))


def op_bind(sock: str, endpoint: str) -> str:
    SOCKETS[sock].bind(endpoint)
    return SOCKETS[sock].getsockopt_string(zmq.LAST_ENDPOINT)


def op_connect(sock: str, endpoint: str) -> None:
    SOCKETS[sock].connect(endpoint)


def op_disconnect(sock: str, endpoint: str) -> None:
    SOCKETS[sock].disconnect(endpoint)


def op_close(sock: str) -> None:
    SOCKETS.pop(sock).close(linger=0)


def op_send(sock: str, frames: list[str], timeout: int = 5000) -> None:
    s = SOCKETS[sock]
    s.setsockopt(zmq.SNDTIMEO, timeout)
    s.send_multipart(_frames(frames))


def op_send_many(sock: str, messages: list[list[str]], timeout: int = 5000) -> int:
    s = SOCKETS[sock]
    s.setsockopt(zmq.SNDTIMEO, timeout)
    for msg in messages:
        s.send_multipart(_frames(msg))
    return len(messages)


def _recv(s: zmq.Socket, deadline: float) -> list[bytes] | None:
    left = int((deadline - time.monotonic()) * 1000)
    if left <= 0 or not s.poll(left, zmq.POLLIN):
        return None
    return s.recv_multipart()


def op_recv(sock: str, count: int = 1, timeout: int = 5000) -> dict[str, object]:
    """Up to ``count`` messages, waiting at most ``timeout`` ms in all."""
    s = SOCKETS[sock]
    deadline = time.monotonic() + timeout / 1000
    got: list[list[str]] = []
    while len(got) < count:
        msg = _recv(s, deadline)
        if msg is None:
            break
        got.append(_hexes(msg))
    return {"messages": got, "timed_out": len(got) < count}


def op_recv_until(sock: str, last: list[str], timeout: int = 5000) -> dict[str, object]:
    """Every message up to and including the first one equal to ``last``."""
    s = SOCKETS[sock]
    deadline = time.monotonic() + timeout / 1000
    got: list[list[str]] = []
    while True:
        msg = _recv(s, deadline)
        if msg is None:
            return {"messages": got, "timed_out": True}
        got.append(_hexes(msg))
        if got[-1] == last:
            return {"messages": got, "timed_out": False}


def op_send_random(sock: str, size: int, timeout: int = 10000) -> dict[str, object]:
    data = os.urandom(size)
    s = SOCKETS[sock]
    s.setsockopt(zmq.SNDTIMEO, timeout)
    s.send(data, copy=False)
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def op_recv_digest(sock: str, timeout: int = 10000) -> dict[str, object]:
    s = SOCKETS[sock]
    if not s.poll(timeout, zmq.POLLIN):
        return {"timed_out": True, "frames": []}
    frames = s.recv_multipart(copy=False)
    return {"timed_out": False,
            "frames": [[len(f.buffer), hashlib.sha256(f.buffer).hexdigest()] for f in frames]}


def op_curve_keypair() -> list[str]:
    public, secret = zmq.curve_keypair()
    return [public.decode("ascii"), secret.decode("ascii")]


def op_get(sock: str, opt: str) -> object:
    value = SOCKETS[sock].getsockopt(getattr(zmq, opt))
    return bytes(value).hex() if isinstance(value, bytes) else value


def _zap_loop(handler: zmq.Socket) -> None:
    while True:
        try:
            msg = handler.recv_multipart()
        except zmq.ZMQError:
            return
        version, request_id = msg[0], msg[1]
        try:
            domain, address, _identity, mechanism = msg[2:6]
            ZAP_LOG.append({
                "mechanism": mechanism.decode(), "domain": domain.decode(),
                "address": address.decode(),
                "credentials": [z85.encode(c).decode() if len(c) == 32 else c.hex() for c in msg[6:]],
            })
            status = [b"200", b"OK", b"interop-user", b""]
        except Exception as exc:  # noqa: BLE001 - reported back to the test
            ZAP_LOG.append({"error": repr(exc)})
            status = [b"500", b"peer ZAP handler failed", b"", b""]
        handler.send_multipart([version, request_id, *status])


def op_zap_start() -> None:
    handler = CTX.socket(zmq.REP)
    handler.setsockopt(zmq.LINGER, 0)
    handler.bind("inproc://zeromq.zap.01")
    threading.Thread(target=_zap_loop, args=(handler,), daemon=True).start()


def op_zap_log() -> list[dict[str, str]]:
    return list(ZAP_LOG)


def main() -> None:
    lifetime = float(sys.argv[sys.argv.index("--lifetime") + 1]) if "--lifetime" in sys.argv else 60.0
    watchdog = threading.Timer(lifetime, lambda: os._exit(3))
    watchdog.daemon = True
    watchdog.start()
    out = sys.stdout
    for line in sys.stdin:
        cmd = json.loads(line)
        op = cmd.pop("op")
        if op == "exit":
            out.write(json.dumps({"ok": True, "result": None}) + "\n")
            out.flush()
            break
        try:
            result = globals()["op_" + op](**cmd)
            reply = {"ok": True, "result": result}
        except Exception as exc:  # noqa: BLE001 - reported back to the test
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                     "traceback": traceback.format_exc()}
        out.write(json.dumps(reply) + "\n")
        out.flush()
    # Never wait for linger or a blocked ZAP thread: the test owns the timing.
    os._exit(0)


if __name__ == "__main__":
    main()
