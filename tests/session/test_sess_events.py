"""The EventLog: bounded, thread-safe, with exact per-socket drop counts."""

from __future__ import annotations

import gc
import importlib.util
import threading
import time
import weakref
from typing import cast

from zmqrepl.session import EventLog, Message, MonitorNotice, Notice
from zmqrepl.session.events import DISPLAY_PREFIX, WatchBuffer


def msg(sock: str, i: int, size: int = 10) -> Message:
    return Message.capture(sock, [f"{i}".encode().ljust(size, b".")])


def test_overflow_drops_oldest_and_counts_exactly() -> None:
    log = EventLog(capacity=100)
    for i in range(10_000):
        log.push(msg("a" if i % 2 == 0 else "b", i))
    assert len(log) == 100
    batch = log.take()
    assert batch.dropped == {"a": 4950, "b": 4950}
    messages = cast("list[Message]", batch.events)  # only Messages were pushed
    assert [int(e.frames[0].rstrip(b".")) for e in messages] == list(range(9900, 10_000))
    assert len(log) == 0
    empty = log.take()
    assert empty.events == [] and empty.dropped == {}


def test_take_with_limit_keeps_other_events() -> None:
    log = EventLog(capacity=1000)
    for i in range(50):
        log.push(msg("s", i))
    log.push(Notice("replay done"))
    log.push(MonitorNotice("s", time.time(), "connected", "tcp://127.0.0.1:1", 0))
    batch = log.take(10)
    assert [type(e).__name__ for e in batch.events] == ["Message"] * 10 + ["Notice", "MonitorNotice"]
    assert batch.dropped == {"s": 40}


def test_memory_stays_bounded() -> None:
    log = EventLog(capacity=200)
    pushed: weakref.WeakSet[Message] = weakref.WeakSet()
    # tracemalloc is CPython's (PyPy has none): there it also bounds what else a push keeps.
    traced = importlib.util.find_spec("_tracemalloc") is not None
    if traced:
        import tracemalloc

        tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0] if traced else 0
        for i in range(20_000):
            message = Message.capture("s", [bytes([i % 256]) * 1000])
            pushed.add(message)
            log.push(message)
        current = tracemalloc.get_traced_memory()[0] if traced else 0
    finally:
        if traced:
            tracemalloc.stop()
    del message
    gc.collect()
    # 20,000 kB went through; only ~200 kB of it may stay: the 200 messages the log holds.
    assert current - base < 2_000_000
    assert len(pushed) == 200
    assert len(log) == 200
    assert log.take().dropped == {"s": 19_800}


def test_concurrent_pushers_lose_nothing_uncounted() -> None:
    log = EventLog(capacity=500)
    taken = 0
    dropped = 0
    stop = threading.Event()

    def push(name: str) -> None:
        for i in range(20_000):
            log.push(msg(name, i))

    threads = [threading.Thread(target=push, args=(n,)) for n in ("x", "y", "z")]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads) or not stop.is_set():
        batch = log.take(50)
        taken += len(batch.events)
        dropped += sum(batch.dropped.values())
        if not any(t.is_alive() for t in threads):
            stop.set()
    for t in threads:
        t.join(timeout=30)
    batch = log.take()
    taken += len(batch.events)
    dropped += sum(batch.dropped.values())
    assert taken + dropped == 60_000


def test_subscribe_flag() -> None:
    log = EventLog()
    flag = log.subscribe()
    assert not flag.is_set()
    log.push(Notice("x"))
    assert flag.is_set()
    log.unsubscribe(flag)
    flag.clear()
    log.push(Notice("y"))
    assert not flag.is_set()


def test_message_capture_keeps_prefix_and_true_sizes() -> None:
    m = Message.capture("s", [b"a" * (DISPLAY_PREFIX * 3), b""])
    assert len(m.frames[0]) == DISPLAY_PREFIX and m.sizes == (DISPLAY_PREFIX * 3, 0)


def test_watch_buffer_ring() -> None:
    buf = WatchBuffer(capacity=5)
    for i in range(12):
        buf.add(msg("s", i, size=4))
    assert buf.total == 12 and buf.total_bytes == 48
    assert [m.frames[0].rstrip(b".") for m in buf.snapshot()] == [b"7", b"8", b"9", b"10", b"11"]
