"""Starting and stopping the pyzmq peer process (zmq_peer.py), with bounded waits."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

from zmqrepl.session import Session

PEER_SCRIPT = Path(__file__).with_name("zmq_peer.py")


class Peer:
    """``python zmq_peer.py ARGS`` in its own interpreter; its stdout lines go to a queue."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(PEER_SCRIPT), *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.endpoint = ""
        if args[0] in ("pub", "rep", "pull"):
            self.endpoint = self.expect("ENDPOINT").split(" ", 1)[1]

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.put(raw.decode("utf-8", "replace").rstrip("\n"))

    def expect(self, prefix: str, timeout: float = 15.0) -> str:
        """The next line starting with ``prefix`` (other lines are kept in ``seen``)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"peer did not print {prefix!r} within {timeout} s; "
                                     f"seen {self.seen!r}; stderr {self.stderr()!r}")
            try:
                line = self.lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    raise AssertionError(f"peer exited ({self.proc.returncode}) before "
                                         f"{prefix!r}; stderr {self.stderr()!r}") from None
                continue
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def stderr(self) -> str:
        if self.proc.poll() is None or self.proc.stderr is None:
            return ""
        return self.proc.stderr.read().decode("utf-8", "replace")[-2000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)


# -- fixtures shared by tests/session and tests/shell (imported by their conftest.py) --------


@pytest.fixture
def session() -> Iterator[Session]:
    s = Session(linger=0)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def start_peer() -> Iterator[Callable[..., Peer]]:
    peers: list[Peer] = []

    def start(*args: str) -> Peer:
        peer = Peer(*args)
        peers.append(peer)
        return peer

    try:
        yield start
    finally:
        for peer in peers:
            peer.stop()
        for peer in peers:
            assert peer.proc.poll() is not None
