"""The edge-triggered fd, deterministically: every read of events and every call into
libzmq (one that fails with EAGAIN too) wakes the waiting tasks whose direction is ready;
no spin when events says ready but the call fails; a close from another thread followed by
a new socket; a socket moved to a new loop; timeouts never early. Each run ends with a
close: a task that was not woken is seen as not done, never waited for with a timeout."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Callable

import pytest

from tests.asyncio.support import LOOPS, run
from zmqrepl.core import Again, Context, PollItem, PollSet, SocketClosed
from zmqrepl.core import Socket as PlainSocket
from zmqrepl.core import poll as plain_poll
from zmqrepl.core.asyncio import Socket, poll

pytestmark = pytest.mark.parametrize("loop", LOOPS)


def _full_pair(ctx: Context, name: str) -> tuple[Socket, PlainSocket]:
    """An asyncio PAIR whose send queue is full, and its plain peer (which has not read)."""
    mine = Socket("pair", ctx)
    mine.set("sndhwm", 1)
    mine.set("linger", 0)
    mine.bind(f"inproc://{name}")
    peer = PlainSocket("pair", ctx)
    peer.set("rcvhwm", 1)
    peer.set("linger", 0)
    peer.connect(f"inproc://{name}")
    while True:
        try:
            mine.socket.send(b"fill", nonblocking=True)
        except Again:
            return mine, peer


async def _settled(done: Callable[[], bool], rounds: int = 100) -> bool:
    """Let the loop run ``rounds`` times (no clock) until ``done()``: a task that a wake-up
    reached has run by then."""
    for _ in range(rounds):
        if done():
            return True
        await asyncio.sleep(0)
    return done()


async def _waiting(sock: Socket) -> None:
    """Until a task waits on ``sock`` (a state check, not a sleep)."""
    assert await _settled(lambda: sock._nwaiting > 0)


def _drain(peer: PlainSocket) -> int:
    n = 0
    while peer.recv(nonblocking=True) is not None:
        n += 1
    return n


@pytest.mark.parametrize("how", ["events", "poll", "send"])
def test_a_waiting_receiver_is_woken_after_events_is_read(loop: str, ctx: Context, how: str) -> None:
    async def main() -> bytes:
        mine, peer = _full_pair(ctx, f"ev-{how}")
        receiver = asyncio.ensure_future(mine.recv())
        await _waiting(mine)
        peer.send(b"hello")  # the fd fires; what follows reads events before the loop sees it
        sender = None
        if how == "events":
            assert mine.events & 1
        elif how == "poll":
            assert await poll([PollItem(mine, out=True)], timeout=0) == 0
        else:
            sender = asyncio.ensure_future(mine.send(b"x"))  # no room: it waits too
        woken = await _settled(receiver.done)
        mine.close()
        if sender is not None:
            with pytest.raises(SocketClosed):
                await sender
        assert woken, "the waiting receiver was never woken"
        got: bytes = receiver.result()
        peer.close()
        return got

    assert run(loop, main) == b"hello"


@pytest.mark.parametrize("call", ["recv", "recv_multipart", "recv_many"])
def test_a_nonblocking_receive_that_finds_nothing_wakes_a_waiting_sender(
    loop: str, ctx: Context, call: str
) -> None:
    async def main() -> bool:
        mine, peer = _full_pair(ctx, f"nb-{call}")
        sender = asyncio.ensure_future(mine.send(b"x"))
        await _waiting(mine)
        assert _drain(peer) > 0  # room again: libzmq tells mine at its next call
        if call == "recv":
            assert await mine.recv(nonblocking=True) is None
        elif call == "recv_multipart":
            assert await mine.recv_multipart(nonblocking=True) is None
        else:
            assert len(await mine.recv_many(nonblocking=True)) == 0
        woken = await _settled(sender.done)
        mine.close()
        peer.close()
        return woken

    assert run(loop, main), "the waiting sender was never woken"


def test_two_tasks_in_opposite_directions_on_one_socket(loop: str, ctx: Context) -> None:
    async def main() -> tuple[bytes, bytes]:
        mine, peer = _full_pair(ctx, "both")
        receiver = asyncio.ensure_future(mine.recv())
        sender = asyncio.ensure_future(mine.send(b"last"))
        await _settled(lambda: mine._nwaiting == 2)
        peer.send(b"hello")
        assert _drain(peer) > 0
        woken = await _settled(lambda: receiver.done() and sender.done())
        mine.close()
        assert woken, (receiver.done(), sender.done())
        await sender
        last = peer.recv()
        peer.close()
        return receiver.result(), last

    assert run(loop, main) == (b"hello", b"last")


def test_poll_and_recv_on_one_socket(loop: str, ctx: Context) -> None:
    async def main() -> tuple[int, bytes]:
        mine, peer = _full_pair(ctx, "pollrecv")
        polling = asyncio.ensure_future(poll([PollItem(mine, in_=True)]))
        receiver = asyncio.ensure_future(mine.recv())
        await _settled(lambda: mine._nwaiting == 2)
        peer.send(b"one")
        peer.send(b"two")  # the receiver takes one, and poll sees the other
        woken = await _settled(lambda: polling.done() and receiver.done())
        mine.close()
        peer.close()
        assert woken, (polling.done(), receiver.done())
        return polling.result(), receiver.result()

    assert run(loop, main) == (1, b"one")


def test_the_plain_poll_refuses_an_async_socket(loop: str, ctx: Context) -> None:
    sock = Socket("pull", ctx)
    with pytest.raises(TypeError, match=r"hint: await zmqrepl.core.asyncio.poll"):
        plain_poll([PollItem(sock, in_=True)], 0)
    with pytest.raises(TypeError, match="async socket owns"):
        plain_poll([PollItem(sock.socket, in_=True)], 0)
    with pytest.raises(TypeError, match="PollSet"):
        PollSet([PollItem(sock, in_=True)])
    sock.close()


def test_poll_item_takes_only_real_async_sockets(loop: str) -> None:
    class Lookalike:
        socket = PlainSocket("pull")

        def fileno(self) -> int:
            return 0

    item = PollItem(Lookalike(), in_=True)  # a plain object with fileno(): its fd
    assert item.socket is None and item.fd == 0
    Lookalike.socket.close()


@pytest.mark.timeout(30)
def test_router_mandatory_does_not_spin_and_sndtimeo_holds(loop: str, ctx: Context) -> None:
    async def main() -> tuple[float, int]:
        router = Socket("router", ctx)
        router.set("router_mandatory", 1)
        router.set("sndhwm", 1)
        router.set("linger", 0)
        router.set("sndtimeo", 100)
        router.bind("inproc://mandatory")
        peers = []
        for ident in (b"a", b"b"):
            d = PlainSocket("dealer", ctx)
            d.set("routing_id", ident)
            d.set("rcvhwm", 1)
            d.set("linger", 0)
            d.connect("inproc://mandatory")
            peers.append(d)
        # Both peers are known to the router once it has a message from each.
        for d in peers:
            d.send(b"hi")
        for _ in peers:
            await router.recv_multipart()
        while True:
            try:
                router.socket.send_multipart([b"a", b"x"], nonblocking=True)
            except Again:
                break
        assert router.events & 2  # b has room: events says ready, yet a send to a fails
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        other = asyncio.ensure_future(ticker())
        start = time.monotonic()
        with pytest.raises(Again):
            await router.send_multipart([b"a", b"y"])
        took = time.monotonic() - start
        other.cancel()
        router.close()
        for d in peers:
            d.close()
        return took, ticks

    took, ticks = run(loop, main)
    assert took >= 0.1
    assert ticks > 0  # the loop ran other tasks meanwhile


def test_a_cross_thread_close_then_a_new_socket(loop: str, ctx: Context) -> None:
    async def main() -> bytes:
        first = Socket("pull", ctx)
        first.set("linger", 0)
        first.bind("inproc://first")
        waiting = asyncio.ensure_future(first.recv())
        await _waiting(first)
        closer = threading.Thread(target=first.close)
        closer.start()
        closer.join()  # the loop unwatches first's fd only when it runs again
        second = Socket("pull", ctx)  # its fd may take the number first's had
        second.set("linger", 0)
        second.bind("inproc://second")
        # Watch second's fd now, before the loop runs first's unwatching.
        assert await poll([PollItem(second, in_=True)], timeout=0) == 0
        receiver = asyncio.ensure_future(second.recv())
        with pytest.raises(SocketClosed):
            await waiting
        await _waiting(second)
        push = PlainSocket("push", ctx)
        push.set("linger", 0)
        push.connect("inproc://second")
        push.send(b"hi")
        woken = await _settled(receiver.done)
        second.close()
        push.close()
        assert woken, "the new socket's reader was removed"
        got: bytes = receiver.result()
        return got

    assert run(loop, main) == b"hi"


def test_a_socket_moves_to_a_new_loop_after_one_closed_with_a_task_pending(loop: str, ctx: Context) -> None:
    sock = Socket("pull", ctx)
    sock.set("linger", 0)
    sock.bind("inproc://moves")
    push = PlainSocket("push", ctx)
    push.set("linger", 0)
    push.connect("inproc://moves")

    async def old_consumer() -> None:
        await sock.recv()

    async def started() -> None:
        await _waiting(sock)

    old = asyncio.new_event_loop()
    task = old.create_task(old_consumer())
    old.run_until_complete(started())
    old.close()  # with the task still waiting in recv

    async def main() -> bytes:
        receiver = asyncio.ensure_future(sock.recv())
        await _waiting(sock)
        push.send(b"new")
        woken = await _settled(receiver.done)
        sock.close()
        assert woken, "the new loop's receiver was never woken"
        got: bytes = receiver.result()
        return got

    try:
        assert run(loop, main) == b"new"
    finally:
        del task
        push.close()


def test_timeouts_are_never_early(loop: str, ctx: Context) -> None:
    async def main() -> float:
        pull = Socket("pull", ctx)
        pull.set("linger", 0)
        pull.bind("inproc://early")
        pull.set("rcvtimeo", 20)
        shortest = 1.0
        for i in range(30):
            if i % 3 == 0:
                time.sleep(0.0007 * (i % 7))  # the loop's cached clock goes stale
            start = time.monotonic()
            with pytest.raises(Again):
                await pull.recv()
            shortest = min(shortest, time.monotonic() - start)
        pull.close()
        return shortest

    assert run(loop, main) >= 0.020


def test_send_many_tells_how_many_went_when_it_times_out(loop: str, ctx: Context) -> None:
    async def main() -> tuple[int, int]:
        mine, peer = _full_pair(ctx, "many")
        assert _drain(peer) > 0
        mine.set("sndtimeo", 30)
        with pytest.raises(Again) as caught:
            await mine.send_many([b"m%d" % i for i in range(100)])
        sent = caught.value.sent  # type: ignore[attr-defined]
        got = sum(1 for f in iter(lambda: peer.recv(nonblocking=True), None) if f.startswith(b"m"))
        # The rest of what went is still queued in mine (sndhwm) or in flight: drain it.
        mine.close()
        peer.close()
        return sent, got

    sent, got = run(loop, main)
    assert 0 < sent < 100 and got <= sent
