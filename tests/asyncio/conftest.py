"""Fixtures of the async tests: ``streamer(mode, endpoint, count, ...)`` starts
tests/asyncio/streamer.py (pyzmq, another process); every one is stopped in teardown."""

from __future__ import annotations

import subprocess
import sys
from typing import Callable, Iterator

import pytest

from tests.peers import ROOT


class Streamer:
    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.asyncio.streamer", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=str(ROOT),
            text=True,
        )

    def line(self) -> str:
        """The next line it prints ("done", "ok", "bad ..."); "" once it has exited."""
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@pytest.fixture
def streamer() -> Iterator[Callable[..., Streamer]]:
    started: list[Streamer] = []

    def start(mode: str, endpoint: str, count: int, *more: int) -> Streamer:
        s = Streamer(mode, endpoint, str(count), *(str(m) for m in more))
        started.append(s)
        return s

    try:
        yield start
    finally:
        for s in started:
            s.stop()
