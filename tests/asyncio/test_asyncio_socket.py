"""zmqrepl.core.asyncio against pyzmq peers: the fast path, waiting, several tasks and
sockets, rcvtimeo/sndtimeo, close and term, REQ/REP, batches, poll and async for; each on
the default loop and on uvloop."""

from __future__ import annotations

import asyncio
import threading
import time
import warnings
from typing import Any, Callable

import pytest

from tests.asyncio.conftest import Streamer
from tests.asyncio.support import LOOPS, collect, number, run, timeout, until
from tests.peers import Peer
from zmqrepl.core import Again, Context, ContextTerminated, PollItem, SocketClosed, ZMQError
from zmqrepl.core import Socket as PlainSocket
from zmqrepl.core.asyncio import Socket, WrongEventLoop, poll

pytestmark = pytest.mark.parametrize("loop", LOOPS)


def _pull(ctx: Context) -> tuple[Socket, str]:
    sock = Socket("pull", ctx)
    sock.set("linger", 0)
    return sock, sock.bind("tcp://127.0.0.1:*")


def test_a_queued_message_is_returned_without_suspending(
    loop: str, ctx: Context, streamer: Callable[..., Streamer]
) -> None:
    async def ready() -> list[Any]:
        pull, endpoint = _pull(ctx)
        streamer("push", endpoint, 2)
        first = await pull.recv()
        while pull.events & 1 == 0:  # the second message is queued (no await on the way)
            await asyncio.sleep(0.001)
        coro = pull.recv()
        try:
            coro.send(None)  # a coroutine that never suspends ends on its first step
        except StopIteration as done:
            second = done.value
        else:
            pytest.fail("recv() suspended although a message was queued")
        pull.close()
        return [number(first), number(second)]

    assert run(loop, ready) == [0, 1]


def test_a_waiting_recv_leaves_the_loop_running(loop: str, ctx: Context, pypeer: Callable[[], Peer]) -> None:
    async def main() -> tuple[bytes, int]:
        pull, endpoint = _pull(ctx)
        peer = pypeer()
        peer.call("socket", name="p", type="PUSH")
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        tick = asyncio.ensure_future(ticker())
        waiting = asyncio.ensure_future(pull.recv())
        while ticks < 20:  # the loop runs other tasks while recv waits
            await asyncio.sleep(0.001)
        assert not waiting.done()
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: peer.call("connect", sock="p", endpoint=endpoint, send=[b"late".hex()])
        )
        frame = await waiting
        tick.cancel()
        pull.close()
        return frame, ticks

    frame, ticks = run(loop, main)
    assert frame == b"late" and ticks >= 20


def test_cancelled_receives_lose_and_duplicate_nothing(
    loop: str, ctx: Context, streamer: Callable[..., Streamer]
) -> None:
    count = 5000

    async def main() -> tuple[list[int], int]:
        pull, endpoint = _pull(ctx)
        streamer("push", endpoint, count, 1)  # paced: receives wait even on a loaded machine
        got: list[int] = []
        cancelled = 0
        while len(got) < count:
            task = asyncio.ensure_future(pull.recv())
            await asyncio.sleep(0)  # it starts, and takes a message or waits
            task.cancel()
            try:
                got.append(number(await task))
            except asyncio.CancelledError:
                cancelled += 1
        pull.close()
        return got, cancelled

    got, cancelled = run(loop, main)
    assert got == list(range(count))
    assert cancelled >= 1000, cancelled


def test_timed_out_receives_lose_nothing(loop: str, ctx: Context, streamer: Callable[..., Streamer]) -> None:
    count = 3000

    async def main() -> tuple[list[int], int]:
        pull, endpoint = _pull(ctx)
        streamer("push", endpoint, count, 3)
        got: list[int] = []
        timeouts = 0
        while len(got) < count:
            try:
                if len(got) % 2:
                    got.append(number(await asyncio.wait_for(pull.recv(), 0.0001)))
                else:
                    async with timeout(0.0001):
                        got.append(number((await pull.recv_multipart())[0]))
            except asyncio.TimeoutError:  # TimeoutError itself from Python 3.11
                timeouts += 1
        pull.close()
        return got, timeouts

    got, timeouts = run(loop, main)
    assert got == list(range(count))
    assert timeouts > 0


