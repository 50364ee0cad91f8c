"""Poll items over sockets or plain file descriptors, and ``poll``.

>>> r, w = os.pipe()
>>> items = [PollItem(sock, in_=True), PollItem(r, in_=True)]
>>> poll(items, timeout=1000)      # milliseconds; None waits for ever
1
>>> items[1].readable
True
"""

from __future__ import annotations

import time
from typing import Any, Mapping, Protocol, Sequence, Union

from ._async_socket import AsyncSocketBase
from ._lib import ffi, lib
from .constants import Errno, PollFlag
from .errors import error_for
from .forward import Forwarded
from .socket import Socket

__all__ = ["PollItem", "PollSet", "poll"]

_SLICE_MS = lib.ZR_SLICE_MS


class HasFileno(Protocol):
    def fileno(self) -> int: ...


class PollItem:
    """What to wait for on one socket or fd; after ``poll``, what happened."""

    __slots__ = ("events", "fd", "revents", "socket")

    def __init__(
        self, source: Union[Socket, int, HasFileno, Any], in_: bool = False, out: bool = False
    ) -> None:
        if not (in_ or out):
            raise ValueError("a poll item needs in_=True, out=True or both")
        self.socket: Socket | None = None
        if isinstance(source, Socket):
            self.socket = source
            self.fd = -1
        elif isinstance(source, AsyncSocketBase):
            # An async socket (zmqrepl.core.asyncio, .anyio): the plain socket it wraps,
            # for their own poll (the plain poll here refuses it).
            self.socket = source.socket
            self.fd = -1
        elif isinstance(source, int) and not isinstance(source, bool):
            if source < 0:
                raise ValueError(f"file descriptor must be 0 or more, not {source}")
            self.fd = source
        elif hasattr(source, "fileno"):
            self.fd = int(source.fileno())
        else:
            raise TypeError(
                f"poll item needs a Socket, an int fd or an object with fileno(), not {type(source).__name__}"
            )
        self.events = PollFlag((PollFlag.POLLIN if in_ else 0) | (PollFlag.POLLOUT if out else 0))
        self.revents = PollFlag(0)

    @property
    def readable(self) -> bool:
        return bool(self.revents & PollFlag.POLLIN)

    @property
    def writable(self) -> bool:
        return bool(self.revents & PollFlag.POLLOUT)

    @property
    def error(self) -> bool:
        return bool(self.revents & PollFlag.POLLERR)

    def __repr__(self) -> str:
        what = repr(self.socket) if self.socket is not None else f"fd {self.fd}"
        return f"<PollItem {what} events={self.events!s} revents={self.revents!s}>"


def poll(items: Sequence[PollItem], timeout: int | float | None = None) -> int:
    """Wait until an item is ready; returns how many are. ``timeout`` in ms:
    None waits for ever, 0 returns at once. Ctrl-C interrupts it."""
    n = len(items)
    if timeout is not None and timeout < 0:
        timeout = None
    states: Any = ffi.new("zr_socket_t *[]", max(n, 1))
    raw: Any = ffi.new("zmq_pollitem_t[]", max(n, 1))
    for i, item in enumerate(items):
        if not isinstance(item, PollItem):
            raise TypeError(f"poll() takes PollItems, not {type(item).__name__}")
        _refuse_async(item, "poll()")
        states[i] = item.socket._st if item.socket is not None else ffi.NULL
        raw[i].fd = item.fd
        raw[i].events = int(item.events)
        item.revents = PollFlag(0)
    failed: Any = ffi.new("int *")
    deadline = None if timeout is None else time.monotonic() + timeout / 1000.0
    while True:
        if deadline is None:
            wait = _SLICE_MS
        else:
            wait = max(0, min(_SLICE_MS, int((deadline - time.monotonic()) * 1000 + 0.999)))
        # The sockets are free between two slices: a close or term() in another
        # thread can take one then, and the next slice reports that (_raise_for).
        rc = lib.zr_poll(states, raw, n, wait, 0, failed)
        if rc > 0 or (rc == 0 and deadline is not None and time.monotonic() >= deadline):
            break
        if rc < 0 and not (rc == lib.ZR_ERR and ffi.errno == Errno.EINTR):
            _raise_for(items, rc, failed[0])
        # Looping back here runs any pending signal handler (Ctrl-C raises).
    for i, item in enumerate(items):
        item.revents = PollFlag(raw[i].revents)
    return int(rc)


