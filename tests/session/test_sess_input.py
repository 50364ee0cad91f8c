"""Bounded input: every file a command names (devices, FIFOs, /proc, directories, sparse
giants) is refused or read a bounded amount, without blocking; the session runs in a child
interpreter so a hang or a memory blow-up fails the test, and its peak memory is checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from zmqrepl.session import CommandError, Received, Session
from zmqrepl.session.files import BoundedLines, human_size, read_bounded
from zmqrepl.session.records import MAX_RECORD_LINE

CHILD = Path(__file__).with_name("bounded_child.py")
MiB = 1024 * 1024
# What the commands may add to the child's peak RSS (an interpreter with a session is ~40 MB on
# CPython, ~90 MB on PyPy). CPython's commands add about 70 MB; PyPy's GC lets freed buffers
# pile up until its next major collection (about 170 MB added). A command that read a giant
# whole would add hundreds.
GROWTH_MB = 200


def run_child(lines: list[str], timeout: float = 60.0) -> tuple[list[dict[str, Any]], float]:
    """Each command's outcome, and how many MB the commands added to the child's peak RSS."""
    proc = subprocess.run(
        [sys.executable, str(CHILD), json.dumps(lines)],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.PIPE,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    rows = [json.loads(x) for x in proc.stdout.splitlines()]
    return rows[1:-1], rows[-1]["vmhwm_mb"] - rows[0]["start_mb"]


def sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


@pytest.fixture
def fed_fifo(tmp_path: Path) -> Iterator[Path]:
    """A FIFO with a writer that would feed it zeros for ever."""
    path = tmp_path / "fed"
    os.mkfifo(path)
    stop = threading.Event()

    def feed() -> None:
        fd = os.open(path, os.O_RDWR)  # RDWR: opens without waiting for a reader
        try:
            while not stop.is_set():
                try:
                    os.write(fd, b"\0" * 65536)
                except BlockingIOError:
                    stop.wait(0.01)
        finally:
            os.close(fd)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        yield path
    finally:
        stop.set()
        drain = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            while True:
                try:
                    if not os.read(drain, 1 << 20):
                        break
                except BlockingIOError:
                    if not thread.is_alive():
                        break
                    thread.join(0.05)
        finally:
            os.close(drain)
        thread.join(5)


def test_devices_fifos_and_giants_are_refused_with_bounded_memory(
    tmp_path: Path, fifo: Path, fed_fifo: Path
) -> None:
    giant = sparse(tmp_path / "giant.bin", 65 * MiB)
    huge_recording = sparse(tmp_path / "huge.jsonl", 300 * MiB)
    long_line = sparse(tmp_path / "longline.jsonl", 100 * MiB)  # 100 MiB of NULs, no newline
    big_script = tmp_path / "big.zmq"
    big_script.write_bytes(b"version\n" * (MiB // 2) + b"version\n")  # 4 MiB + 8 bytes
    cases = {
        "send s @/dev/zero": "@/dev/zero is not a regular file (it is a character device)",
        "send s @/dev/urandom": "@/dev/urandom is not a regular file (it is a character device)",
        f"send s @{fifo}": f"@{fifo} is not a regular file (it is a FIFO)",
        f"send s @{fed_fifo}": f"@{fed_fifo} is not a regular file (it is a FIFO)",
        "send s @/dev/stdin": "@/dev/stdin is not a regular file (it is a FIFO)",  # a pipe here
        f"send s @{tmp_path}": f"@{tmp_path} is not a regular file (it is a directory)",
        f"send s @{giant}": f"@{giant} is 65 MiB, larger than maxmsgsize 64 MiB",
        "source /dev/zero": "source file /dev/zero is not a regular file (it is a character device)",
        "source /dev/urandom": "source file /dev/urandom is not a regular file",
        f"source {fed_fifo}": "is not a regular file (it is a FIFO)",
        f"source {big_script}": "is 4,194,312 bytes, larger than the 4 MiB limit for scripts",
        "replay /dev/zero s": "/dev/zero is not a regular file (it is a character device)",
        f"replay {fifo} s": "is not a regular file (it is a FIFO)",
        f"replay {huge_recording} s": "is 300 MiB, larger than the 256 MiB limit for recordings",
        f"replay {long_line} s": f"line 1 is longer than {human_size(MAX_RECORD_LINE)}",
        f"record s {fifo}": "is not a regular file (it is a FIFO)",
        "record s /dev/null": "/dev/null is not a regular file (it is a character device)",
        f"record s {tmp_path}": "is not a regular file (it is a directory)",
    }
    rows, peak = run_child(["socket s push", *cases])
    assert rows[0]["error"] is None
    for row, expected in zip(rows[1:], cases.values()):
        error = row["error"]
        assert error is not None and expected in error, (row["line"], error)
        assert "(hint: " in error and "\n" not in error
        print(f"{row['line']!r}: {row['seconds'] * 1000:.1f} ms")
    print(f"peak RSS grew by {peak:.0f} MB")
    assert peak < GROWTH_MB


def test_maxmsgsize_caps_file_frames(tmp_path: Path) -> None:
    data = tmp_path / "two-kb.bin"
    data.write_bytes(os.urandom(2000))
    lines = [
        "socket a pull",
        "bind a inproc://frames",
        "socket s push",
        "connect s inproc://frames",
        "set s maxmsgsize 1000",
        f"send s @{data}",
        "set s maxmsgsize 2000",
        f"send s @{data}",
        "set s maxmsgsize 100",
        "send s @/proc/self/maps",  # size 0 in stat, more in fact
        "set s maxmsgsize -1",
        f"send s @{data}",
        "send s @/proc/self/status",
        "recv a --count 3 --timeout 5000",
    ]
    rows, _ = run_child(lines)
    errors = {r["line"]: r["error"] for r in rows}
    assert errors[f"send s @{data}"] is None  # the last one, with no maxmsgsize
    first = rows[5]["error"]
    assert first.startswith(f"@{data} is 2,000 bytes, larger than maxmsgsize 1,000 bytes")
    assert "set s maxmsgsize N" in first
    assert rows[7]["error"] is None
    assert rows[9]["error"].startswith("@/proc/self/maps is larger than maxmsgsize 100 bytes")
    assert rows[12]["error"] is None and rows[13]["error"] is None


def test_proc_files_are_read_whole_when_small(session: Session) -> None:
    session.run("socket a pull; bind a inproc://proc; socket s push; connect s inproc://proc")
    session.run("send s @/proc/self/status")
    (got,) = session.run("recv a --timeout 5000")
    assert isinstance(got, Received)
    frame = got.messages[0][0]
    assert frame.startswith(b"Name:") and b"VmHWM:" in frame


def test_read_bounded_reads_at_most_cap_plus_one(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert read_bounded(str(path), 100, "f", "100 bytes", "hint") == b"x" * 100
    with pytest.raises(CommandError, match="f is 100 bytes, larger than 99 bytes"):
        read_bounded(str(path), 99, "f", "99 bytes", "hint")
    with pytest.raises(CommandError, match="cannot read nope: No such file"):
        read_bounded(str(tmp_path / "nope"), 99, "nope", "99 bytes", "hint")


def test_bounded_lines_split_and_limit(tmp_path: Path) -> None:
    path = tmp_path / "lines"
    path.write_bytes(b"a\n\nbb\n" + b"c" * 10 + b"\nlast")
    with BoundedLines(str(path), "lines", "h", cap=1000, line_cap=10, cap_text="1000") as lines:
        assert list(lines) == [(1, b"a"), (2, b""), (3, b"bb"), (4, b"c" * 10), (5, b"last")]
    with BoundedLines(str(path), "lines", "h", cap=1000, line_cap=9, cap_text="1000") as lines:
        with pytest.raises(CommandError, match="lines line 4 is longer than 9 bytes"):
            list(lines)


def test_a_fifo_never_blocks_even_with_a_writer(session: Session, fed_fifo: Path) -> None:
    session.run("socket s push")
    started = time.monotonic()
    for line in (f"send s @{fed_fifo}", f"source {fed_fifo}", f"replay {fed_fifo} s", f"record s {fed_fifo}"):
        with pytest.raises(CommandError, match="is not a regular file"):
            session.run(line)
    assert time.monotonic() - started < 30  # a hang, not a speed check