def test_cancelled_groups_of_waiting_tasks_lose_nothing(
    loop: str, ctx: Context, streamer: Callable[..., Streamer]
) -> None:
    count = 3000

    async def main() -> list[int]:
        pull, endpoint = _pull(ctx)
        streamer("push", endpoint, count, 3)
        got: list[int] = []
        while len(got) < count:
            # Three waiters; the fd may wake one (or several) just before all are cancelled:
            # a woken task that is cancelled passes its wake-up on and takes nothing.
            tasks = [asyncio.ensure_future(pull.recv()) for _ in range(3)]
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            for task in tasks:
                task.cancel()
            for task in tasks:
                try:
                    got.append(number(await task))
                except asyncio.CancelledError:
                    pass
        pull.close()
        return got

    got = run(loop, main)
    assert sorted(got) == list(range(count)) and len(got) == count


def test_several_tasks_on_several_sockets_get_every_message_once(
    loop: str, ctx: Context, streamer: Callable[..., Streamer]
) -> None:
    count = 20000

    async def main() -> list[list[int]]:
        a, ea = _pull(ctx)
        b, eb = _pull(ctx)
        streamer("push", ea, count, 50)
        streamer("push", eb, count, 50)
        results: list[list[int]] = [[] for _ in range(6)]
        left = {id(a): count, id(b): count}

        async def take(sock: Socket, out: list[int]) -> None:
            # The task that takes a socket's last message closes it, which ends the
            # waits of the others on it (no timeout that guesses when they are done).
            try:
                while True:
                    out.append(number(await sock.recv()))
                    left[id(sock)] -= 1
                    if left[id(sock)] == 0:
                        sock.close()
            except SocketClosed:
                assert left[id(sock)] == 0

        await asyncio.gather(*(take(a if i < 4 else b, results[i]) for i in range(6)))
        return results

    results = run(loop, main)
    for mine in results:
        assert mine == sorted(mine)  # each task sees its messages in order
    assert sorted(n for r in results[:4] for n in r) == list(range(count))
    assert sorted(n for r in results[4:] for n in r) == list(range(count))


def test_a_million_messages_through_the_edge_triggered_fd(
    loop: str, ctx: Context, streamer: Callable[..., Streamer]
) -> None:
    count = 1_000_000

    async def main() -> tuple[int, int]:
        pull, endpoint = _pull(ctx)
        pull.set("rcvhwm", 100)  # the queue fills and drains: many waits on the fd
        streamer("push", endpoint, count)
        expected = 0
        batches = 0
        while expected < count:
            if batches % 2:
                frames = (await pull.recv_many(64)).frames()
            else:
                frames = [await pull.recv()]
            for frame in frames:
                assert number(frame) == expected
                expected += 1
            batches += 1
        pull.close()
        return expected, batches

    expected, _ = run(loop, main)
    assert expected == count


def test_rcvtimeo_and_sndtimeo_raise_again(loop: str, ctx: Context) -> None:
    async def main() -> list[str]:
        pull, _ = _pull(ctx)
        pull.set("rcvtimeo", 60)
        push = Socket("push", ctx)
        push.set("sndtimeo", 60)
        push.set("linger", 0)
        push.set("immediate", 1)
        push.connect("tcp://127.0.0.1:1")  # nobody there: no room to send
        seen = []
        for op in (pull.recv(), pull.recv_multipart(), pull.recv_many(), push.send(b"x")):
            start = time.monotonic()
            with pytest.raises(Again, match="timed out after 60 ms"):
                await op
            end = time.monotonic()
            # Never early (the deadline is on this clock); the upper bound only says that
            # the timeout fired at all, with room for a loaded machine.
            assert start + 0.060 <= end < start + 10.0, end - start
            seen.append("again")
        pull.set("rcvtimeo", 0)
        with pytest.raises(Again):
            await pull.recv()
        pull.close()
        push.close()
        return seen

    assert run(loop, main) == ["again"] * 4