class PollSet:
    """The same items polled again and again (an event loop): the C arrays are made once,
    and ``wait`` gives the revents as plain ints. ``poll`` sets up its arrays and PollFlags
    on every call (measured: 15 to 19 us for 5 items, against 3 to 5 us here).

    >>> ready = PollSet(items).wait(100)     # one int per item: POLLIN 1, POLLOUT 2, ...

    ``forwards`` (item index: (destination socket, routed)) makes ``wait`` pass on what
    that item's socket receives to the destination inside C, as ``forward`` does, and
    go on waiting, so that a forwarder's messages never come back to Python one by one;
    ``forwarded(i)`` then says what was passed on. ``set_forwarding(i, False)`` pauses
    it (the item is reported ready as any other).
    """

    __slots__ = (
        "_counts",
        "_failed",
        "_flags",
        "_forward_dst",
        "_n",
        "_raw",
        "_states",
        "_to",
        "_total",
        "extra",
        "items",
    )

    def __init__(
        self, items: Sequence[PollItem], forwards: Mapping[int, tuple[Socket, bool]] | None = None
    ) -> None:
        self.items = list(items)  # keeps each socket, so its state stays alive
        n = self._n = len(self.items)
        for item in self.items:
            if not isinstance(item, PollItem):
                raise TypeError(f"PollSet takes PollItems, not {type(item).__name__}")
            _refuse_async(item, "PollSet")
        index = {item.socket: i for i, item in enumerate(self.items) if item.socket is not None}
        # A destination that is not polled is polled for nothing, so that the poll takes it.
        self.extra = list(dict.fromkeys(dst for dst, _ in (forwards or {}).values() if dst not in index))
        total = self._total = n + len(self.extra)
        for j, dst in enumerate(self.extra):
            index[dst] = n + j
        self._states: Any = ffi.new("zr_socket_t *[]", max(total, 1))
        self._raw: Any = ffi.new("zmq_pollitem_t[]", max(total, 1))
        self._failed: Any = ffi.new("int *")
        for i, item in enumerate(self.items):
            self._states[i] = item.socket._st if item.socket is not None else ffi.NULL
            self._raw[i].fd = item.fd
            self._raw[i].events = int(item.events)
        for j, dst in enumerate(self.extra):
            self._states[n + j] = dst._st
            self._raw[n + j].events = 0
        self._to: Any = ffi.NULL
        self._flags: Any = ffi.NULL
        self._counts: Any = ffi.NULL
        self._forward_dst: dict[int, int] = {}
        if forwards:
            self._to = ffi.new("int[]", [-1] * total)
            self._flags = ffi.new("int[]", total)
            self._counts = ffi.new("long long[]", 4 * total)
            for i, (dst, routed) in forwards.items():
                sock = self.items[i].socket
                if sock is None or sock is dst or not 0 <= i < n:
                    raise ValueError("a forward goes from a polled socket to another socket")
                self._forward_dst[i] = index[dst]
                self._to[i] = index[dst]
                self._flags[i] = lib.ZR_FORWARD_ROUTED if routed else 0

    def set_forwarding(self, index: int, on: bool) -> None:
        """Pass on item ``index``'s messages during ``wait`` (as set up), or not."""
        self._to[index] = self._forward_dst[index] if on else -1

    def wait(self, timeout: int, spin_us: int = 0, respin_us: int = 0) -> list[int]:
        """Wait up to ``timeout`` ms (at most one wait slice; 0: at once) for any item;
        the revents of each (all 0 when nothing was ready or a signal came). ``spin_us``:
        poll without sleeping for that long first (at most the timeout), which answers a
        message that comes soon some tens of us sooner and keeps a core busy meanwhile.
        ``respin_us``: after passing messages on (``forwards``), spin that long again."""
        raw, n = self._raw, self._n
        timeout = max(0, min(int(timeout), _SLICE_MS))
        spin = max(0, min(int(spin_us), timeout * 1000))
        rc = lib.zr_poll_forwarding(
            self._states,
            raw,
            self._total,
            timeout,
            spin,
            self._failed,
            self._to,
            self._flags,
            self._counts,
            respin_us,
        )
        if rc > 0:
            return [raw[i].revents for i in range(n)]
        if rc < 0 and not (rc == lib.ZR_ERR and ffi.errno == Errno.EINTR):
            _raise_for(self.items + [PollItem(dst, in_=True) for dst in self.extra], rc, self._failed[0])
        return [0] * n

    def forwarded(self, index: int) -> Forwarded | None:
        """What the last ``wait`` passed on from item ``index`` (None: nothing). A message
        the destination had no room for is in ``held``: taken, not sent."""
        counts = self._counts
        base = 4 * index
        held_frames = counts[base + 3]
        if not (counts[base] or counts[base + 2] or held_frames):
            return None
        held = None
        if held_frames:
            st = self._states[index]
            try:  # the socket is kept for this thread until the frames are copied out
                data, sizes = st.part_data, st.part_size
                held = [ffi.unpack(data[i], sizes[i]) for i in range(held_frames)]
            finally:
                lib.zr_forward_release(st)
                counts[base + 3] = 0
        return Forwarded(int(counts[base]), int(counts[base + 1]), int(counts[base + 2]), held)


def _refuse_async(item: PollItem, who: str) -> None:
    """A blocking poll would read the events of an async socket and reset its fd's
    signal behind the back of the tasks waiting on it (a lost wake-up)."""
    sock = item.socket
    ref = sock._async_owner if sock is not None else None
    if ref is not None and ref() is not None:
        raise TypeError(
            f"{who} cannot wait on a socket that an async socket owns (hint: "
            "await zmqrepl.core.asyncio.poll(...) or zmqrepl.core.anyio.poll(...) instead)"
        )


def _raise_for(items: Sequence[PollItem], rc: int, failed: int) -> None:
    if rc in (lib.ZR_BUSY, lib.ZR_CLOSED):
        sock = items[failed].socket
        if sock is not None:
            raise sock._error(rc, "poll")  # closed, terminated or busy, as that socket says
    errno = ffi.errno
    if errno == Errno.ETERM:
        # As recv does: close the sockets whose context ended, or term() waits for ever.
        for item in items:
            sock = item.socket
            if sock is not None and sock.context.closed:
                sock._close_terminated()
    raise error_for(errno, "poll")
