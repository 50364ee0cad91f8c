"""Batch receive/send and the zero-copy paths (issue 5), over every transport."""

from __future__ import annotations

import gc
import hashlib
import threading
import time
from typing import Callable

import pytest

from zmqrepl.core import Context, MessageBatch, Socket, SocketBusy, zerocopy

from .support import wait_until

Make = Callable[[str, str], "tuple[Socket, Socket]"]


def test_recv_many_returns_whole_messages_in_order(connected: Make) -> None:
    pull, push = connected("pull", "push")
    sent = [[b"%d" % i] if i % 3 else [b"%d" % i, b"", b"tail" * i] for i in range(500)]
    assert push.send_many(sent) == 500
    got: list[list[bytes]] = []
    while len(got) < 500:
        batch = pull.recv_many(128)
        assert isinstance(batch, MessageBatch)
        assert 1 <= len(batch) <= 128
        got.extend(batch)
    assert got == sent
    assert len(pull.recv_many(10, nonblocking=True)) == 0


def test_message_batch_indexing_and_frames(connected: Make) -> None:
    pull, push = connected("pull", "push")
    push.send_many([b"a", [b"b", b"c"], "d"])
    deadline = time.monotonic() + 5
    batch = pull.recv_many(3)
    while len(batch) < 3 and time.monotonic() < deadline:  # tcp may deliver in two reads
        batch = MessageBatch(*_merge(batch, pull.recv_many(3)))
    assert batch[0] == [b"a"] and batch[1] == [b"b", b"c"] and batch[-1] == [b"d"]
    assert batch[0:2] == [[b"a"], [b"b", b"c"]]
    assert batch.frames() == [b"a", b"b", b"c", b"d"]
    assert batch.nbytes == 4
    with pytest.raises(IndexError):
        batch[3]


def _merge(a: MessageBatch, b: MessageBatch) -> tuple[bytes, list[int], list[int]]:
    shift, frames = len(a.data), len(a.offsets) - 1
    offsets = list(a.offsets[:-1]) + [o + shift for o in b.offsets]
    ends = list(a.ends) + [e + frames for e in b.ends]
    return a.data + b.data, offsets, ends


def test_recv_many_stops_at_max_bytes(connected: Make) -> None:
    pull, push = connected("pull", "push")
    push.send_many([b"x" * 1000] * 50)
    time.sleep(0.2)
    batch = pull.recv_many(1000, max_bytes=10_000)
    assert 1 <= len(batch) <= 10  # stops once 10,000 bytes are in, between messages


def test_recv_many_honours_rcvtimeo(connected: Make) -> None:
    pull, _push = connected("pull", "push")
    pull.set("rcvtimeo", 100)
    from zmqrepl.core import Again

    started = time.monotonic()
    with pytest.raises(Again):
        pull.recv_many(10)
    assert 0.08 < time.monotonic() - started < 2


def test_send_many_nonblocking_reports_how_many_went(ctx: Context) -> None:
    push = ctx.socket("push")
    push.set("sndhwm", 10)
    push.set("linger", 0)
    push.connect("tcp://127.0.0.1:1")  # never answers: the pipe fills at the HWM
    sent = push.send_many([b"m"] * 100, nonblocking=True)
    assert 1 <= sent < 100


def test_large_bytes_are_sent_without_copy_and_released(connected: Make) -> None:
    pull, push = connected("pull", "push")
    payload = bytes(range(256)) * 8192  # 2 MiB, above the zero-copy threshold
    for _ in range(5):
        push.send(payload)
    for _ in range(5):
        view = pull.recv(as_=memoryview)
        assert view.readonly and len(view) == len(payload)
        assert hashlib.sha256(view).digest() == hashlib.sha256(payload).digest()
    del view
    gc.collect()  # PyPy frees the last view's message (libzmq's hold on the buffer) only then
    push.close()
    pull.close()
    deadline = time.monotonic() + 5
    while zerocopy.held() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert zerocopy.held() == 0  # libzmq handed every buffer back


def test_zero_copy_view_outlives_further_receives(connected: Make) -> None:
    pull, push = connected("pull", "push")
    first, second = b"A" * 200_000, b"B" * 200_000
    push.send(first)
    push.send(second)
    v1 = pull.recv(as_=memoryview)
    v2 = pull.recv(as_=memoryview)
    gc.collect()
    assert bytes(v1) == first and bytes(v2) == second
    small = b"tiny"
    push.send(small)
    assert bytes(pull.recv(as_=memoryview)) == small


def test_blocked_recv_keeps_the_socket_across_wait_slices(ctx: Context) -> None:
    pull, push = ctx.socket("pull"), ctx.socket("push")
    push.connect(pull.bind("inproc://held"))
    got: list[bytes] = []
    t = threading.Thread(target=lambda: got.append(pull.recv()), daemon=True)
    t.start()

    def held() -> bool:
        try:
            pull.get("linger")
        except SocketBusy:
            return True
        return False

    assert wait_until(held), "the receiving thread never held the socket"
    busy = 0
    for _ in range(40):  # 40 tries spread over several 50 ms wait slices
        try:
            pull.get("linger")
        except SocketBusy:
            busy += 1
        time.sleep(0.005)
    assert busy == 40
    push.send(b"done")
    t.join(5)
    assert got == [b"done"]
