"""The interactive screen (the real program in a pseudo-terminal) on long pasted lines and
hostile history files. A terminal sends a paste as one bracketed block; the test writes it
while reading the screen's output, as a terminal does, so neither side stalls."""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from pathlib import Path
from typing import Iterator

import pexpect
import pytest

HANG = 60.0  # seconds: detects a screen that never answers, not a speed
PASTE_START, PASTE_END = b"\x1b[200~", b"\x1b[201~"


class Screen:
    def __init__(self, tmp_path: Path) -> None:
        env = dict(
            os.environ,
            TERM="xterm",
            PROMPT_TOOLKIT_NO_CPR="1",
            XDG_STATE_HOME=str(tmp_path / "state"),
            XDG_CONFIG_HOME=str(tmp_path / "config"),
        )
        env.pop("ZMQREPL_DEBUG", None)
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "zmqrepl"],
            env=env,
            dimensions=(30, 120),
            cwd=str(tmp_path),
            timeout=HANG,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.out = bytearray()
        self.mark = 0  # output before this was matched already

    def type(self, data: bytes, until: bytes, timeout: float = HANG) -> float:
        """Write ``data`` while reading; seconds until ``until`` appears in the output after it."""
        fd = self.child.child_fd
        sent = 0
        began = time.monotonic()
        while (found := self.out.find(until, self.mark)) < 0:
            if time.monotonic() - began > timeout:
                raise AssertionError(f"no {until!r} within {timeout} s; output {bytes(self.out[-500:])!r}")
            writable = [fd] if sent < len(data) else []
            readable, writable, _ = select.select([fd], writable, [], 0.2)
            if writable:
                sent += os.write(fd, data[sent : sent + 4096])
            if readable:
                try:
                    self.out += os.read(fd, 1 << 20)
                except OSError:  # the program ended
                    break
        self.mark = found + len(until)
        return time.monotonic() - began

    def command(self, data: bytes, until: bytes) -> float:
        """Type at the prompt, wait for ``until``, then for the next prompt: Ctrl-D or keys
        typed before it would meet the terminal in cooked mode and be lost."""
        seconds = self.type(data, until)
        self.type(b"", b"zmq>")
        return seconds

    def peak_rss_mb(self) -> float:
        with open(f"/proc/{self.child.pid}/status", encoding="ascii") as fh:
            line = next(x for x in fh if x.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    def quit(self) -> int | None:
        """Ctrl-D; reads everything left (the screen writes an accepted line out whole, and
        would block on a full terminal) until the program ends; its exit status."""
        fd = self.child.child_fd
        os.write(fd, b"\x04")
        deadline = time.monotonic() + HANG
        while time.monotonic() < deadline:
            readable, _, _ = select.select([fd], [], [], 0.2)
            if readable:
                try:
                    chunk = os.read(fd, 1 << 20)
                except OSError:  # EIO: the program closed the terminal
                    break
                if not chunk:
                    break
                self.out += chunk
        status: int | None = self.child.wait()  # the terminal is closed: the program is ending
        self.child.close()
        return status


@pytest.fixture
def screen(tmp_path: Path) -> Iterator[Screen]:
    sc = Screen(tmp_path)
    try:
        yield sc
    finally:
        if sc.child.isalive():
            sc.child.terminate(force=True)
        sc.child.close(force=True)
        assert b"Traceback" not in sc.out and b"internal error" not in sc.out


LINES = {
    "10 KB of quoted words": "send s " + '"ab" ' * 2_000,
    "1 MB of quoted words": "send s " + '"ab" ' * 200_000,
    "one 1 MB frame": 'send s "' + "a" * 1_000_000 + '"',
}
# What each is refused with: past the parser's word limit, or parsed whole (no socket s).
REFUSED = {
    "10 KB of quoted words": b"no socket named 's'",
    "1 MB of quoted words": b"at most 100000 words",
    "one 1 MB frame": b"no socket named 's'",
}


@pytest.mark.parametrize("name", LINES)
def test_a_pasted_long_line_is_answered(screen: Screen, tmp_path: Path, name: str) -> None:
    screen.type(b"", b"zmq>")
    line = LINES[name].encode()
    seconds = screen.command(PASTE_START + line + PASTE_END + b"\r", b"(hint: ")
    assert REFUSED[name] in screen.out
    print(f"{name}: pasted and answered in {seconds:.2f} s, peak RSS {screen.peak_rss_mb():.0f} MB")
    screen.command(b"version\r", b"libzmq")  # the screen goes on
    assert screen.quit() == 0
    history = (tmp_path / "state" / "zmqrepl" / "history").read_text(encoding="utf-8")
    assert "+version" in history
    assert (len(line) > 16 * 1024) == (line.decode() not in history)  # huge pastes are not kept


def test_typed_long_line_is_answered(screen: Screen) -> None:
    screen.type(b"", b"zmq>")
    seconds = screen.command(("send s " + '"ab" ' * 2_000).encode() + b"\r", b"(hint: ")
    print(f"10 KB typed key by key: answered in {seconds:.2f} s")
    assert screen.quit() == 0


def test_history_that_is_a_fifo(tmp_path: Path) -> None:
    state = tmp_path / "state" / "zmqrepl"
    state.mkdir(parents=True)
    os.mkfifo(state / "history")
    sc = Screen(tmp_path)
    try:
        sc.type(b"", b"zmq>")
        sc.command(b"version\r", b"libzmq")
        assert sc.quit() == 0
    finally:
        sc.child.close(force=True)


def test_huge_history_is_read_bounded(tmp_path: Path) -> None:
    state = tmp_path / "state" / "zmqrepl"
    state.mkdir(parents=True)
    with open(state / "history", "wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # 200 MiB of NULs, sparse
        fh.seek(0, os.SEEK_END)
        fh.write(b"\n# 2026-12-01\n+sockets\n")
    sc = Screen(tmp_path)
    try:
        sc.type(b"", b"zmq>")
        # Up recalls the newest entry, from the end of the file. prompt_toolkit loads the
        # history in the background: press Up until the entry shows, then Enter.
        deadline = time.monotonic() + HANG
        while True:
            try:
                sc.type(b"\x1b[A", b"sockets", timeout=1.0)
                break
            except AssertionError:
                if time.monotonic() > deadline:
                    raise
        sc.command(b"\r", b"no sockets yet")
        peak = sc.peak_rss_mb()
        print(f"200 MiB history: peak RSS {peak:.0f} MB")
        assert peak < 200
        assert sc.quit() == 0
    finally:
        sc.child.close(force=True)
