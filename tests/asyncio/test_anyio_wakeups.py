"""test_asyncio_wakeups.py for zmqrepl.core.anyio, on anyio's asyncio backend (default loop
and uvloop) and its trio backend: every read of events and every call into libzmq wakes the
waiting tasks whose direction is ready; no spin when events says ready but the call fails;
a close from another thread followed by a new socket; a socket used by a second run, and
(asyncio only: a trio run cannot end with a task still waiting) after a loop closed with a
task waiting; poll raises the socket's own error; a close that fails leaves the tasks
waiting; timeouts never early. Each run ends with a close: a task that was not woken is
seen as not done, never waited for with a timeout."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import weakref
from typing import Any, Awaitable, Callable

import anyio
import anyio.to_thread
import pytest

from tests.asyncio.support import (
    BACKENDS,
    LOOPS,
    collect,
    full_pair,
    new_loop,
    router_with_a_full_peer,
    run_anyio,
    until,
)
from zmqrepl.core import (
    Again,
    Context,
    ContextTerminated,
    PollItem,
    PollSet,
    SocketBusy,
    SocketClosed,
    ZMQError,
    proxy,
)
from zmqrepl.core import Socket as PlainSocket
from zmqrepl.core import poll as plain_poll
from zmqrepl.core.anyio import Socket, poll

backends = pytest.mark.parametrize("backend", BACKENDS)


def _full_pair(ctx: Context, name: str) -> tuple[Socket, PlainSocket]:
    """An anyio PAIR whose send queue is full, and its plain peer (which has not read)."""
    mine, peer = full_pair(Socket, ctx, name)
    return mine, peer


async def _settled(done: Callable[[], bool], rounds: int = 100) -> bool:
    """Let the loop run ``rounds`` times (no clock) until ``done()``: a task that a wake-up
    reached has run by then."""
    for _ in range(rounds):
        if done():
            return True
        await anyio.sleep(0)
    return done()


async def _waiting(sock: Socket, count: int = 1) -> None:
    """Until ``count`` tasks wait on ``sock`` (a state check, not a sleep)."""
    assert await _settled(lambda: sock._nwaiting >= count)


def _start(group: Any, results: dict[str, Any], name: str, op: Callable[[], Awaitable[Any]]) -> None:
    """Run ``op()`` in ``group``; its result, or the ZMQError it raised, goes to
    ``results[name]`` (so that a task the test ends with a close does not fail the group)."""

    async def task() -> None:
        try:
            results[name] = await op()
        except ZMQError as exc:
            results[name] = exc

    group.start_soon(task)


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


def _soon(backend: str, fn: Callable[..., object], *args: object) -> None:
    """Have the loop call ``fn(*args)`` in its next round, before a task started after
    this call takes its first step. On asyncio both go to the ready queue, in order, after
    the loop has polled the fds; on trio run_sync_soon's callbacks run in a system task,
    so the order (and whether the fd is polled in between) varies from run to run."""
    if backend == "trio":
        import trio

        trio.lowlevel.current_trio_token().run_sync_soon(fn, *args)
    else:
        asyncio.get_running_loop().call_soon(fn, *args)


def _drain(peer: PlainSocket) -> int:
    n = 0
    while peer.recv(nonblocking=True) is not None:
        n += 1
    return n


@backends
@pytest.mark.parametrize("how", ["events", "poll", "send"])
def test_a_waiting_receiver_is_woken_after_events_is_read(backend: str, ctx: Context, how: str) -> None:
    async def main() -> dict[str, Any]:
        mine, peer = _full_pair(ctx, f"ev-{how}")
        results: dict[str, Any] = {}
        async with anyio.create_task_group() as group:
            _start(group, results, "recv", mine.recv)
            await _waiting(mine)
            if how == "send":
                # The peer's send and the sender's first step in one round of the loop,
                # after it has polled the fd: the sender (which waits too: no room) looks
                # at events before the loop can see the fd fire.
                _soon(backend, peer.send, b"hello")
                _start(group, results, "send", lambda: mine.send(b"x"))
            else:
                peer.send(b"hello")  # the fd fires; what follows reads events before the loop sees it
                if how == "events":
                    assert mine.events & 1
                else:
                    assert await poll([PollItem(mine, out=True)], timeout=0) == 0
            results["woken"] = await _settled(lambda: "recv" in results)
            mine.close()
        peer.close()
        return results

    results = run_anyio(main, backend)
    assert results["woken"], f"the waiting receiver was never woken: {results}"
    assert results["recv"] == b"hello"
    if how == "send":
        assert isinstance(results["send"], SocketClosed)


@backends
@pytest.mark.parametrize("call", ["recv", "recv_multipart", "recv_many"])
def test_a_nonblocking_receive_that_finds_nothing_wakes_a_waiting_sender(
    backend: str, ctx: Context, call: str
) -> None:
    async def main() -> dict[str, Any]:
        mine, peer = _full_pair(ctx, f"nb-{call}")
        results: dict[str, Any] = {}
        async with anyio.create_task_group() as group:
            _start(group, results, "send", lambda: mine.send(b"x"))
            await _waiting(mine)
            assert _drain(peer) > 0  # room again: libzmq tells mine at its next call
            if call == "recv":
                assert await mine.recv(nonblocking=True) is None
            elif call == "recv_multipart":
                assert await mine.recv_multipart(nonblocking=True) is None
            else:
                assert len(await mine.recv_many(nonblocking=True)) == 0
            results["woken"] = await _settled(lambda: "send" in results)
            mine.close()
        peer.close()
        return results

    results = run_anyio(main, backend)
    assert results["woken"], "the waiting sender was never woken"
    assert results["send"] is None


@backends
@pytest.mark.parametrize("when", ["both-waiting", "sender-starting"])
def test_two_tasks_in_opposite_directions_on_one_socket(backend: str, ctx: Context, when: str) -> None:
    """As the asyncio test: both wait, or the sender's first step comes in the round of
    the loop of the peer's send and must wake the receiver."""

    async def main() -> dict[str, Any]:
        mine, peer = _full_pair(ctx, f"both-{when}")
        results: dict[str, Any] = {}
        async with anyio.create_task_group() as group:
            _start(group, results, "recv", mine.recv)
            if when == "both-waiting":
                _start(group, results, "send", lambda: mine.send(b"last"))
                await _waiting(mine, 2)
                peer.send(b"hello")
            else:
                await _waiting(mine)
                _soon(backend, peer.send, b"hello")
                _start(group, results, "send", lambda: mine.send(b"last"))
                results["first"] = await _settled(lambda: "recv" in results)
            assert _drain(peer) > 0
            results["woken"] = await _settled(lambda: "recv" in results and "send" in results)
            mine.close()
        results["last"] = peer.recv(nonblocking=True)
        peer.close()
        return results

    results = run_anyio(main, backend)
    assert results.get("first", True), "the sender's first call did not wake the receiver"
    assert results["woken"], results
    assert (results["recv"], results["send"], results["last"]) == (b"hello", None, b"last")


