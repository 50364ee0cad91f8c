"""Fuzz child: runs a batch of generated operation sequences against zmqrepl.core.

Run by tests/fuzz/test_core_fuzz.py as ``python child.py`` with a JSON batch on
stdin (see strategies.py for the operation format). For each sequence it prints
``B <id>`` before running it and ``E <id> <ops> <exception counts>`` after, so
the parent can name the sequence that was running when the process died by a
signal (SIGSEGV, SIGABRT from a libzmq assertion) or hung. An exception type the
library must not raise is reported as ``U <id> <json>`` and the batch goes on.

A sequence that runs longer than its timeout makes faulthandler dump every
thread's stack to stderr and exit the process (code 1): that is a hang.

Replay one sequence by hand: ``python tests/fuzz/child.py < sequence.json``
(a JSON list of sequences, each {"id": ..., "main": [...], "other": [...], "start": k}).
"""

from __future__ import annotations

import faulthandler
import functools
import gc
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from typing import Any, Callable

from zmqrepl.core import Context, PollItem, Socket, ZMQError, default_context, poll

# Library exceptions the fuzzer accepts: the documented errors for misuse.
EXPECTED = (ZMQError, TypeError, ValueError)

BAD_ENDPOINTS = [
    "",
    "tcp://",
    "tcp://127.0.0.1",
    "tcp://127.0.0.1:99999",
    "tcp://127.0.0.1:-1",
    "tcp://256.1.1.1:5555",
    "tcp://*:*",
    "tcp://[::1:5555",
    "tcp://127.0.0.1:1",
    "tcp://localhost:*",
    "foo://bar",
    "inproc://",
    "inproc",
    "ipc://",
    "ipc:///nonexistent-dir-zmqrepl/sock",
    "ipc:///tmp/" + "x" * 200,
    "udp://127.0.0.1:5555",
    "pgm://eth0;239.192.1.1:5555",
    "inproc://\u00e9\u00e8-unicode",
    "inproc://zeromq.zap.01",
    "tcp://127.0.0.1:0",
    "ws://127.0.0.1:5555",
]
NON_STR_ENDPOINTS: list[Any] = [None, 5555, b"inproc://bytes", ["inproc://x"]]


def payload(spec: Any) -> Any:
    """A frame (or a deliberately bad one) from its JSON description."""
    kind = spec[0]
    if kind == "bytes":
        return bytes([spec[2] % 256]) * spec[1]
    if kind == "str":
        return spec[1]
    if kind == "bytearray":
        return bytearray(b"a" * spec[1])
    if kind == "memoryview":
        return memoryview(b"m" * (spec[1] + 2))[1:-1]
    if kind == "large":  # past the zero-copy threshold
        return b"L" * (spec[1] * 1024)
    if kind == "nonutf8":
        return b"\xff\xfe\x80"
    if kind == "int":
        return spec[1]
    if kind == "float":
        return 1.5
    if kind == "none":
        return None
    if kind == "dict":
        return {"a": 1}
    raise AssertionError(f"unknown payload {spec!r}")


def option_value(spec: Any) -> Any:
    kind = spec[0]
    if kind in ("int", "str", "bool"):
        return spec[1]
    if kind == "bytes":
        return bytes([spec[2] % 256]) * spec[1]
    if kind == "bytearray":
        return bytearray(b"b" * spec[1])
    if kind == "float":
        return 0.5
    if kind == "none":
        return None
    if kind == "list":
        return [1]
    raise AssertionError(f"unknown option value {spec!r}")


def touch(result: Any) -> None:
    """Read every byte of a received view: a kept view must still read valid memory."""
    if isinstance(result, memoryview):
        try:
            bytes(result)
        except ValueError:
            pass  # released when the as_ callable returned, as documented


def _keep(view: memoryview, size: int) -> memoryview:
    return view[:size]


def _copy(view: memoryview, size: int) -> bytes:
    return bytes(view)


