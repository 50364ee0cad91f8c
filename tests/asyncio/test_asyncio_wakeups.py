"""The edge-triggered fd, deterministically: every read of events and every call into
libzmq (one that fails with EAGAIN too) wakes the waiting tasks whose direction is ready;
no spin when events says ready but the call fails; a close from another thread followed by
a new socket; a socket moved to a new loop, which the socket does not keep alive; a close
that fails leaves the tasks waiting; timeouts never early. Each run ends with a close: a
task that was not woken is seen as not done, never waited for with a timeout."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import weakref
from typing import Awaitable, Callable, TypeVar

import pytest

from tests.asyncio.support import LOOPS, collect, full_pair, new_loop, router_with_a_full_peer, run, until
from zmqrepl.core import Again, Context, ContextTerminated, PollItem, PollSet, SocketBusy, SocketClosed, proxy
from zmqrepl.core import Socket as PlainSocket
from zmqrepl.core import poll as plain_poll
from zmqrepl.core.asyncio import Socket, poll

pytestmark = pytest.mark.parametrize("loop", LOOPS)

T = TypeVar("T")


def _full_pair(ctx: Context, name: str) -> tuple[Socket, PlainSocket]:
    """An asyncio PAIR whose send queue is full, and its plain peer (which has not read)."""
    mine, peer = full_pair(Socket, ctx, name)
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


async def _suspended(op: Awaitable[T]) -> asyncio.Future[T]:
    """``op`` in a task of its own, once it has run up to its first suspension (it has taken
    a message, or it waits): told by a marker it sets, not by a count of waiting tasks,
    which a task left in a closed loop may still hold."""
    begun = asyncio.Event()

    async def marked() -> T:
        begun.set()  # no suspension from here to op's own
        return await op

    task = asyncio.ensure_future(marked())
    await begun.wait()
    return task


def _until_fd_closed(fd: int, within: float = 10.0) -> None:
    """Until ``fd`` is closed (libzmq's reaper thread closes a socket's fd after the close
    returns), checked with a deadline, with the loop's thread blocked on purpose."""
    deadline = time.monotonic() + within
    while True:
        try:
            os.fstat(fd)
        except OSError:
            return
        assert time.monotonic() < deadline, f"fd {fd} still open after {within} s"
        time.sleep(0.0005)


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
        sender = None
        if how == "send":
            # The peer's send and the sender's first step in one round of the loop, after
            # it has polled the fd: the sender's look at events (it waits too: no room)
            # comes before the loop can see the fd fire.
            asyncio.get_running_loop().call_soon(peer.send, b"hello")
            sender = asyncio.ensure_future(mine.send(b"x"))
        else:
            peer.send(b"hello")  # the fd fires; what follows reads events before the loop sees it
            if how == "events":
                assert mine.events & 1
            else:
                assert await poll([PollItem(mine, out=True)], timeout=0) == 0
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


@pytest.mark.parametrize("when", ["both-waiting", "sender-starting"])
def test_two_tasks_in_opposite_directions_on_one_socket(loop: str, ctx: Context, when: str) -> None:
    """Both wait, then the peer sends and reads; or the peer sends in the same round of the
    loop as the sender's first step, whose failed call into libzmq takes the fd's signal
    before the loop can see it: that call must wake the receiver."""

    async def main() -> tuple[bytes, bytes]:
        mine, peer = _full_pair(ctx, f"both-{when}")
        receiver = asyncio.ensure_future(mine.recv())
        if when == "both-waiting":
            sender = asyncio.ensure_future(mine.send(b"last"))
            await _settled(lambda: mine._nwaiting == 2)
            peer.send(b"hello")
        else:
            await _waiting(mine)
            asyncio.get_running_loop().call_soon(peer.send, b"hello")
            sender = asyncio.ensure_future(mine.send(b"last"))  # runs just after that send
            woken = await _settled(receiver.done)
            if not woken:
                mine.close()
                peer.close()
                raise AssertionError("the sender's first call did not wake the receiver")
        assert _drain(peer) > 0
        woken = await _settled(lambda: receiver.done() and sender.done())
        mine.close()
        assert woken, (receiver.done(), sender.done())
        await sender
        last = peer.recv()
        peer.close()
        return receiver.result(), last

    assert run(loop, main) == (b"hello", b"last")