@backends
@pytest.mark.parametrize("when", ["both-waiting", "poll-starting"])
def test_poll_and_recv_on_one_socket(backend: str, ctx: Context, when: str) -> None:
    """As the asyncio test: both wait, or poll's first look at events comes in the round
    of the loop of the peer's sends and must wake the receiver."""

    async def main() -> dict[str, Any]:
        mine, peer = _full_pair(ctx, f"pollrecv-{when}")
        results: dict[str, Any] = {}
        async with anyio.create_task_group() as group:
            if when == "both-waiting":
                _start(group, results, "poll", lambda: poll([PollItem(mine, in_=True)]))
                _start(group, results, "recv", mine.recv)
                await _waiting(mine, 2)
                peer.send(b"one")
                peer.send(b"two")  # the receiver takes one, and poll sees the other
            else:
                _start(group, results, "recv", mine.recv)
                await _waiting(mine)
                _soon(backend, peer.send, b"one")
                _soon(backend, peer.send, b"two")
                _start(group, results, "poll", lambda: poll([PollItem(mine, in_=True)]))
            results["woken"] = await _settled(lambda: "poll" in results and "recv" in results)
            mine.close()
        peer.close()
        return results

    results = run_anyio(main, backend)
    assert results["woken"], results
    assert (results["poll"], results["recv"]) == (1, b"one")


def test_the_plain_poll_refuses_an_anyio_socket(ctx: Context) -> None:
    sock = Socket("pull", ctx)
    with pytest.raises(TypeError, match=r"zmqrepl.core.anyio.poll"):
        plain_poll([PollItem(sock, in_=True)], 0)
    with pytest.raises(TypeError, match="async socket owns"):
        plain_poll([PollItem(sock.socket, in_=True)], 0)
    with pytest.raises(TypeError, match="PollSet"):
        PollSet([PollItem(sock, in_=True)])
    sock.close()