def _raising(view: memoryview, size: int) -> None:
    raise ValueError("as_ callable refused the frame")


def _returns_view(view: memoryview, size: int) -> memoryview:
    return view  # released by recv when this returns


AS: dict[str, Any] = {
    "bytes": bytes,
    "str": str,
    "memoryview": memoryview,
    "keep": _keep,
    "copy": _copy,
    "raise": _raising,
    "view": _returns_view,
    "bad": 5,
}


class Sequence:
    """The objects one sequence works on, shared by its two threads."""

    def __init__(self, seq_id: int, ipc_dir: str, fd: int) -> None:
        self.id = seq_id
        self.ipc_dir = ipc_dir
        self.fd = fd
        self.contexts: list[Context] = [Context()]
        self.sockets: list[Socket | None] = []
        self.all_sockets: list[Socket] = []  # for cleanup, even after "del"
        self.bound: list[str] = []
        self.used_default = False
        self.ops = 0
        self.errors: Counter[str] = Counter()
        self.unexpected: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    # -- operands -----------------------------------------------------------

    def context(self, c: Any) -> Context:
        if c == "d":
            self.used_default = True
            return default_context()
        index: int = c % len(self.contexts)
        return self.contexts[index]

    def socket(self, s: int) -> Socket | None:
        if not self.sockets:
            return None
        return self.sockets[s % len(self.sockets)]

    def endpoint(self, spec: Any) -> Any:
        kind = spec[0]
        if kind == "inproc":
            return f"inproc://fz{spec[1]}" if spec[1] >= 0 else "inproc://zeromq.zap.01"
        if kind == "ipc":
            return f"ipc://{self.ipc_dir}/{self.id}-{spec[1]}"
        if kind == "tcp":
            return "tcp://127.0.0.1:*"
        if kind == "bound":
            bound = list(self.bound)
            return bound[spec[1] % len(bound)] if bound else "tcp://127.0.0.1:1"
        if kind == "bad":
            return BAD_ENDPOINTS[spec[1] % len(BAD_ENDPOINTS)]
        return NON_STR_ENDPOINTS[spec[1] % len(NON_STR_ENDPOINTS)]

    # -- running ------------------------------------------------------------

    def run_ops(self, ops: list[Any], who: str) -> None:
        for index, op in enumerate(ops):
            self.run_op(op, f"{who}[{index}]")

    def run_op(self, op: list[Any], where: str) -> None:
        with self.lock:
            self.ops += 1
        try:
            self.apply(op)
        except EXPECTED as exc:
            with self.lock:
                self.errors[type(exc).__name__] += 1
        except BaseException as exc:  # noqa: BLE001 - any other type is a finding
            with self.lock:
                self.errors["UNEXPECTED " + type(exc).__name__] += 1
                self.unexpected.append(
                    {"where": where, "op": op, "exception": repr(exc), "traceback": traceback.format_exc()}
                )

    def apply(self, op: list[Any]) -> None:
        name = op[0]
        handler: Callable[..., None] = getattr(self, "op_" + name)
        handler(*op[1:])

    def op_ctx(self, io_threads: Any) -> None:
        ctx = Context(io_threads)
        with self.lock:
            if len(self.contexts) < 4:
                self.contexts.append(ctx)
                return
        ctx.term()

    def op_sock(self, c: Any, kind: Any, linger: int, rcvtimeo: int, sndtimeo: int) -> None:
        ctx = self.context(c)
        sock = Socket(kind, ctx)
        with self.lock:
            self.all_sockets.append(sock)
        # Bounded waits are part of the harness, not of the fuzzed input: the
        # defaults (infinite linger and timeouts) block by design.
        sock.set("linger", linger)
        sock.set("rcvtimeo", rcvtimeo)
        sock.set("sndtimeo", sndtimeo)
        with self.lock:
            if len(self.sockets) < 6:
                self.sockets.append(sock)
            else:
                self.sockets[(rcvtimeo + sndtimeo) % 6] = sock

    def _endpoint_op(self, verb: str, s: int, spec: Any) -> None:
        sock = self.socket(s)
        if sock is None:
            return
        result = getattr(sock, verb)(self.endpoint(spec))
        if verb == "bind" and isinstance(result, str):
            with self.lock:
                self.bound.append(result)

    def op_bind(self, s: int, spec: Any) -> None:
        self._endpoint_op("bind", s, spec)

    def op_connect(self, s: int, spec: Any) -> None:
        self._endpoint_op("connect", s, spec)

    def op_unbind(self, s: int, spec: Any) -> None:
        self._endpoint_op("unbind", s, spec)

    def op_disconnect(self, s: int, spec: Any) -> None:
        self._endpoint_op("disconnect", s, spec)

    def op_set(self, s: int, option: Any, value: Any) -> None:
        sock = self.socket(s)
        if sock is not None:
            sock.set(option, option_value(value))

    def op_get(self, s: int, option: Any) -> None:
        sock = self.socket(s)
        if sock is not None:
            sock.get(option)

    def op_send(self, s: int, spec: Any, nonblocking: bool, more: bool) -> None:
        sock = self.socket(s)
        if sock is not None:
            sock.send(payload(spec), nonblocking=nonblocking, more=more)

    def op_send_multipart(self, s: int, specs: list[Any], nonblocking: bool) -> None:
        sock = self.socket(s)
        if sock is not None:
            sock.send_multipart([payload(p) for p in specs], nonblocking=nonblocking)

    def op_send_many(self, s: int, messages: list[Any], nonblocking: bool) -> None:
        sock = self.socket(s)
        if sock is None:
            return
        built = [payload(m[1]) if m[0] == "one" else [payload(p) for p in m[1]] for m in messages]
        sock.send_many(built, nonblocking=nonblocking)

    def op_recv(self, s: int, nonblocking: bool, as_: str) -> None:
        sock = self.socket(s)
        if sock is not None:
            touch(sock.recv(nonblocking=nonblocking, as_=AS[as_]))

    def op_recv_multipart(self, s: int, nonblocking: bool, as_: str) -> None:
        sock = self.socket(s)
        if sock is not None:
            for part in sock.recv_multipart(nonblocking=nonblocking, as_=AS[as_]) or []:
                touch(part)

    def op_recv_many(self, s: int, max_messages: Any, nonblocking: bool, max_bytes: Any) -> None:
        sock = self.socket(s)
        if sock is not None:
            batch = sock.recv_many(max_messages, nonblocking=nonblocking, max_bytes=max_bytes)
            list(batch)
            batch.frames()

    def op_poll(self, items: list[Any], timeout: Any, with_fd: bool, bad: str) -> None:
        poll_items: list[Any] = []
        for s, in_, out in items:
            sock = self.socket(s)
            if sock is not None:
                poll_items.append(PollItem(sock, in_=in_, out=out))
        if with_fd:
            poll_items.append(PollItem(self.fd, in_=True))
        if bad == "neg":
            poll_items.append(PollItem(-1, in_=True))
        elif bad == "obj":
            poll_items.append("not a poll item")
        elif bad == "none":
            poll_items.append(PollItem(self.fd))
        poll(poll_items, timeout)

    def op_close(self, s: int, linger: Any) -> None:
        sock = self.socket(s)
        if sock is not None:
            sock.close(linger=linger)

    def op_term(self, c: Any) -> None:
        self.context(c).term()

    def op_destroy(self, c: Any, linger: Any) -> None:
        self.context(c).destroy(linger=linger)

    def op_del(self, s: int) -> None:
        with self.lock:
            if not self.sockets:
                return
            self.sockets[s % len(self.sockets)] = None
        gc.collect()

    def op_info(self, s: int, what: str) -> None:
        sock = self.socket(s)
        if sock is None:
            return
        if what == "repr":
            repr(sock)
        elif what in ("fd", "events", "last_endpoint"):
            getattr(sock, what)
        elif what == "more":
            sock.more  # noqa: B018
        elif what == "endpoints":
            sock.endpoints  # noqa: B018
        elif what == "ctxrepr":
            repr(sock.context)

    def op_monitor(self, s: int, action: str, timeout: int) -> None:
        sock = self.socket(s)
        if sock is None:
            return
        mon = sock._monitor
        if action == "start":
            sock.monitor()
        elif mon is not None and action == "recv":
            mon.recv(timeout)
        elif mon is not None:
            mon.close()

    def op_repeat(self, times: int, op: list[Any]) -> None:
        for _ in range(times):
            self.run_op(op, "repeat")

    def op_sleep(self, ms: int) -> None:
        time.sleep(ms / 1000)

    # -- cleanup ------------------------------------------------------------

    def cleanup(self) -> None:
        """Close everything. With no other thread left, nothing may be busy."""
        for sock in self.all_sockets:
            self._close(sock)
        for ctx in self.contexts:
            self._cleanup_call(functools.partial(ctx.destroy, linger=0), "cleanup destroy")
        if self.used_default:
            self._cleanup_call(lambda: default_context().destroy(linger=0), "cleanup default")
        self.sockets.clear()
        self.all_sockets.clear()
        self.contexts.clear()
        gc.collect()

    def _close(self, sock: Socket) -> None:
        self._cleanup_call(lambda: sock.close(linger=0), "cleanup close")

    def _cleanup_call(self, call: Callable[[], None], where: str) -> None:
        # Every exception here is a finding: no thread is using these objects now,
        # so close and destroy must succeed (a SocketBusy means a leaked guard).
        try:
            call()
        except BaseException as exc:  # noqa: BLE001
            self.errors["UNEXPECTED " + type(exc).__name__] += 1
            self.unexpected.append(
                {"where": where, "op": [], "exception": repr(exc), "traceback": traceback.format_exc()}
            )


