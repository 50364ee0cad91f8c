"""Reading files the user names, always a bounded amount and never blocking.

    >>> read_bounded("/dev/zero", 1024, "@/dev/zero", "1 KiB", "check the path")
    Traceback (most recent call last):
    CommandError: @/dev/zero is not a regular file (it is a character device) (hint: ...)

Every input that names a file (``@path`` frames, ``source``, ``replay``, the shell's
config and history) reads through here, so one rule holds for all of them:

- only regular files: a device (/dev/zero, a terminal), a FIFO, a socket or a
  directory is refused before anything is read, since its size says nothing
  about how much it would give, and reading it may block for ever;
- the file is opened with O_NONBLOCK (a FIFO swapped in after the check does
  not block the open) and checked again on the opened descriptor, not the path;
- at most ``cap + 1`` bytes are read, since a regular file can grow while it is
  read and /proc files report a size of 0.
"""

from __future__ import annotations

import os
import stat
from typing import IO, Iterator

from .errors import CommandError

__all__ = [
    "BoundedLines",
    "human_size",
    "open_append",
    "open_append_fd",
    "open_regular",
    "read_bounded",
    "read_tail",
]

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
)
_CHUNK = 1024 * 1024
_ODD_HINT = "only regular files are read (a device or a pipe may never end); copy what you need into a file"


