"""Where ``record`` writes: one file, or a ring of K files of at most SIZE bytes each.

The ring works like tcpdump -C/-W: FILE always holds the newest messages; when the next
message would take it past SIZE, FILE.K-2 becomes FILE.K-1 (the oldest is dropped), ...,
FILE becomes FILE.1 and a new FILE starts. ``cat FILE.2 FILE.1 FILE`` reads in order.

Lines are written whole with os.write, so the writer knows which messages reached the
file: a failed write (a full disk) counts the messages it could not write, cuts off a
half-written line, and raises; the session then stops the recording and says how many
were lost (state.py ``recording_failed``).
"""

from __future__ import annotations

import os
import re
from typing import Iterable

from .errors import CommandError, clip
from .files import open_append_fd

__all__ = ["RecordWriter", "parse_size"]

_SIZE = re.compile(r"^(\d+)\s*([kmg]?)(i?b)?$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
MIN_MAX_SIZE = 1024  # smaller would rotate at nearly every message
MAX_FILES = 1000


def parse_size(text: str) -> int:
    """ "4096", "500k", "10M", "1GiB" -> bytes (k, M, G are 1024-based)."""
    m = _SIZE.match(text.strip())
    if m is None:
        raise CommandError(
            f"--max-size takes a size, not {clip(text)}", "e.g. --max-size 10M (or 500k, 4096)"
        )
    size = int(m.group(1)) * _UNITS[m.group(2).lower()]
    if size < MIN_MAX_SIZE:
        raise CommandError(f"--max-size must be at least {MIN_MAX_SIZE} bytes", "e.g. --max-size 1M")
    return size


class RecordWriter:
    """A recording's file(s), written by the engine thread only."""

    def __init__(self, path: str, max_size: int | None = None, files: int = 1) -> None:
        self.path = path
        self.max_size = max_size
        self.files = files
        self.messages = 0  # written
        self.written = 0  # bytes, every file
        self.rotations = 0
        self.lost = 0  # messages that could not be written
        self.lost_reason = ""
        self._whole = 0  # lines of a failed write that reached the file whole
        self._real = os.path.expanduser(path)
        self._fd = open_append_fd(path, path, "pick a writable path")
        try:
            self.size = os.fstat(self._fd).st_size  # appending: what is there counts
        except OSError:
            self.size = 0

    @property
    def closed(self) -> bool:
        return self._fd < 0

    # -- what the session calls (the subset of a text file it uses) -------------------------

    def writelines(self, lines: Iterable[str]) -> None:
        if self._fd < 0:
            raise ValueError("the recording is closed")
        encoded = [line.encode("utf-8") for line in lines]
        first = 0  # of the lines not written yet
        self._whole = 0
        try:
            if self.max_size is None:
                self._write(encoded, sum(map(len, encoded)))
                return
            pending_size = 0
            for i, data in enumerate(encoded):
                if self.size + pending_size + len(data) > self.max_size:
                    if pending_size:
                        self._write(encoded[first:i], pending_size)
                        first, pending_size = i, 0
                    if self.size:
                        self._rotate()
                pending_size += len(data)
            if pending_size:
                self._write(encoded[first:], pending_size)
        except OSError as exc:
            # Everything from the failed write (or rotation) on, but the lines that reached
            # the file whole before it failed.
            self.lost += len(encoded) - first - self._whole
            self.lost_reason = exc.strerror or str(exc)
            raise

    def write(self, text: str) -> None:
        """Whole lines (one message each), like writelines."""
        self.writelines(text.splitlines(keepends=True))

    def flush(self) -> None:
        """Every line is written when it comes: nothing is held here."""
        if self._fd < 0:
            raise ValueError("the recording is closed")

    def close(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)

    # -- inside ----------------------------------------------------------------------------

    def _write(self, lines: list[bytes], size: int) -> None:
        data = memoryview(b"".join(lines))
        start = self.size
        done = 0
        try:
            while done < size:
                done += os.write(self._fd, data[done:])
        except OSError:
            whole, ends = 0, 0
            for line in lines:  # the lines that reached the file whole
                if ends + len(line) > done:
                    break
                ends += len(line)
                whole += 1
            if ends < done:  # cut a half-written line, so the file stays JSON lines
                try:
                    os.ftruncate(self._fd, start + ends)
                except OSError:
                    pass
            self._count(whole, ends)
            self._whole = whole
            raise
        self._count(len(lines), size)

    def _count(self, messages: int, size: int) -> None:
        self.messages += messages
        self.written += size
        self.size += size

    def _rotate(self) -> None:
        """FILE -> FILE.1 -> ... -> FILE.K-1 (dropped past that), then a new, empty FILE."""
        os.close(self._fd)
        self._fd = -1
        if self.files > 1:
            for i in range(self.files - 2, -1, -1):
                src = self._real if i == 0 else f"{self._real}.{i}"
                if os.path.lexists(src):
                    os.replace(src, f"{self._real}.{i + 1}")
        else:
            os.unlink(self._real)  # a ring of one: start the file again
        self._fd = open_append_fd(self.path, self.path, "pick a writable path")
        self.size = 0
        self.rotations += 1
