"""The EventLog: bounded, thread-safe, with exact per-socket drop counts."""

from __future__ import annotations

import dataclasses
import gc
import importlib.util
import threading
import time
import weakref
from typing import cast

import pytest

from zmqrepl.core import Socket, SocketType
from zmqrepl.session import EventLog, Message, MonitorNotice, Notice
from zmqrepl.session.captured import MessageRing
from zmqrepl.session.entry import SocketEntry
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


def test_capture_many_makes_what_capture_makes_numbered_in_order() -> None:
    frames = [[b"a" * (DISPLAY_PREFIX + 5), b"t"], [b""], [b"x", b"y", b"z"]]
    waiting = [(1.5, f, ("c→s", "peer")) for f in frames]
    made = Message.capture_many("s", waiting, "hex", "line", 7, queued=True)
    one_by_one = [
        Message.capture(
            "s", f, "hex", direction="c→s", peer="peer", number=7 + i, view="line", at=1.5, queued=True
        )
        for i, f in enumerate(frames)
    ]
    assert made == one_by_one
    assert [hash(m) for m in made] == [hash(m) for m in one_by_one]
    assert [repr(m) for m in made] == [repr(m) for m in one_by_one]
    assert made[0].sizes == (DISPLAY_PREFIX + 5, 1) and len(made[0].frames[0]) == DISPLAY_PREFIX
    with pytest.raises(dataclasses.FrozenInstanceError):
        made[0].number = 1  # type: ignore[misc]


def test_push_many_is_push_of_each() -> None:
    one, many = EventLog(capacity=50), EventLog(capacity=50)
    flag = many.subscribe()
    events = [msg("a" if i % 3 else "b", i) for i in range(120)]
    for e in events:
        one.push(e)
    many.push_many(events[:70])
    assert flag.is_set()
    many.push_many([])
    many.push_many(events[70:])
    a, b = one.take(), many.take()
    assert a.events == b.events == events[70:]
    assert a.dropped == b.dropped == {"a": 46, "b": 24}


def test_watch_buffer_add_many_is_add_of_each() -> None:
    one, many = WatchBuffer(capacity=5), WatchBuffer(capacity=5)
    messages = [msg("s", i, size=4) for i in range(12)]
    for m in messages:
        one.add(m)
    many.add_many(messages[:3])
    many.add_many(messages[3:])
    assert (many.total, many.total_bytes, many.snapshot()) == (one.total, one.total_bytes, one.snapshot())


def test_ring_capture_many_numbers_and_bounds_as_capture_does() -> None:
    entry = SocketEntry("s", SocketType.SUB, cast(Socket, None), fmt="text", view="line")
    one, many = MessageRing(size=3, max_bytes=10_000), MessageRing(size=3, max_bytes=10_000)
    frames = [[b"%d" % i] for i in range(5)] + [[b"x" * 9_990]]  # the last alone is over the bytes
    for f in frames:
        one.capture(entry, f, at=2.0)
    many.capture_many(entry, [(2.0, f, ("", "")) for f in frames[:2]])
    many.capture(entry, frames[2], at=2.0)
    many.capture_many(entry, [(2.0, f, ("", "")) for f in frames[3:]])
    assert many.snapshot() == one.snapshot()
    assert [m.number for m in many.snapshot()] == [6]  # 9,990 + 64 bytes left room for no other
    assert many.state() == one.state() == (6, 6, 1)
    assert many.snapshot()[0].fmt == "text" and many.snapshot()[0].view == "line"