def human_size(n: int) -> str:
    """``n`` bytes for a message: "64 MiB" when exact, else every byte ("2,000 bytes"), so a
    size just over a limit never rounds to the limit itself."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n:,} bytes"


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a file")


def open_regular(path: str, what: str, hint: str) -> tuple[int, int]:
    """(descriptor, size) of a regular file opened for reading; CommandError otherwise."""
    real = os.path.expanduser(path)
    try:
        # Checked before opening too: opening a device can itself have effects (a tape
        # rewinds, a terminal becomes the controlling one).
        before = os.stat(real)
        if not stat.S_ISREG(before.st_mode):
            raise CommandError(f"{what} is not a regular file (it is {_kind(before.st_mode)})", _ODD_HINT)
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as exc:
        raise CommandError(f"cannot read {what}: {exc.strerror}", hint) from None
    try:
        st = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise CommandError(f"cannot read {what}: {exc.strerror}", hint) from None
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise CommandError(f"{what} is not a regular file (it is {_kind(st.st_mode)})", _ODD_HINT)
    return fd, st.st_size


def read_tail(path: str, cap: int, what: str, hint: str) -> bytes:
    """The last ``cap`` bytes (at most) of regular file ``path``: for a log that may grow
    without end (history), where the newest part is what matters."""
    fd, size = open_regular(path, what, hint)
    try:
        if size > cap:
            os.lseek(fd, size - cap, os.SEEK_SET)
        chunks: list[bytes] = []
        total = 0
        while total < cap:
            chunk = os.read(fd, min(_CHUNK, cap - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise CommandError(f"cannot read {what}: {exc.strerror}", hint) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def open_append(path: str, what: str, hint: str) -> IO[str]:
    """A regular file opened to append UTF-8 text (made if missing); never blocks on a FIFO."""
    fd = open_append_fd(path, what, hint)
    try:
        return open(fd, "a", encoding="utf-8")
    except OSError as exc:
        os.close(fd)
        raise CommandError(f"cannot write {what}: {exc.strerror}", hint) from None


def open_append_fd(path: str, what: str, hint: str) -> int:
    """A blocking descriptor of a regular file opened to append (made if missing); the
    open itself never blocks on a FIFO."""
    real = os.path.expanduser(path)
    try:
        try:
            before = os.stat(real)
        except FileNotFoundError:
            pass
        else:
            if not stat.S_ISREG(before.st_mode):
                raise CommandError(
                    f"{what} is not a regular file (it is {_kind(before.st_mode)})",
                    "write to a regular file (a new path makes one)",
                )
        fd = os.open(
            real, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY, 0o666
        )
    except OSError as exc:
        raise CommandError(f"cannot write {what}: {exc.strerror}", hint) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise CommandError(
                f"{what} is not a regular file (it is {_kind(st.st_mode)})",
                "write to a regular file (a new path makes one)",
            )
        os.set_blocking(fd, True)
        os.lseek(fd, 0, os.SEEK_END)  # what open(fd, "a") checked: /proc files refuse it
        return fd
    except OSError as exc:  # e.g. /proc files: regular, but they refuse to seek or append
        os.close(fd)
        raise CommandError(f"cannot write {what}: {exc.strerror}", hint) from None
    except CommandError:
        os.close(fd)
        raise


def _too_big(what: str, size: int | None, limit: str, hint: str) -> CommandError:
    if size is None:  # found by reading: the file grew, or its size says 0 (/proc)
        return CommandError(f"{what} is larger than {limit}", hint)
    return CommandError(f"{what} is {human_size(size)}, larger than {limit}", hint)


def read_bounded(
    path: str, cap: int, what: str, limit: str, hint: str, *, big_hint: str | None = None
) -> bytes:
    """The whole content of regular file ``path`` if it holds at most ``cap`` bytes.

    ``what`` names the input in messages ("@big.bin", "source file x.zmq"), ``limit``
    names the cap ("maxmsgsize 64 MiB"); ``big_hint`` is the hint when it is too large.
    """
    big_hint = big_hint or hint
    fd, size = open_regular(path, what, hint)
    try:
        if size > cap:
            raise _too_big(what, size, limit, big_hint)
        chunks: list[bytes] = []
        total = 0
        # One read of the announced size (+1 to see the end) takes a plain file in one
        # piece, without a copy; more reads only come from files that grow or lie (/proc).
        want = size + 1 if size else 64 * 1024
        while total <= cap:
            try:
                chunk = os.read(fd, min(want, cap + 1 - total))
            except OSError as exc:
                raise CommandError(f"cannot read {what}: {exc.strerror}", hint) from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            want = _CHUNK
        if total > cap:
            raise _too_big(what, None, limit, big_hint)
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class BoundedLines:
    """The lines (bytes, without the newline) of a regular file, each at most ``line_cap``
    bytes, at most ``cap`` bytes in all; memory holds one line and one chunk at a time.

        with BoundedLines(path, ...) as lines:
            for number, line in lines: ...
    """

    def __init__(self, path: str, what: str, hint: str, *, cap: int, line_cap: int, cap_text: str) -> None:
        self.what = what
        self.hint = hint
        self.cap = cap
        self.line_cap = line_cap
        self.cap_text = cap_text
        self._fd, size = open_regular(path, what, hint)
        if size > cap:
            self.close()
            raise _too_big(what, size, cap_text, hint)

    def __enter__(self) -> BoundedLines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # a reader dropped unclosed (a session torn down) keeps no fd
        self.close()

    def close(self) -> None:
        if getattr(self, "_fd", -1) >= 0:
            os.close(self._fd)
            self._fd = -1

    def rewind(self) -> None:
        """Read again from the start, on the same descriptor: the same file, even if its
        path now names another one."""
        try:
            os.lseek(self._fd, 0, os.SEEK_SET)
        except OSError as exc:
            raise CommandError(f"cannot read {self.what}: {exc.strerror}", self.hint) from None

    def _read(self) -> bytes:
        try:
            return os.read(self._fd, _CHUNK)
        except OSError as exc:
            raise CommandError(f"cannot read {self.what}: {exc.strerror}", self.hint) from None

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        # A line that spans chunks is kept as its pieces and joined once at its newline:
        # a growing bytearray would be reallocated as it grows, and PyPy keeps the old
        # buffers until a major collection (a 100 MiB line without a newline grew its
        # RSS by 772 MB before the cap refused it; as pieces, by 88 MB).
        pending: list[bytes] = []
        pending_size = 0
        number = 0
        total = 0
        while True:
            chunk = self._read() if self._fd >= 0 else b""
            total += len(chunk)
            if total > self.cap:
                raise _too_big(self.what, None, self.cap_text, self.hint)
            start = 0
            while True:
                end = chunk.find(b"\n", start)
                if end < 0:
                    break
                number += 1
                if pending_size + end - start > self.line_cap:
                    raise self._long_line(number)
                if pending:
                    pending.append(chunk[start:end])
                    line = b"".join(pending)
                    pending.clear()
                    pending_size = 0
                else:
                    line = chunk[start:end]
                yield number, line
                start = end + 1
            rest = chunk[start:] if start else chunk
            if rest:
                pending.append(rest)
                pending_size += len(rest)
            if pending_size > self.line_cap:
                raise self._long_line(number + 1)
            if not chunk:
                if pending:
                    yield number + 1, b"".join(pending)
                return

    def _long_line(self, number: int) -> CommandError:
        return CommandError(
            f"{self.what} line {number} is longer than {human_size(self.line_cap)}", self.hint
        )