@backends
@pytest.mark.timeout(30)
def test_router_mandatory_does_not_spin_and_sndtimeo_holds(backend: str, ctx: Context) -> None:
    async def main() -> tuple[float, float, int]:
        router = Socket("router", ctx)
        peers = await router_with_a_full_peer(router, ctx)
        assert router.events & 2  # b has room: events says ready, yet a send to a fails
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await anyio.sleep(0)

        async with anyio.create_task_group() as group:
            group.start_soon(ticker)
            start = time.monotonic()
            with pytest.raises(Again):
                await router.send_multipart([b"a", b"y"])
            end = time.monotonic()
            group.cancel_scope.cancel()
        router.close()
        for d in peers:
            d.close()
        return start, end, ticks

    start, end, ticks = run_anyio(main, backend)
    assert start + 0.1 <= end
    assert ticks > 0  # the loop ran other tasks meanwhile


@backends
def test_a_cross_thread_close_then_a_new_socket(backend: str, ctx: Context) -> None:
    """As the asyncio test, except that the new socket's fd is watched only once its task
    runs (anyio's poll with timeout 0 looks at events, and watches no fd)."""

    async def main() -> dict[str, Any]:
        first = Socket("pull", ctx)
        first.set("linger", 0)
        first.bind("inproc://first")
        results: dict[str, Any] = {}
        async with anyio.create_task_group() as group:
            _start(group, results, "first", first.recv)
            await _waiting(first)
            number = first.fileno()  # libzmq's fd (the loop watches a duplicate of it)
            closer = threading.Thread(target=first.close)
            closer.start()
            closer.join()  # the loop unwatches first's fd only when it runs again
            _until_fd_closed(number)  # so that the new socket's fd can take its number
            second = Socket("pull", ctx)  # its fd may take the number libzmq's fd for first had
            second.set("linger", 0)
            second.bind("inproc://second")
            _start(group, results, "second", second.recv)
            await _waiting(second)
            assert await _settled(lambda: "first" in results)
            push = PlainSocket("push", ctx)
            push.set("linger", 0)
            push.connect("inproc://second")
            push.send(b"hi")
            results["woken"] = await _settled(lambda: "second" in results)
            second.close()
            push.close()
        return results

    results = run_anyio(main, backend)
    assert isinstance(results["first"], SocketClosed)
    assert results["woken"], "the new socket's task was never woken"
    assert results["second"] == b"hi"


@backends
def test_a_socket_used_by_a_second_run(backend: str, ctx: Context) -> None:
    """Two runs in a row: the socket lets go of the first one's loop, which is not kept
    alive (asyncio backends: its weak reference dies), and waits in the second."""
    sock = Socket("pull", ctx)
    sock.set("linger", 0)
    sock.bind("inproc://second-run")
    push = PlainSocket("push", ctx)
    push.set("linger", 0)
    push.connect("inproc://second-run")
    loops: list[weakref.ref[Any]] = []

    async def one(frame: bytes) -> bytes:
        if backend != "trio":
            loops.append(weakref.ref(asyncio.get_running_loop()))
        results: dict[str, Any] = {}
        async with anyio.create_task_group() as group:
            _start(group, results, "recv", sock.recv)
            await _waiting(sock)
            push.send(frame)
            woken = await _settled(lambda: "recv" in results)
            if not woken:
                group.cancel_scope.cancel()
        assert woken, "the receiver was never woken"
        got: bytes = results["recv"]
        return got

    try:
        assert run_anyio(lambda: one(b"first"), backend) == b"first"
        collect()
        assert all(ref() is None for ref in loops), "the socket keeps the first run's loop alive"
        assert run_anyio(lambda: one(b"second"), backend) == b"second"
    finally:
        sock.close()
        push.close()


@pytest.mark.parametrize("backend", LOOPS)  # see the docstring
def test_a_task_left_in_a_closed_asyncio_loop(backend: str, ctx: Context) -> None:
    """anyio in a plain asyncio loop that is closed with a task still waiting (trio cannot
    end a run so): the next loop's calls must neither raise for that loop nor wait on it.
    (Whether the closed loop is freed is not asserted here: a task left in
    anyio.wait_readable keeps it alive by itself, with no zmqrepl socket involved.)"""
    sock = Socket("pull", ctx)
    sock.set("linger", 0)
    sock.bind("inproc://left-behind")
    push = PlainSocket("push", ctx)
    push.set("linger", 0)
    push.connect("inproc://left-behind")
    old = new_loop(backend)
    task = old.create_task(sock.recv())

    async def started() -> None:
        await _waiting(sock)

    old.run_until_complete(started())
    old.close()  # with the task still waiting in recv: it never runs again
    del old
    for frame in (b"a", b"b", b"c"):
        push.send(frame)

    async def main() -> list[Any]:
        got: list[Any] = [await sock.recv()]
        assert sock.events & 1
        got.append(await sock.recv())
        got.append(await sock.recv())
        results: dict[str, Any] = {}
        begun = anyio.Event()

        async def marked() -> Any:
            begun.set()  # no suspension from here to recv's own (a count of waiting tasks
            return await sock.recv()  # would still include the closed loop's task)

        async with anyio.create_task_group() as group:
            _start(group, results, "recv", marked)
            await begun.wait()
            assert "recv" not in results
            push.send(b"d")
            woken = await _settled(lambda: "recv" in results)
            sock.close()
        assert woken, "the new loop's receiver was never woken"
        got.append(results["recv"])
        return got

    try:
        assert run_anyio(main, backend) == [b"a", b"b", b"c", b"d"]
        del task
    finally:
        sock.close()
        push.close()


