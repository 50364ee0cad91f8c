"""One side of an async benchmark, in a process of its own (bench/async_bench.py starts it).

    python -m bench.async_worker IMPL CASE ENDPOINT CONTROL COUNT

IMPL: zmqrepl-async, zmqrepl-uvloop (the same on uvloop), zmqrepl-sync, or pyzmq-asyncio
(zmq.asyncio; run under the pyzmq interpreter: pyzmq and zmqrepl never share a process).
CASE, against bench/c/zbench.c as the peer:
    recv       binds a PULL at ENDPOINT (zbench "source" feeds it); times COUNT - 1 messages
               after the first: prints msg/s
    send       binds a PUSH at ENDPOINT and a PULL at CONTROL (zbench "sink" drains the PUSH
               and acknowledges on CONTROL); times a warm-up message's successors, COUNT
               sends, up to the acknowledgement that all arrived: prints msg/s
    reqrep     connects a REQ to ENDPOINT (zbench "rep"); COUNT // 10 warm-up round trips,
               then COUNT timed: prints the mean and p50 in microseconds
    recv_many  as recv, with recv_many(1000): prints msg/s
It prints "ready" once bound (or connected), then one JSON line: {"value": .., "p50": ..}.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any, Callable, Sequence

__all__ = ["main"]

_BATCH = 1000


def _say(**fields: float) -> None:
    print(json.dumps(fields), flush=True)


def _ready() -> None:
    print("ready", flush=True)


def _pyzmq(case: str, endpoint: str, control: str, count: int) -> None:
    import zmq
    import zmq.asyncio

    ctx = zmq.asyncio.Context()

    async def main() -> None:
        if case == "recv":
            pull = ctx.socket(zmq.PULL)
            pull.bind(endpoint)
            _ready()
            await pull.recv()
            t0 = time.perf_counter()
            for _ in range(count - 1):
                await pull.recv()
            _say(value=(count - 1) / (time.perf_counter() - t0))
        elif case == "send":
            push, ack = ctx.socket(zmq.PUSH), ctx.socket(zmq.PULL)
            push.bind(endpoint)
            ack.bind(control)
            _ready()
            _say(value=await _send_rate(push.send, ack.recv, count))
        else:
            req = ctx.socket(zmq.REQ)
            req.connect(endpoint)
            _ready()
            _say(**await _round_trips(req.send, req.recv, count))
        ctx.destroy(linger=0)

    asyncio.run(main())


async def _send_rate(send: Callable[[bytes], Any], ack: Callable[[], Any], count: int) -> float:
    """msg/s of ``count`` sends after a warm-up one, up to the peer's acknowledgement."""
    await send(b"x")
    t0 = time.perf_counter()
    for _ in range(count):
        await send(b"x")
    await ack()
    return count / (time.perf_counter() - t0)


async def _round_trips(send: Callable[[bytes], Any], recv: Callable[[], Any], count: int) -> dict[str, float]:
    for _ in range(max(1, count // 10)):
        await send(b"x")
        await recv()
    times = []
    for _ in range(count):
        t0 = time.perf_counter_ns()
        await send(b"x")
        await recv()
        times.append(time.perf_counter_ns() - t0)
    times.sort()
    return {"value": sum(times) / len(times) / 1000, "p50": times[len(times) // 2] / 1000}


def _zmqrepl_async(case: str, endpoint: str, control: str, count: int, uvloop: bool) -> None:
    from zmqrepl.core import Context
    from zmqrepl.core.asyncio import Socket

    ctx = Context()

    async def main() -> None:
        if case in ("recv", "recv_many"):
            pull = Socket("pull", ctx)
            pull.bind(endpoint)
            _ready()
            await pull.recv()
            t0 = time.perf_counter()
            if case == "recv":
                for _ in range(count - 1):
                    await pull.recv()
            else:
                left = count - 1
                while left > 0:
                    left -= len(await pull.recv_many(min(_BATCH, left)))
            _say(value=(count - 1) / (time.perf_counter() - t0))
            pull.close()
        elif case == "send":
            push, ack = Socket("push", ctx), Socket("pull", ctx)
            push.bind(endpoint)
            ack.bind(control)
            _ready()
            _say(value=await _send_rate(push.send, ack.recv, count))
            push.close()
            ack.close()
        else:
            req = Socket("req", ctx)
            req.connect(endpoint)
            _ready()
            _say(**await _round_trips(req.send, req.recv, count))
            req.close()

    if uvloop:
        import uvloop as uv

        with asyncio.Runner(loop_factory=uv.new_event_loop) as runner:
            runner.run(main())
    else:
        asyncio.run(main())
    ctx.destroy(0)


def _zmqrepl_sync(case: str, endpoint: str, control: str, count: int) -> None:
    from zmqrepl.core import Context, Socket

    ctx = Context()
    if case in ("recv", "recv_many"):
        pull = Socket("pull", ctx)
        pull.bind(endpoint)
        _ready()
        pull.recv()
        t0 = time.perf_counter()
        if case == "recv":
            recv = pull.recv
            for _ in range(count - 1):
                recv()
        else:
            left = count - 1
            while left > 0:
                left -= len(pull.recv_many(min(_BATCH, left)))
        _say(value=(count - 1) / (time.perf_counter() - t0))
    elif case == "send":
        push, ack = Socket("push", ctx), Socket("pull", ctx)
        push.bind(endpoint)
        ack.bind(control)
        _ready()
        push.send(b"x")
        t0 = time.perf_counter()
        send = push.send
        for _ in range(count):
            send(b"x")
        ack.recv()
        _say(value=count / (time.perf_counter() - t0))
    else:
        req = Socket("req", ctx)
        req.connect(endpoint)
        _ready()
        for _ in range(max(1, count // 10)):
            req.send(b"x")
            req.recv()
        times = []
        for _ in range(count):
            t0 = time.perf_counter_ns()
            req.send(b"x")
            req.recv()
            times.append(time.perf_counter_ns() - t0)
        times.sort()
        _say(value=sum(times) / len(times) / 1000, p50=times[len(times) // 2] / 1000)
    ctx.destroy(0)


def main(argv: Sequence[str]) -> int:
    if len(argv) != 5:
        print("usage: python -m bench.async_worker IMPL CASE ENDPOINT CONTROL COUNT", file=sys.stderr)
        return 2
    impl, case, endpoint, control, count_text = argv
    count = int(count_text)
    if impl == "pyzmq-asyncio":
        _pyzmq(case, endpoint, control, count)
    elif impl in ("zmqrepl-async", "zmqrepl-uvloop"):
        _zmqrepl_async(case, endpoint, control, count, impl == "zmqrepl-uvloop")
    elif impl == "zmqrepl-sync":
        _zmqrepl_sync(case, endpoint, control, count)
    else:
        print(f"unknown IMPL {impl}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