def test_close_fails_pending_operations(loop: str, ctx: Context) -> None:
    async def main() -> list[str]:
        pull, _ = _pull(ctx)
        push = Socket("push", ctx)
        push.set("linger", 0)
        push.set("immediate", 1)
        push.connect("tcp://127.0.0.1:1")  # nobody there: a send waits
        pending = [
            asyncio.ensure_future(pull.recv()),
            asyncio.ensure_future(pull.recv_multipart()),
            asyncio.ensure_future(poll([PollItem(pull, in_=True)])),
            asyncio.ensure_future(push.send(b"x")),
        ]
        await until(lambda: (pull._nwaiting, push._nwaiting) == (3, 1), "all four waiting")
        assert not any(t.done() for t in pending)
        pull.close()
        # another thread closes the other one
        await asyncio.get_running_loop().run_in_executor(None, push.close)
        names = []
        for task in pending:
            with pytest.raises(SocketClosed):
                await task
            names.append("closed")
        with pytest.raises(SocketClosed):
            await pull.recv()
        return names

    assert run(loop, main) == ["closed"] * 4


@pytest.mark.parametrize("where", ["loop", "thread"])
def test_context_term_fails_pending_operations(loop: str, where: str) -> None:
    async def main() -> int:
        ctx = Context()
        pulls = [Socket("pull", ctx) for _ in range(3)]
        for p in pulls:
            p.bind("tcp://127.0.0.1:*")
        waiting = [asyncio.ensure_future(p.recv()) for p in pulls]
        waiting.append(asyncio.ensure_future(pulls[0].recv()))
        await until(lambda: [p._nwaiting for p in pulls] == [2, 1, 1], "the receives waiting")
        if where == "loop":
            ctx.term()
        else:
            await asyncio.get_running_loop().run_in_executor(None, ctx.term)
        for task in waiting:
            with pytest.raises(ContextTerminated):
                await task
        return len(waiting)

    assert run(loop, main) == 4


def test_a_second_loop_gets_a_clear_error(loop: str, ctx: Context) -> None:
    async def main() -> str:
        pull, _ = _pull(ctx)
        waiting = asyncio.ensure_future(pull.recv())
        await until(lambda: pull._nwaiting == 1, "the receive waiting")
        errors: list[BaseException] = []

        def elsewhere() -> None:
            try:
                asyncio.run(pull.recv())
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                errors.append(exc)

        other = threading.Thread(target=elsewhere)
        other.start()
        await asyncio.get_running_loop().run_in_executor(None, other.join)
        waiting.cancel()
        assert len(errors) == 1 and isinstance(errors[0], WrongEventLoop)
        message = str(errors[0])
        pull.close()
        return message

    message = run(loop, main)
    assert "another event loop" in message and "hint:" in message


def test_a_socket_moves_to_a_new_loop_once_its_loop_is_closed(
    loop: str, ctx: Context, streamer: Callable[..., Streamer]
) -> None:
    pull, endpoint = _pull(ctx)
    streamer("push", endpoint, 2, 1)

    async def one() -> int:
        return number(await pull.recv())

    assert run(loop, one) == 0
    assert run(loop, one) == 1
    pull.close()


def test_req_rep_round_trips_with_a_pyzmq_rep(
    loop: str, ctx: Context, start_peer: Callable[..., Peer]
) -> None:
    peer = start_peer("rep")

    async def main() -> list[list[bytes]]:
        req = Socket("req", ctx)
        req.set("linger", 0)
        req.connect(peer.endpoint)
        replies = []
        for i in range(50):
            await req.send_multipart([b"ping", b"%d" % i])
            replies.append(await req.recv_multipart())
        req.close()
        return replies

    assert run(loop, main) == [[b"reply", b"ping", b"%d" % i] for i in range(50)]


