"""Pass messages from one socket to another inside C, for a forwarder that needs no
look at them (a tap nobody watches): no byte copied, no Python object per message.

    >>> moved = forward(front, back, 1000)
    >>> moved.count, moved.nbytes, moved.dropped, moved.held
"""

from __future__ import annotations

from dataclasses import dataclass

from ._lib import ffi, lib
from .socket import Socket

__all__ = ["Forwarded", "forward", "forwarded_before"]

_unpack = ffi.unpack


@dataclass(frozen=True)
class Forwarded:
    count: int  # messages passed on
    nbytes: int  # their bytes, every frame
    dropped: int  # refused by a ROUTER ``dst`` (``routed``): its client is gone or full
    held: list[bytes] | None  # a message ``dst`` had no room for: taken from ``src``, not sent


def forward(src: Socket, dst: Socket, max_messages: int, *, routed: bool = False) -> Forwarded:
    """Move up to ``max_messages`` queued messages from ``src`` to ``dst`` without waiting,
    each frame passed on as it is (one call into C, both sockets taken for its length).

    Stops early when ``src`` has no more, or when ``dst`` has no room for the next: with
    ``routed`` (``dst`` is a ROUTER with router_mandatory) such a message is dropped and
    counted, and the rest go on; otherwise it is returned in ``held``, for the caller to
    send when ``dst`` is writable again, and forwarding stops there. A message is never cut
    short, not even by a signal. On an error (raised as for the socket at fault), what was
    done before it is the exception's ``forwarded`` attribute."""
    if not isinstance(src, Socket) or not isinstance(dst, Socket):
        raise TypeError("forward takes two Sockets")
    if src is dst:
        raise ValueError("forward needs two different sockets")
    if max_messages < 1:
        raise ValueError(f"max_messages must be at least 1, not {max_messages}")
    counts = ffi.new("long long[4]")
    failed = ffi.new("int *")
    st = src._st
    rc = lib.zr_forward(st, dst._st, max_messages, lib.ZR_FORWARD_ROUTED if routed else 0, counts, failed)
    held = None
    if counts[3]:
        try:  # the socket is kept for this thread until the frames are copied out
            data, sizes = st.part_data, st.part_size
            held = [_unpack(data[i], sizes[i]) for i in range(counts[3])]
        finally:
            lib.zr_forward_release(st)
    done = Forwarded(int(counts[0]), int(counts[1]), int(counts[2]), held)
    if rc < 0:
        error = (dst if failed[0] == 1 else src)._error(rc, "forward")
        error.forwarded = done  # type: ignore[attr-defined]
        raise error
    return done


def forwarded_before(error: BaseException) -> Forwarded | None:
    """What a failed ``forward`` had done before ``error`` (None for other errors)."""
    done = getattr(error, "forwarded", None)
    return done if isinstance(done, Forwarded) else None
