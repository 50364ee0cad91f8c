"""The test peer: pyzmq in a process of its own (never imports zmqrepl).

    python -m tests.peers ROLE [ARGS] [--count N] [--interval S] [--topic T] [--prefix P]
                               [--lifetime S]

Roles (bind roles take an optional ENDPOINT, default tcp://127.0.0.1:*):
    ops                  no socket of its own: driven by commands on stdin only
    pub [ENDPOINT]       binds an XPUB (sndhwm 0: nothing dropped), waits for the first
                         subscription, publishes [topic, "<prefix>-<i>"] for i < N (N=0: forever),
                         then what the "publish" command gives it
    rep [ENDPOINT]       answers every request [f...] with [b"reply", f...]
    pull [ENDPOINT]      receives
    req ENDPOINT FRAME.. connects a REQ, sends the frames, reports the reply
    reqs ENDPOINT        connects a REQ, sends N requests "<prefix>-<i>" one after the other
                         (each after the last reply), reports each reply, then done

stdout carries one JSON object per line, {"event": NAME, ...}:
    ready       {"endpoint": bound endpoint or null, "pyzmq", "libzmq", "pid"}: always first
    subscribed  {"frame": hex}       pub: a subscriber is connected and subscribed
    done        {"count": n}         pub: the last message is sent; reqs: the last reply came
    got         {"frames": [hex]}    rep, pull: one message received
    reply       {"frames": [hex]}    req, reqs: an answer
    result      {"id", "ok", "result" | "error"}: the answer to one command on stdin

stdin carries commands, one JSON object per line, {"id": n, "op": NAME, ...arguments}, in any
role (see the op_ functions). Frames and byte values travel as hex. The peer exits when stdin
closes and, as a last resort, after --lifetime seconds, so it never outlives a test run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import queue
import sys
import threading
import time
import traceback
from typing import Any

import zmq
from zmq.utils import z85
from zmq.utils.monitor import recv_monitor_message

if any(name == "zmqrepl" or name.startswith("zmqrepl.") for name in sys.modules):
    raise SystemExit("the test peer must not import zmqrepl")

CTX = zmq.Context()
SOCKETS: dict[str, zmq.Socket[bytes]] = {}
MONITORS: dict[str, zmq.Socket[bytes]] = {}
ZAP_LOG: list[dict[str, Any]] = []
EVENT_NAMES = {v: k for k, v in vars(zmq).items() if k.startswith("EVENT_") and isinstance(v, int)}
_out = threading.Lock()
# pub role: messages to publish after "done", from the role thread (which owns the socket)
_PUBLISH: queue.Queue[tuple[list[bytes], threading.Event]] = queue.Queue()


def say(event: str, **fields: Any) -> None:
    """One JSON line on stdout; role thread and command loop share the stream."""
    line = json.dumps({"event": event, **fields}) + "\n"
    with _out:
        sys.stdout.write(line)
        sys.stdout.flush()


def _frames(hexes: list[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in hexes]


def _hexes(frames: list[Any]) -> list[str]:
    return [bytes(f).hex() for f in frames]


def _value(v: Any) -> Any:
    """An option value: {"hex": ...} is bytes, a string is its UTF-8 bytes, a number a number."""
    if isinstance(v, dict):
        return bytes.fromhex(v["hex"])
    if isinstance(v, str):
        return v.encode("utf-8")
    return v


# -- commands (any role) ------------------------------------------------------------------


def op_hello() -> dict[str, Any]:
    return {
        "pyzmq": zmq.pyzmq_version(),
        "libzmq": zmq.zmq_version(),
        "pid": os.getpid(),
        "zmqrepl_loaded": any(n.startswith("zmqrepl") for n in sys.modules),
    }


def op_socket(name: str, type: str, options: list[list[Any]] | None = None) -> None:
    sock = CTX.socket(getattr(zmq, type))
    sock.setsockopt(zmq.LINGER, 0)
    for opt, value in options or []:
        sock.setsockopt(getattr(zmq, opt), _value(value))
    SOCKETS[name] = sock


def op_setsockopt(sock: str, opt: str, value: Any) -> None:
    SOCKETS[sock].setsockopt(getattr(zmq, opt), _value(value))


def op_get(sock: str, opt: str) -> Any:
    value = SOCKETS[sock].getsockopt(getattr(zmq, opt))
    return bytes(value).hex() if isinstance(value, bytes) else value


def op_bind(sock: str, endpoint: str) -> str:
    SOCKETS[sock].bind(endpoint)
    return SOCKETS[sock].getsockopt_string(zmq.LAST_ENDPOINT)


def op_connect(sock: str, endpoint: str, send: list[str] | None = None) -> bool | None:
    """Connect; with ``send``, queue that message at once, in the same breath: a client the
    server refuses loses its pipe some 10-40 ms after connecting (libzmq ends the session
    when the handshake fails), so a later send would find no peer. Returns whether the
    message was queued (None without ``send``)."""
    s = SOCKETS[sock]
    s.connect(endpoint)
    if send is None:
        return None
    try:
        s.send_multipart(_frames(send), zmq.NOBLOCK)
    except zmq.Again:
        return False
    return True


def op_disconnect(sock: str, endpoint: str) -> None:
    SOCKETS[sock].disconnect(endpoint)


def op_close(sock: str) -> None:
    mon = MONITORS.pop(sock, None)
    if mon is not None:
        SOCKETS[sock].disable_monitor()
        mon.close(linger=0)
    SOCKETS.pop(sock).close(linger=0)


def op_send(sock: str, frames: list[str], timeout: int = 5000) -> bool:
    """One message; fails (zmq.Again) if it cannot be queued within ``timeout`` ms."""
    s = SOCKETS[sock]
    s.setsockopt(zmq.SNDTIMEO, timeout)
    s.send_multipart(_frames(frames))
    return True


def op_send_many(sock: str, messages: list[list[str]], timeout: int = 5000) -> int:
    s = SOCKETS[sock]
    s.setsockopt(zmq.SNDTIMEO, timeout)
    for msg in messages:
        s.send_multipart(_frames(msg))
    return len(messages)


def op_flood(sock: str, frames: list[str], count: int, pad: int = 0, timeout: int = 500) -> int:
    """Up to ``count`` copies of one message (``frames``, then ``pad`` bytes 0xee if pad), each
    queued within ``timeout`` ms; stops at the first that cannot be. Returns how many went."""
    s = SOCKETS[sock]
    s.setsockopt(zmq.SNDTIMEO, timeout)
    msg = _frames(frames) + ([b"\xee" * pad] if pad else [])
    for i in range(count):
        try:
            s.send_multipart(msg)
        except zmq.Again:
            return i
    return count


def op_send_size(sock: str, size: int, timeout: int = 10000) -> bool:
    """One frame of ``size`` bytes 0xee (too big to pass as hex)."""
    s = SOCKETS[sock]
    s.setsockopt(zmq.SNDTIMEO, timeout)
    s.send(b"\xee" * size, copy=False)
    return True


def op_send_random(sock: str, size: int, timeout: int = 10000) -> dict[str, Any]:
    data = os.urandom(size)
    s = SOCKETS[sock]
    s.setsockopt(zmq.SNDTIMEO, timeout)
    s.send(data, copy=False)
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _recv(s: zmq.Socket[bytes], deadline: float) -> list[bytes] | None:
    left = int((deadline - time.monotonic()) * 1000)
    if left <= 0 or not s.poll(left, zmq.POLLIN):
        return None
    return s.recv_multipart()


def op_recv(sock: str, count: int = 1, timeout: int = 5000) -> dict[str, Any]:
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


def op_recv_until(sock: str, last: list[str], timeout: int = 5000) -> dict[str, Any]:
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


def op_recv_digest(sock: str, timeout: int = 10000) -> dict[str, Any]:
    s = SOCKETS[sock]
    if not s.poll(timeout, zmq.POLLIN):
        return {"timed_out": True, "frames": []}
    frames = s.recv_multipart(copy=False)
    return {
        "timed_out": False,
        "frames": [[len(f.buffer), hashlib.sha256(f.buffer).hexdigest()] for f in frames],
    }


def op_curve_keypair() -> list[str]:
    public, secret = zmq.curve_keypair()
    return [public.decode("ascii"), secret.decode("ascii")]


op_keypair = op_curve_keypair  # the name the reliability tests used


def op_monitor(sock: str) -> None:
    MONITORS[sock] = SOCKETS[sock].get_monitor_socket()


def op_events(sock: str, timeout: int = 500, until: str = "") -> list[list[Any]]:
    """Monitor events as [name, value] for ``timeout`` ms, or until one named ``until``."""
    mon, out = MONITORS[sock], []
    deadline = time.monotonic() + timeout / 1000
    while (left := deadline - time.monotonic()) > 0:
        if mon.poll(int(left * 1000) + 1):
            ev = recv_monitor_message(mon)
            out.append([EVENT_NAMES.get(ev["event"], str(ev["event"])), ev["value"]])
            if out[-1][0] == until:
                break
    return out


def _zap_loop(handler: zmq.Socket[bytes]) -> None:
    while True:
        try:
            msg = handler.recv_multipart()
        except zmq.ZMQError:
            return
        version, request_id = msg[0], msg[1]
        try:
            domain, address, _identity, mechanism = msg[2:6]
            ZAP_LOG.append(
                {
                    "mechanism": mechanism.decode(),
                    "domain": domain.decode(),
                    "address": address.decode(),
                    "credentials": [z85.encode(c).decode() if len(c) == 32 else c.hex() for c in msg[6:]],
                }
            )
            status = [b"200", b"OK", b"interop-user", b""]
        except Exception as exc:  # noqa: BLE001 - reported back to the test
            ZAP_LOG.append({"error": repr(exc)})
            status = [b"500", b"peer ZAP handler failed", b"", b""]
        handler.send_multipart([version, request_id, *status])


def op_zap_start() -> None:
    """A ZAP handler that allows everyone (user id "interop-user") and logs each request."""
    handler = CTX.socket(zmq.REP)
    handler.setsockopt(zmq.LINGER, 0)
    handler.bind("inproc://zeromq.zap.01")
    threading.Thread(target=_zap_loop, args=(handler,), daemon=True).start()


def op_publish(frames: list[str], timeout: int = 5000) -> bool:
    """pub role: one more message on the role's XPUB, once it has said "done". Sent over the
    same connection after all the others, it arrives after them: a marker that every earlier
    message is in."""
    sent = threading.Event()
    _PUBLISH.put((_frames(frames), sent))
    if not sent.wait(timeout / 1000):
        raise TimeoutError("the pub role is still publishing (or this is not a pub peer)")
    return True


def op_zap_log() -> list[dict[str, Any]]:
    return list(ZAP_LOG)


# -- roles --------------------------------------------------------------------------------


def _bound(kind: int, endpoint: str, linger: int) -> zmq.Socket[bytes]:
    sock = CTX.socket(kind)
    sock.setsockopt(zmq.LINGER, linger)
    if kind == zmq.XPUB:
        sock.setsockopt(zmq.SNDHWM, 0)
    sock.bind(endpoint)
    return sock


def role_pub(sock: zmq.Socket[bytes], args: argparse.Namespace) -> None:
    while True:
        sub = sock.recv()
        if sub[:1] == b"\x01":
            break
    say("subscribed", frame=sub.hex())
    topic = args.topic.encode()
    i = 0
    while args.count == 0 or i < args.count:
        sock.send_multipart([topic, f"{args.prefix}-{i}".encode()])
        i += 1
        if args.interval:
            time.sleep(args.interval)  # the pace of the publisher, not a synchronisation
    say("done", count=i)
    while True:
        frames, sent = _PUBLISH.get()
        sock.send_multipart(frames)
        sent.set()


def role_receive(sock: zmq.Socket[bytes], answer: bool) -> None:
    while True:
        frames = sock.recv_multipart()
        say("got", frames=_hexes(frames))
        if answer:
            sock.send_multipart([b"reply", *frames])


def role_req(endpoint: str, frames: list[str]) -> None:
    sock = CTX.socket(zmq.REQ)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(endpoint)
    sock.send_multipart([f.encode() for f in frames])
    say("reply", frames=_hexes(sock.recv_multipart()))


def role_reqs(endpoint: str, args: argparse.Namespace) -> None:
    sock = CTX.socket(zmq.REQ)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(endpoint)
    for i in range(args.count):
        sock.send(f"{args.prefix}-{i}".encode())
        say("reply", frames=_hexes(sock.recv_multipart()))
    say("done", count=args.count)


def start_role(args: argparse.Namespace) -> tuple[str | None, threading.Thread | None]:
    """Make the role's socket (bound, for bind roles) and its thread, not yet started: the
    thread may only report what it receives after ``ready`` went out."""
    rest = args.rest
    work: Any = None
    endpoint = None
    if args.role in ("pub", "rep", "pull"):
        kind = {"pub": zmq.XPUB, "rep": zmq.REP, "pull": zmq.PULL}[args.role]
        sock = _bound(kind, rest[0] if rest else "tcp://127.0.0.1:*", 2000 if kind == zmq.XPUB else 1000)
        endpoint = sock.getsockopt_string(zmq.LAST_ENDPOINT)
        work = (
            (lambda: role_pub(sock, args))
            if args.role == "pub"
            else (lambda: role_receive(sock, args.role == "rep"))
        )
    elif args.role == "req":
        work = lambda: role_req(rest[0], rest[1:])  # noqa: E731
    elif args.role == "reqs":
        work = lambda: role_reqs(rest[0], args)  # noqa: E731
    thread = None if work is None else threading.Thread(target=work, name=args.role, daemon=True)
    return endpoint, thread


def serve_commands() -> None:
    ops = {k[3:]: v for k, v in globals().items() if k.startswith("op_")}
    for line in sys.stdin:
        cmd = json.loads(line)
        ident, op = cmd.pop("id", None), cmd.pop("op")
        try:
            say("result", id=ident, ok=True, result=ops[op](**cmd))
        except Exception as exc:  # noqa: BLE001 - reported back to the test
            say(
                "result",
                id=ident,
                ok=False,
                error=f"{type(exc).__name__}: {exc}",
                traceback=traceback.format_exc(),
            )


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m tests.peers")
    ap.add_argument("role", choices=["ops", "pub", "rep", "pull", "req", "reqs"])
    ap.add_argument("rest", nargs="*")
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--interval", type=float, default=0.0)
    ap.add_argument("--topic", default="t")
    ap.add_argument("--prefix", default="msg")
    ap.add_argument("--lifetime", type=float, default=60.0)
    args = ap.parse_args()
    watchdog = threading.Timer(args.lifetime, lambda: os._exit(3))
    watchdog.daemon = True
    watchdog.start()
    endpoint, thread = start_role(args)
    say("ready", endpoint=endpoint, **op_hello())
    if thread is not None:
        thread.start()
    try:
        serve_commands()
    finally:
        # stdin closed: the test is done with us. Never wait for linger or blocked threads.
        os._exit(0)


if __name__ == "__main__":
    main()
