"""forward: messages passed from socket to socket inside C, as a tap does when nobody
watches it. Real sockets over every transport; what arrives is compared frame by frame."""

from __future__ import annotations

import os
import threading
from typing import Callable

import pytest

from zmqrepl.core import (
    Context,
    Errno,
    Option,
    PollItem,
    PollSet,
    Socket,
    SocketBusy,
    SocketClosed,
    ZMQError,
    forward,
    poll,
)

from .support import wait_blocked, wait_until


def _chain(
    ctx: Context, endpoint: str, new_endpoint: Callable[[], str]
) -> tuple[Socket, Socket, Socket, Socket]:
    """producer -> src, dst -> consumer: forward(src, dst) is the middle."""
    src, dst = ctx.socket("pull"), ctx.socket("push")
    producer, consumer = ctx.socket("push"), ctx.socket("pull")
    for s in (src, dst, producer, consumer):
        s.set("linger", 0)
        s.set("rcvtimeo", 5000)
    producer.connect(src.bind(endpoint))
    consumer.connect(dst.bind(new_endpoint()))
    return producer, src, dst, consumer


def _forward_until(src: Socket, dst: Socket, n: int) -> tuple[int, int]:
    """forward until n messages have gone: (messages, bytes) as forward counted them."""
    count = nbytes = 0

    def step() -> bool:
        nonlocal count, nbytes
        moved = forward(src, dst, 1000)
        assert moved.held is None and moved.dropped == 0
        count += moved.count
        nbytes += moved.nbytes
        return count >= n

    assert wait_until(step, timeout=10), f"only {count} of {n} messages came to forward"
    return count, nbytes


def test_messages_pass_whole_unchanged_and_in_order(
    ctx: Context, endpoint: str, new_endpoint: Callable[[], str]
) -> None:
    producer, src, dst, consumer = _chain(ctx, endpoint, new_endpoint)
    messages = [[f"{i}".encode(), b"", bytes(range(256)) * (i % 3)] for i in range(300)]
    messages.append([b"big", b"x" * 1_000_000])  # past libzmq's small-message size: a shared buffer
    for m in messages:
        producer.send_multipart(m)
    count, nbytes = _forward_until(src, dst, len(messages))
    assert (count, nbytes) == (len(messages), sum(len(f) for m in messages for f in m))
    assert [consumer.recv_multipart() for _ in messages] == messages


def test_at_most_max_messages_and_nothing_waits(
    ctx: Context, endpoint: str, new_endpoint: Callable[[], str]
) -> None:
    producer, src, dst, consumer = _chain(ctx, endpoint, new_endpoint)
    assert forward(src, dst, 10).count == 0  # nothing queued: back at once
    for i in range(5):
        producer.send(f"{i}")
    calls: list[int] = []

    def step() -> bool:
        moved = forward(src, dst, 2)
        # dst has a peer and room: a held message would be lost here, so say so at once
        assert moved.held is None, (calls, moved)
        calls.append(moved.count)
        return sum(calls) == 5

    assert wait_until(step), calls
    assert all(c <= 2 for c in calls) and len(calls) >= 3  # never more than asked
    assert [consumer.recv(as_=str) for _ in range(5)] == ["0", "1", "2", "3", "4"]


def test_a_message_the_far_side_cannot_take_is_held_and_nothing_after_it_is_taken(
    ctx: Context, endpoint: str
) -> None:
    src, producer = ctx.socket("pull"), ctx.socket("push")
    dst = ctx.socket("push")  # no peer yet: it takes nothing (EAGAIN)
    for s in (src, producer, dst):
        s.set("linger", 0)
    producer.connect(src.bind(endpoint))
    producer.send_multipart([b"first", b"two"])
    producer.send(b"second")
    assert poll([PollItem(src, in_=True)], 5000) == 1
    moved = forward(src, dst, 10)
    assert (moved.count, moved.dropped, moved.held) == (0, 0, [b"first", b"two"])
    # the socket is let go after the copy-out: another thread can use it at once
    got: list[object] = []
    src.set("rcvtimeo", 5000)
    reader = threading.Thread(target=lambda: got.append(src.recv()))
    reader.start()
    reader.join(5)
    assert got == [b"second"]  # the second was left in src, not taken


def _replies_for_a_router(ctx: Context, endpoint: str) -> tuple[Socket, Socket, Socket, Socket]:
    """(producer, src, router, client), the producer returned so that it stays open: src
    holds two replies, the first for a client the router
    (router_mandatory) does not know, the second for ``client``, which it does."""
    src, producer = ctx.socket("pull"), ctx.socket("push")
    router, client = ctx.socket("router"), ctx.socket("dealer")
    for s in (src, producer, router, client):
        s.set("linger", 0)
    router.set(Option.ROUTER_MANDATORY, True)
    client.set(Option.ROUTING_ID, b"here")
    for s in (client, router):
        s.set("rcvtimeo", 5000)
    client.connect(router.bind("tcp://127.0.0.1:*"))
    client.send(b"hello")  # the router learns the client
    assert router.recv_multipart() == [b"here", b"hello"]
    producer.connect(src.bind(endpoint))
    producer.send_multipart([b"gone", b"lost"])
    producer.send_multipart([b"here", b"kept"])
    return producer, src, router, client