def run_sequence(spec: dict[str, Any], ipc_dir: str, fd: int, thread_timeout: float) -> Sequence:
    seq = Sequence(spec["id"], ipc_dir, fd)
    main, other, start = spec["main"], spec["other"], spec["start"]
    worker = None
    seq.run_ops(main[:start], "main")
    if other:
        worker = threading.Thread(target=seq.run_ops, args=(other, "other"), daemon=True)
        worker.start()
    seq.run_ops(main[start:], "main")
    if worker is not None:
        worker.join(thread_timeout)
        if worker.is_alive():
            out(f"H {seq.id} second thread still running after {thread_timeout} s")
            faulthandler.dump_traceback(all_threads=True)
            sys.stderr.flush()
            os._exit(3)
    seq.cleanup()
    return seq


def out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> int:
    request = json.load(sys.stdin)
    seq_timeout = float(request.get("sequence_timeout", 20.0))
    faulthandler.enable()  # tracebacks of every thread on SIGSEGV/SIGABRT
    ipc_dir = tempfile.mkdtemp(prefix="zf", dir="/tmp")
    r, w = os.pipe()
    os.write(w, b"x")  # always readable: a plain fd in poll
    try:
        for spec in request["sequences"]:
            out(f"B {spec['id']}")
            faulthandler.dump_traceback_later(seq_timeout, exit=True)
            seq = run_sequence(spec, ipc_dir, r, seq_timeout / 2)
            faulthandler.cancel_dump_traceback_later()
            for item in seq.unexpected:
                out(f"U {seq.id} {json.dumps(item)}")
            out(f"E {seq.id} {seq.ops} {json.dumps(dict(seq.errors))}")
    finally:
        shutil.rmtree(ipc_dir, ignore_errors=True)
    out("DONE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