@backends
@pytest.mark.parametrize("end", ["close", "term"])
def test_poll_raises_the_sockets_own_error(backend: str, end: str) -> None:
    async def main() -> BaseException | None:
        ctx = Context()
        a = Socket("pull", ctx)
        b = Socket("pull", ctx)
        for s in (a, b):
            s.set("linger", 0)
            s.bind("tcp://127.0.0.1:*")
        results: dict[str, Any] = {}
        async with anyio.create_task_group() as group:
            _start(group, results, "poll", lambda: poll([PollItem(a, in_=True), PollItem(b, in_=True)]))
            await until(lambda: a._nwaiting == 1 and b._nwaiting == 1, "poll waiting on both")
            if end == "close":
                b.close()
            else:
                await anyio.to_thread.run_sync(ctx.term)
            await until(lambda: "poll" in results, "poll raising")
        a.close()
        ctx.term()
        got: BaseException | None = results["poll"]
        return got

    raised = run_anyio(main, backend)
    assert type(raised) is (SocketClosed if end == "close" else ContextTerminated), repr(raised)


@backends
def test_a_close_that_fails_leaves_the_waiting_tasks_waiting(backend: str) -> None:
    """A proxy in another thread holds the socket, so close() fails with SocketBusy: the
    socket is open, and its waiting tasks must not be failed (nor woken to fail) as if it
    were closed. Terminating the context then ends the proxy, which closes the socket:
    only then do they fail, with ContextTerminated."""

    async def main() -> dict[str, Any]:
        ctx = Context()
        mine, peer = _full_pair(ctx, "busy-close")
        results: dict[str, Any] = {}
        async with anyio.create_task_group() as group:
            _start(group, results, "send", lambda: mine.send(b"x"))
            _start(group, results, "recv", mine.recv)
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
            results["early"] = dict(results) if await _settled(lambda: bool(results)) else None
            await anyio.to_thread.run_sync(ctx.term)
            await anyio.to_thread.run_sync(proxying.join)
        peer.close()
        return results

    results = run_anyio(main, backend)
    assert results["early"] is None, f"a failed close failed the waiting tasks: {results['early']}"
    assert type(results["send"]) is ContextTerminated and type(results["recv"]) is ContextTerminated, results


@backends
def test_timeouts_are_never_early(backend: str, ctx: Context) -> None:
    async def main() -> list[tuple[float, float]]:
        pull = Socket("pull", ctx)
        pull.set("linger", 0)
        pull.bind("inproc://early")
        pull.set("rcvtimeo", 20)
        spans = []
        for i in range(30):
            if i % 3 == 0:
                time.sleep(0.0007 * (i % 7))  # the loop's cached clock goes stale
            start = time.monotonic()
            with pytest.raises(Again):
                await pull.recv()
            spans.append((start, time.monotonic()))
        pull.close()
        return spans

    for start, end in run_anyio(main, backend):
        assert start + 0.020 <= end, end - start


@backends
def test_send_many_tells_how_many_went_when_it_times_out(backend: str, ctx: Context) -> None:
    async def main() -> tuple[int, int]:
        mine, peer = _full_pair(ctx, "many")
        assert _drain(peer) > 0
        mine.set("sndtimeo", 30)
        with pytest.raises(Again) as caught:
            await mine.send_many([b"m%d" % i for i in range(100)])
        sent = caught.value.sent  # type: ignore[attr-defined]
        got = sum(1 for f in iter(lambda: peer.recv(nonblocking=True), None) if f.startswith(b"m"))
        mine.close()
        peer.close()
        return sent, got

    sent, got = run_anyio(main, backend)
    assert 0 < sent < 100 and got <= sent
