"""Keeping zero-copy send buffers alive until libzmq is done with them.

libzmq frees a zero-copy message from its I/O thread, where no Python may run;
the C callback only records the buffer's token, and ``collect`` (called on each
zero-copy send, on close, or by you) drops the references it recorded.
"""

from __future__ import annotations

import itertools
import threading

from ._lib import ffi, lib

__all__ = ["ZEROCOPY_THRESHOLD", "collect", "held", "hold"]

# Below this size copying is cheaper than the bookkeeping (measured: bench/).
ZEROCOPY_THRESHOLD = 64 * 1024

_held: dict[int, bytes] = {}
_tokens = itertools.count(1)
_lock = threading.Lock()
_out = ffi.new("long long[]", 256)


def hold(data: bytes) -> int:
    """Keep ``data`` alive; returns the token the C side will hand back."""
    token = next(_tokens)
    with _lock:
        _held[token] = data
    return token


def collect() -> int:
    """Drop buffers libzmq has released; returns how many."""
    total = 0
    with _lock:
        while True:
            n = lib.zr_released(_out, 256)
            for i in range(n):
                _held.pop(_out[i], None)
            total += int(n)
            if n < 256:
                return total


def held() -> int:
    """How many zero-copy buffers libzmq still holds."""
    collect()
    return len(_held)