def test_a_router_drops_what_it_cannot_route_and_goes_on(ctx: Context, endpoint: str) -> None:
    """routed: a reply for a client that is not there is dropped and counted; the next,
    for a client that is, still goes."""
    _producer, src, router, client = _replies_for_a_router(ctx, endpoint)
    total = [0, 0]

    def step() -> bool:
        moved = forward(src, router, 10, routed=True)
        assert moved.held is None
        total[0] += moved.count
        total[1] += moved.dropped
        return total == [1, 1]

    assert wait_until(step), total
    assert client.recv_multipart() == [b"kept"]


def test_errors_name_the_socket_and_never_crash(ctx: Context) -> None:
    a, b = ctx.socket("pull"), ctx.socket("push")
    with pytest.raises(ValueError):
        forward(a, a, 10)
    with pytest.raises(ValueError):
        forward(a, b, 0)
    with pytest.raises(TypeError):
        forward(a, "b", 10)  # type: ignore[arg-type]
    b.close()
    with pytest.raises(SocketClosed, match="PUSH"):
        forward(a, b, 10)
    a.close()
    with pytest.raises(SocketClosed, match="PULL"):
        forward(a, ctx.socket("push"), 10)


def test_a_socket_another_thread_waits_on_is_busy(ctx: Context, endpoint: str) -> None:
    src, dst = ctx.socket("pull"), ctx.socket("push")
    for s in (src, dst):
        s.set("linger", 0)
    src.bind(endpoint)
    src.set("rcvtimeo", 1500)
    errors: list[ZMQError] = []

    def wait_in_recv() -> None:
        try:
            src.recv()
        except ZMQError as exc:
            errors.append(exc)

    waiter = threading.Thread(target=wait_in_recv)
    waiter.start()
    wait_blocked(src)
    with pytest.raises(SocketBusy):
        forward(src, dst, 10)
    waiter.join(10)
    assert [e.errno for e in errors] == [Errno.EAGAIN]  # its own timeout, undisturbed


# -- PollSet(forwards=...): the same, inside the wait -----------------------------------------


def _wait_forwarding(
    ps: PollSet, index: int, until: Callable[[list[int], int], bool]
) -> tuple[list[int], int]:
    """wait() until ``until(revents, passed so far)``: (the last revents, messages passed)."""
    passed = 0
    ready: list[int] = []

    def step() -> bool:
        nonlocal ready, passed
        ready = ps.wait(50, 0, 100)
        moved = ps.forwarded(index)
        passed += moved.count if moved is not None else 0
        return until(ready, passed)

    assert wait_until(step, timeout=10), passed
    return ready, passed


def test_a_poll_set_passes_messages_on_while_it_waits_and_reports_none_of_them(
    ctx: Context, endpoint: str, new_endpoint: Callable[[], str]
) -> None:
    producer, src, dst, consumer = _chain(ctx, endpoint, new_endpoint)
    ps = PollSet([PollItem(src, in_=True)], {0: (dst, False)})  # dst is polled for nothing
    sent = [[b"m%d" % i, b"x" * i] for i in range(300)]
    for msg in sent:
        producer.send_multipart(msg)
    ready, passed = _wait_forwarding(ps, 0, lambda _ready, passed: passed == 300)
    assert ready == [0]  # never reported ready: C passed everything on
    assert [consumer.recv_multipart() for _ in sent] == sent
    ps.set_forwarding(0, False)  # off: src is a plain item again
    producer.send(b"after")
    ready, passed = _wait_forwarding(ps, 0, lambda ready, _passed: ready == [1])
    assert passed == 0 and src.recv() == b"after"


def test_a_poll_set_leaves_a_message_the_far_side_cannot_take_to_python(ctx: Context, endpoint: str) -> None:
    src, producer = ctx.socket("pull"), ctx.socket("push")
    dst = ctx.socket("push")  # no peer: it takes nothing (EAGAIN)
    for s in (src, producer, dst):
        s.set("linger", 0)
    producer.connect(src.bind(endpoint))
    producer.send_multipart([b"first", b"two"])
    producer.send(b"second")
    ps = PollSet([PollItem(src, in_=True)], {0: (dst, False)})
    held: list[list[bytes] | None] = []

    def step() -> bool:
        ps.wait(50)
        moved = ps.forwarded(0)
        if moved is not None:
            assert moved.count == 0
            held.append(moved.held)
        return bool(held)

    assert wait_until(step, timeout=10)
    assert held == [[b"first", b"two"]]
    src.set("rcvtimeo", 5000)
    assert src.recv() == b"second"  # left in src, and src free to use at once


def test_a_poll_set_forwarding_to_a_router_drops_and_counts_what_it_cannot_route(
    ctx: Context, endpoint: str
) -> None:
    _producer, src, router, client = _replies_for_a_router(ctx, endpoint)
    ps = PollSet([PollItem(src, in_=True), PollItem(router, in_=True)], {0: (router, True)})
    total = [0, 0]

    def step() -> bool:
        ps.wait(50)
        moved = ps.forwarded(0)
        if moved is not None:
            assert moved.held is None
            total[0] += moved.count
            total[1] += moved.dropped
        return total == [1, 1]

    assert wait_until(step), total
    assert client.recv_multipart() == [b"kept"]


def test_a_poll_set_refuses_a_forward_to_itself_or_from_an_fd(ctx: Context) -> None:
    sock = ctx.socket("pull")
    r, w = os.pipe()
    try:
        with pytest.raises(ValueError):
            PollSet([PollItem(sock, in_=True)], {0: (sock, False)})
        with pytest.raises(ValueError):
            PollSet([PollItem(r, in_=True)], {0: (ctx.socket("push"), False)})
    finally:
        os.close(r)
        os.close(w)
