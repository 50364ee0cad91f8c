"""Where ``record`` writes: one file, or a ring of K files of at most SIZE bytes each.

The ring works like tcpdump -C/-W: FILE always holds the newest messages; when the next
message would take it past SIZE, FILE.K-2 becomes FILE.K-1 (the oldest is dropped), ...,
FILE becomes FILE.1 and a new FILE starts. ``cat FILE.2 FILE.1 FILE`` reads in order.
A rotation renames up to K-1 files in the engine thread, so K is at most MAX_FILES and
SIZE at least MIN_MAX_SIZE: renames stay a small part of the time spent writing.

FILE is resolved once, when the recording starts (a later chdir does not move the ring),
and every FILE.i is checked with lstat before a rotation: only regular files are renamed
(a symlink or anything else there stops the recording, in one line).

A rotation renames FILE while it is still open and switches to the new FILE only once
that is open: if a rename or the open fails, the recording goes on in the open file (past
SIZE), and the failure is kept in ``rotation_failure`` for the session to say once.

Lines are written whole with os.write, so the writer knows which messages reached the
file: a failed write (a full disk) counts the messages it could not write, cuts off a
half-written line, and raises OSError (every failure here is one); the session then stops
the recording and says how many were lost (state.py ``recording_failed``).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from typing import Iterable

from .errors import CommandError, clip
from .files import human_size, open_append_fd

__all__ = ["RecordWriter", "parse_size"]

_SIZE = re.compile(r"^(\d+)\s*([kmg]?)(i?b)?$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
MIN_MAX_SIZE = 64 * 1024  # a rotation costs up to MAX_FILES - 1 renames: not every few messages
MAX_FILES = 100
_HINT = "pick a writable path"


def parse_size(text: str) -> int:
    """ "65536", "500k", "10M", "1GiB" -> bytes (k, M, G are 1024-based)."""
    m = _SIZE.match(text.strip())
    if m is None:
        raise CommandError(
            f"--max-size takes a size, not {clip(text)}", "e.g. --max-size 10M (or 500k, 65536)"
        )
    size = int(m.group(1)) * _UNITS[m.group(2).lower()]
    if size < MIN_MAX_SIZE:
        raise CommandError(f"--max-size must be at least {human_size(MIN_MAX_SIZE)}", "e.g. --max-size 1M")
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
        # Why a rotation could not be done (the recording then goes on in FILE, past SIZE,
        # and rotates no more); the session says it once and sets ``rotation_told``.
        self.rotation_failure = ""
        self.rotation_told = False
        self._whole = 0  # lines of a failed write that reached the file whole
        # Once, here: a relative FILE stays where it was when a chdir comes later.
        self._real = os.path.realpath(os.path.expanduser(path))
        self._fd = open_append_fd(self._real, path, _HINT)
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
                    if self.size and not self.rotation_failure:
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
        """Whole lines (one message each), like writelines. Split at "\n" only: a JSON
        line may hold U+2028 and other characters splitlines() would cut at."""
        parts = text.split("\n")
        lines = [part + "\n" for part in parts[:-1]]
        if parts[-1]:
            lines.append(parts[-1])
        self.writelines(lines)

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
        """FILE -> FILE.1 -> ... -> FILE.K-1 (dropped past that), then a new, empty FILE.
        OSError if a FILE.i is not a regular file (the recording stops); a rename or an
        open that fails leaves the open file in use (``rotation_failure``)."""
        if self.files == 1:  # a ring of one: start the file again, in place
            os.ftruncate(self._fd, 0)  # O_APPEND: the next write goes at the new end, 0
            self.size = 0
            self.rotations += 1
            return
        names = [self._real] + [f"{self._real}.{i}" for i in range(1, self.files)]
        present = [_regular(name) for name in names]
        try:
            for i in range(self.files - 2, 0, -1):  # FILE.K-2 -> FILE.K-1 ... FILE.1 -> FILE.2
                if present[i]:
                    os.replace(names[i], names[i + 1])
            os.replace(self._real, names[1])  # still open: it writes FILE.1 now
            try:
                fd = _open_new(self._real, self.path)
            except OSError:
                try:
                    os.replace(names[1], self._real)  # back where it was, still the one in use
                except OSError:
                    pass
                raise
        except OSError as exc:
            self.rotation_failure = (
                f"could not rotate ({exc.strerror or exc}): {self.path} grows past "
                f"{human_size(self.max_size or 0)} from here"
            )
            return
        old, self._fd = self._fd, fd
        os.close(old)
        self.size = 0
        self.rotations += 1


def _regular(path: str) -> bool:
    """Whether ``path`` is there (as a regular file, never followed); OSError when it is
    something else: a rotation renames regular files only."""
    try:
        st = os.lstat(path)
    except OSError:  # not there, or a name that cannot be (too long...): the rename will say
        return False
    if not stat.S_ISREG(st.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "not a regular file"
        raise OSError(errno.EEXIST, f"{path} is {kind}; a ring renames regular files only")
    return True


def _open_new(real: str, what: str) -> int:
    """The new FILE of a rotation; OSError (not CommandError) whatever goes wrong."""
    try:
        return open_append_fd(real, what, _HINT)
    except CommandError as exc:
        raise OSError(errno.EIO, exc.message) from None