def test_send_and_send_many_reach_a_pyzmq_pull(
    loop: str, ctx: Context, streamer: Callable[..., Streamer]
) -> None:
    count = 200_000

    async def main() -> int:
        push = Socket("push", ctx)
        push.set("sndhwm", 50)  # the queue fills: sends wait for room
        endpoint = push.bind("tcp://127.0.0.1:*")
        peer = streamer("pull", endpoint, count)
        for i in range(count // 2):
            await push.send(i.to_bytes(8, "big"))
        sent = await push.send_many([i.to_bytes(8, "big") for i in range(count // 2, count)])
        line = await asyncio.get_running_loop().run_in_executor(None, peer.line)
        assert line == "ok"
        push.close()
        return sent

    assert run(loop, main) == count // 2


def test_poll_waits_for_any_of_several_sockets(
    loop: str, ctx: Context, streamer: Callable[..., Streamer]
) -> None:
    async def main() -> list[bool]:
        a, _ = _pull(ctx)
        b, eb = _pull(ctx)
        items = [PollItem(a, in_=True), PollItem(b, in_=True)]
        assert await poll(items, timeout=20) == 0
        streamer("push", eb, 1)
        assert await poll(items) == 1
        flags = [item.readable for item in items]
        assert number(await b.recv()) == 0
        with pytest.raises(TypeError, match="asyncio sockets"):
            await poll([PollItem(PlainSocket("pull", ctx), in_=True)])
        a.close()
        b.close()
        return flags

    assert run(loop, main) == [False, True]


def test_async_for_yields_each_message_and_ends_on_close(
    loop: str, ctx: Context, streamer: Callable[..., Streamer]
) -> None:
    async def main() -> list[int]:
        pull, endpoint = _pull(ctx)
        streamer("push", endpoint, 100, 10)
        got = []
        async for frames in pull:
            got.append(number(frames[0]))
            if len(got) == 100:
                asyncio.get_running_loop().call_soon(pull.close)
        return got

    assert run(loop, main) == list(range(100))


def test_made_from_a_plain_socket_once(loop: str, ctx: Context, streamer: Callable[..., Streamer]) -> None:
    plain = PlainSocket("pull", ctx)
    plain.set("linger", 0)
    endpoint = plain.bind("tcp://127.0.0.1:*")
    sock = Socket.from_socket(plain)
    assert sock.socket is plain
    with pytest.raises(ZMQError, match="already has an async socket"):
        Socket(plain)
    streamer("push", endpoint, 1)

    async def main() -> int:
        return number(await sock.recv())

    assert run(loop, main) == 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sock.close()

        collect()
    assert plain.closed and not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_recv_options_are_those_of_the_plain_socket(
    loop: str, ctx: Context, pypeer: Callable[[], Peer]
) -> None:
    async def main() -> tuple[Any, ...]:
        pull, endpoint = _pull(ctx)
        peer = pypeer()
        peer.call("socket", name="p", type="PUSH")
        peer.call("connect", sock="p", endpoint=endpoint)
        waiting = asyncio.ensure_future(pull.recv(as_=str))  # waits, then decodes
        await until(lambda: pull._nwaiting == 1, "the receive waiting")
        peer.send("p", "héllo".encode())
        text = await waiting
        peer.send("p", b"a", b"b")
        frames, props = await pull.recv_multipart(properties=True)
        assert await pull.recv(nonblocking=True) is None
        assert await pull.recv_multipart(nonblocking=True) is None
        assert len(await pull.recv_many(nonblocking=True)) == 0
        pull.close()
        return text, frames, props["Socket-Type"]

    assert run(loop, main) == ("héllo", [b"a", b"b"], "PUSH")
