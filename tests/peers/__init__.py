"""The tests' pyzmq peers: ``python -m tests.peers ROLE ...`` in another process, and ``Peer``,
its driver. The protocol is in ``__main__.py``: JSON lines on stdout (events, then answers to
commands), JSON commands on stdin, EOF ends the peer.

    peer = Peer("rep")                    # returns once the peer is ready (bound)
    session.run(f"connect s {peer.endpoint}; send s hello")
    assert peer.got() == [b"hello"]
    ops = Peer()                          # role "ops": sockets made by commands
    ops.call("socket", name="c", type="PUSH")
    peer.stop(); ops.stop()               # the fixtures stop every peer in teardown

pyzmq and its bundled libzmq never share a process with zmqrepl.core: this module imports
neither, and the peer refuses to run if zmqrepl was imported.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["ROOT", "Peer", "PeerError"]

ROOT = Path(__file__).resolve().parent.parent.parent
READY_TIMEOUT = 20.0  # seconds: an interpreter start and `import zmq` on a loaded machine
CALL_TIMEOUT = 20.0  # seconds; every command has a shorter timeout of its own (ms, in the peer)

# The old line-based peers printed these words; ``expect`` still matches them.
_WORDS = {"ready": "ENDPOINT", "got": "GOT", "reply": "REPLY", "done": "DONE", "subscribed": "SUBSCRIBED"}


class PeerError(AssertionError):
    """The peer reported a failure, died, or did not answer in time."""


def _text(event: dict[str, Any]) -> str:
    """The event as one line of text: "GOT 6869 7468", "DONE 5", "ENDPOINT tcp://..."."""
    name: str = event["event"]
    word = _WORDS.get(name, name.upper())
    if "frames" in event:
        return word + " " + " ".join(event["frames"])
    value = {"ready": "endpoint", "done": "count", "subscribed": "frame"}.get(name)
    return f"{word} {event.get(value)}" if value else word


class Peer:
    """One peer process. Role events go to one queue, command answers to another; the
    constructor returns when the peer said ``ready``."""

    def __init__(self, role: str = "ops", *args: str, lifetime: float = 60.0) -> None:
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.peers", role, *args, "--lifetime", str(lifetime)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=str(ROOT),
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
        self.role = role
        self.seen: list[str] = []  # events passed over by ``expect``, as text
        self._events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._results: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name=f"peer-{role}-reader", daemon=True)
        self._reader.start()
        try:
            self.info = self.event("ready", READY_TIMEOUT)
        except BaseException:
            self.stop()
            raise
        if self.info["zmqrepl_loaded"]:
            self.stop()
            raise PeerError("the pyzmq peer imported zmqrepl; it must be independent")
        self.endpoint: str = self.info["endpoint"] or ""

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = json.loads(raw)
            (self._results if line["event"] == "result" else self._events).put(line)
        self._events.put(None)  # EOF: the peer is gone
        self._results.put(None)

    def _died(self, waiting_for: str) -> PeerError:
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        return PeerError(
            f"peer {self.role} exited ({self.proc.returncode}) before {waiting_for}; "
            f"seen {self.seen!r}\n{self.stderr()}"
        )

    # -- role events --------------------------------------------------------------------

    def event(self, name: str, timeout: float = 15.0) -> dict[str, Any]:
        """The next event called ``name``; others are passed over (kept in ``seen``)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise queue.Empty
                ev = self._events.get(timeout=left)
            except queue.Empty:
                raise PeerError(
                    f"peer {self.role} sent no {name!r} within {timeout} s; "
                    f"seen {self.seen!r}\n{self.stderr()}"
                ) from None
            if ev is None:
                self._events.put(None)
                raise self._died(repr(name))
            if ev["event"] == name:
                return ev
            self.seen.append(_text(ev))

    def expect(self, prefix: str, timeout: float = 15.0) -> str:
        """The next event whose text starts with ``prefix`` ("GOT", "REPLY", "DONE"), as text:
        "GOT <hex frame> <hex frame>"."""
        deadline = time.monotonic() + timeout
        word = prefix.split(" ", 1)[0]
        name = next((n for n, w in _WORDS.items() if w == word), word.lower())
        while True:
            ev = self.event(name, max(deadline - time.monotonic(), 0.0))
            text = _text(ev)
            if text.startswith(prefix):
                return text
            self.seen.append(text)

    def got(self, timeout: float = 15.0) -> list[bytes]:
        """The frames of the next message a rep or pull peer received."""
        return [bytes.fromhex(f) for f in self.event("got", timeout)["frames"]]

    # -- commands -------------------------------------------------------------------------

    def call(self, op: str, *, reply_within: float = CALL_TIMEOUT, **args: Any) -> Any:
        """Run command ``op`` in the peer and return its result; ``args`` go to the peer
        (``timeout`` among them is the peer's own, in ms)."""
        with self._lock:  # one command at a time: answers come back in order
            ident = next(self._ids)
            assert self.proc.stdin is not None
            try:
                self.proc.stdin.write((json.dumps({"id": ident, "op": op, **args}) + "\n").encode())
                self.proc.stdin.flush()
            except (BrokenPipeError, ValueError):
                raise self._died(f"command {op}") from None
            try:
                reply = self._results.get(timeout=reply_within)
            except queue.Empty:
                raise PeerError(
                    f"peer did not answer {op} within {reply_within} s\n{self.stderr()}"
                ) from None
            if reply is None:
                self._results.put(None)
                raise self._died(f"the answer to {op}")
            assert reply["id"] == ident, (reply, ident)
        if not reply["ok"]:
            raise PeerError(f"peer failed in {op}({args!r}): {reply['error']}\n{reply.get('traceback', '')}")
        return reply["result"]

    def recv(self, sock: str, timeout: int = 1000) -> list[bytes] | None:
        """One message from the peer's socket ``sock`` within ``timeout`` ms, or None."""
        got = self.call("recv", sock=sock, count=1, timeout=timeout)["messages"]
        return [bytes.fromhex(f) for f in got[0]] if got else None

    def send(self, sock: str, *frames: bytes, timeout: int = 2000) -> bool:
        """One message on the peer's socket ``sock`` (PeerError if it cannot be queued)."""
        return bool(self.call("send", sock=sock, frames=[f.hex() for f in frames], timeout=timeout))

    def publish(self, *frames: bytes) -> None:
        """pub role, after "done": one more message, sent after (so received after) the others."""
        self.call("publish", frames=[f.hex() for f in frames])

    # -- the process ----------------------------------------------------------------------

    def stderr(self) -> str:
        """The end of what the peer wrote on stderr (read without moving the file offset it
        shares with the peer, which may still be writing)."""
        try:
            fd = self._stderr.fileno()
            size = os.fstat(fd).st_size
            return os.pread(fd, 4000, max(0, size - 4000)).decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def stop(self) -> None:
        """Close its stdin (the peer exits at once); kill it if it does not."""
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_streams()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def _close_streams(self) -> None:
        self._reader.join(timeout=5)  # the peer is gone: its stdout ends
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        self._stderr.close()
