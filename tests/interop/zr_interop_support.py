"""Support for the pyzmq interoperability tests: the Peer driver and helpers.

A Peer is ``pyzmq_peer.py`` running in its own interpreter (``sys.executable``),
so pyzmq and its bundled libzmq never share a process with zmqrepl.core. Every
call to it is bounded by a timeout; a dead or silent peer fails the test.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PEER_SCRIPT = Path(__file__).with_name("pyzmq_peer.py")
CALL_TIMEOUT = 20.0  # seconds; every peer operation has a shorter timeout of its own


class PeerError(AssertionError):
    """The pyzmq peer reported a failure, died, or did not answer in time."""


def h(data: bytes) -> str:
    """A frame as the peer's hex wire form."""
    return bytes(data).hex()


def hb(data: str | bytes) -> dict[str, str]:
    """A bytes option value for the peer."""
    if isinstance(data, str):
        data = data.encode("ascii")
    return {"hex": data.hex()}


def unhex(messages: list[list[str]]) -> list[list[bytes]]:
    return [[bytes.fromhex(f) for f in msg] for msg in messages]


class Peer:
    """One pyzmq process, driven synchronously: ``peer.call("bind", sock="s", ...)``."""

    def __init__(self, stderr_path: Path) -> None:
        self._stderr_path = stderr_path
        self._stderr = open(stderr_path, "wb")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, str(PEER_SCRIPT), "--lifetime", "60"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env,
        )
        self._buf = b""
        self._sel = selectors.DefaultSelector()
        assert self.proc.stdout is not None
        self._sel.register(self.proc.stdout.fileno(), selectors.EVENT_READ)
        try:
            self.info = self.call("hello", reply_within=10)
            if self.info["zmqrepl_loaded"]:
                raise PeerError("the pyzmq peer imported zmqrepl; it must be independent")
        except BaseException:
            self.stop()
            raise

    def _stderr_text(self) -> str:
        try:
            self._stderr.flush()
            return self._stderr_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def _readline(self, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PeerError(f"pyzmq peer did not answer within {timeout} s\n{self._stderr_text()}")
            if not self._sel.select(left):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                self.proc.wait(timeout=5)
                raise PeerError(f"pyzmq peer died (exit code {self.proc.returncode})\n"
                                f"{self._stderr_text()}")
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def call(self, op: str, *, reply_within: float = CALL_TIMEOUT, **args: Any) -> Any:
        """Run ``op`` in the peer; ``args`` (``timeout`` in ms among them) go to the peer."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps({"op": op, **args}) + "\n").encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise PeerError(f"pyzmq peer is gone\n{self._stderr_text()}") from None
        reply = json.loads(self._readline(reply_within))
        if not reply["ok"]:
            raise PeerError(f"pyzmq peer failed in {op}({args!r}): {reply['error']}\n"
                            f"{reply.get('traceback', '')}")
        return reply["result"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.call("exit", reply_within=2)
            except (PeerError, OSError, ValueError):
                pass
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        self._sel.close()
        self._stderr.close()


def zsock(ctx: Any, kind: str, timeout: int = 5000, **options: Any) -> Any:
    """A zmqrepl socket with linger 0 and bounded send/receive waits."""
    sock = ctx.socket(kind)
    sock.set("linger", 0)
    sock.set("rcvtimeo", timeout)
    sock.set("sndtimeo", timeout)
    for name, value in options.items():
        sock.set(name, value)
    return sock