@pytest.mark.parametrize("when", ["both-waiting", "poll-starting"])
def test_poll_and_recv_on_one_socket(loop: str, ctx: Context, when: str) -> None:
    """Both wait, then the peer sends; or the peer sends in the same round of the loop as
    poll's first look at events, which takes the fd's signal before the loop can see it:
    that look must wake the receiver."""

    async def main() -> tuple[int, bytes]:
        mine, peer = _full_pair(ctx, f"pollrecv-{when}")
        if when == "both-waiting":
            polling = asyncio.ensure_future(poll([PollItem(mine, in_=True)]))
            receiver = asyncio.ensure_future(mine.recv())
            await _settled(lambda: mine._nwaiting == 2)
            peer.send(b"one")
            peer.send(b"two")  # the receiver takes one, and poll sees the other
        else:
            receiver = asyncio.ensure_future(mine.recv())
            await _waiting(mine)
            running = asyncio.get_running_loop()
            running.call_soon(peer.send, b"one")
            running.call_soon(peer.send, b"two")
            polling = asyncio.ensure_future(poll([PollItem(mine, in_=True)]))  # just after
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
        peers = await router_with_a_full_peer(router, ctx)
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
        number = first.fileno()  # libzmq's fd (the loop watches a duplicate of it)
        closer = threading.Thread(target=first.close)
        closer.start()
        closer.join()  # the loop unwatches first's fd only when it runs again
        _until_fd_closed(number)  # so that the new socket's fd can take its number
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
        receiver = await _suspended(sock.recv())
        assert not receiver.done()
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


def test_a_closed_loop_is_not_kept_alive_and_the_next_loop_works(loop: str, ctx: Context) -> None:
    sock = Socket("pull", ctx)
    sock.set("linger", 0)
    sock.bind("inproc://next-loop")
    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []

    async def first() -> None:
        loops.append(weakref.ref(asyncio.get_running_loop()))
        assert await poll([PollItem(sock, in_=True)], timeout=0) == 0  # watches the fd here

    run(loop, first)
    collect()
    assert loops[0]() is None, "the socket keeps its closed loop alive"

    async def second() -> bytes:
        receiver = asyncio.ensure_future(sock.recv())
        await _waiting(sock)
        push.send(b"again")
        woken = await _settled(receiver.done)
        sock.close()
        assert woken, "the next loop's receiver was never woken"
        got: bytes = receiver.result()
        return got

    push = PlainSocket("push", ctx)
    push.set("linger", 0)
    push.connect("inproc://next-loop")
    try:
        assert run(loop, second) == b"again"
    finally:
        push.close()


def test_a_task_left_in_a_closed_loop_neither_breaks_nor_holds_the_socket(loop: str, ctx: Context) -> None:
    sock = Socket("pull", ctx)
    sock.set("linger", 0)
    sock.bind("inproc://left-behind")
    push = PlainSocket("push", ctx)
    push.set("linger", 0)
    push.connect("inproc://left-behind")
    old = new_loop(loop)
    old_ref = weakref.ref(old)
    task = old.create_task(sock.recv())

    async def started() -> None:
        await _waiting(sock)

    old.run_until_complete(started())
    old.close()  # with the task still waiting in recv: it never runs again
    del old
    for frame in (b"a", b"b", b"c"):
        push.send(frame)

    async def main() -> list[bytes]:
        # Messages are queued, and a task of the closed loop still counts as waiting: each
        # call looks at events and wakes waiters, which must not be the closed loop's.
        got = [await sock.recv()]
        assert sock.events & 1
        got.append(await sock.recv())
        got.append(await sock.recv())
        receiver = await _suspended(sock.recv())
        assert not receiver.done()
        push.send(b"d")
        woken = await _settled(receiver.done)
        sock.close()
        assert woken, "the new loop's receiver was never woken"
        got.append(receiver.result())
        return got

    try:
        assert run(loop, main) == [b"a", b"b", b"c", b"d"]
        del task
        collect()
        assert old_ref() is None, "the socket keeps the closed loop (and its task) alive"
    finally:
        push.close()


def test_a_close_that_fails_leaves_the_waiting_tasks_waiting(loop: str) -> None:
    """A proxy in another thread holds the socket, so close() fails with SocketBusy: the
    socket is open, and its waiting tasks must not be failed (nor woken to fail) as if it
    were closed. Terminating the context then ends the proxy, which closes the socket:
    only then do they fail, with ContextTerminated."""

    async def main() -> list[str]:
        ctx = Context()
        mine, peer = _full_pair(ctx, "busy-close")
        sender = asyncio.ensure_future(mine.send(b"x"))
        receiver = asyncio.ensure_future(mine.recv())
        await until(lambda: mine._nwaiting == 2, "both tasks waiting")
        front = PlainSocket("pull", ctx)
        front.set("linger", 0)
        front.bind("inproc://busy-close-front")
        proxying = threading.Thread(target=proxy, args=(front, mine.socket))
        proxying.start()
        await until(lambda: bool(mine.socket._st.busy), "the proxy holding the socket")
        with pytest.raises(SocketBusy):
            mine.close()
        assert not mine.closed
        stayed = not await _settled(lambda: sender.done() or receiver.done())
        failed = [t.exception() for t in (sender, receiver) if t.done()]
        await asyncio.get_running_loop().run_in_executor(None, ctx.term)
        await asyncio.get_running_loop().run_in_executor(None, proxying.join)
        assert stayed, f"a failed close failed the waiting tasks: {failed}"
        names = []
        for task in (sender, receiver):
            with pytest.raises(ContextTerminated):
                await task
            names.append("terminated")
        peer.close()
        return names

    assert run(loop, main) == ["terminated"] * 2
