"""Helpers of the async tests: running a coroutine on the default loop, uvloop or (through
anyio) trio, and waiting for a state with a deadline."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any, Awaitable, Callable, TypeVar

import anyio

try:
    import uvloop
except ImportError:  # PyPy: uvloop has no build for it (pyproject's suite extra)
    uvloop = None  # type: ignore[assignment]

T = TypeVar("T")

# uvloop wherever it installs; asyncio's own loop and trio everywhere.
LOOPS = ["asyncio", "uvloop"] if uvloop is not None else ["asyncio"]
BACKENDS = [*LOOPS, "trio"]  # anyio's backends: asyncio (on uvloop too) and trio


def new_loop(loop: str) -> asyncio.AbstractEventLoop:
    """A new event loop of that kind ("asyncio" or "uvloop")."""
    return uvloop.new_event_loop() if loop == "uvloop" else asyncio.new_event_loop()


def run(loop: str, main: Callable[[], Awaitable[T]]) -> T:
    """``main()`` to the end in a new event loop of that kind ("asyncio" or "uvloop"), as
    asyncio.run does (asyncio.Runner, which takes a loop factory, is Python 3.11+)."""
    event_loop = new_loop(loop)
    try:
        asyncio.set_event_loop(event_loop)
        return event_loop.run_until_complete(main())
    finally:
        try:
            _cancel_left_tasks(event_loop)
            event_loop.run_until_complete(event_loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            event_loop.close()


def _cancel_left_tasks(event_loop: asyncio.AbstractEventLoop) -> None:
    left = asyncio.all_tasks(event_loop)
    for task in left:
        task.cancel()
    if left:
        event_loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))


def run_anyio(main: Callable[[], Awaitable[T]], backend: str) -> T:
    """``main()`` under anyio: its asyncio backend (on uvloop for "uvloop") or trio."""
    if backend == "uvloop":
        result: T = anyio.run(main, backend="asyncio", backend_options={"use_uvloop": True})
    else:
        result = anyio.run(main, backend=backend)
    return result


class _Timeout:
    """asyncio.timeout (Python 3.11+) for older Pythons: cancels the task that waits in the
    block after ``delay`` seconds, and raises asyncio.TimeoutError instead of the cancel."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.fired = False
        self.timer: asyncio.TimerHandle | None = None

    async def __aenter__(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.timer = asyncio.get_running_loop().call_later(self.delay, self._fire, task)

    def _fire(self, task: asyncio.Task[Any]) -> None:
        self.fired = True
        task.cancel()

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        assert self.timer is not None
        self.timer.cancel()
        if self.fired and kind is asyncio.CancelledError:
            raise asyncio.TimeoutError


def timeout(delay: float) -> Any:
    """``async with timeout(delay):``, as asyncio.timeout where it exists (Python 3.11+)."""
    return asyncio.timeout(delay) if hasattr(asyncio, "timeout") else _Timeout(delay)


def collect() -> None:
    """Free what nothing references. PyPy frees an object with a finalizer (an event loop
    has one) only at the collection after the one that runs it; CPython at the first."""
    for _ in range(3):
        gc.collect()


async def until(done: Callable[[], bool], what: str, within: float = 10.0) -> None:
    """Let the loop (asyncio or trio, through anyio) run until ``done()``; fail after
    ``within`` seconds, saying ``what`` did not happen."""
    deadline = time.monotonic() + within
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {within} s")
        await anyio.sleep(0.001)


def number(frame: bytes) -> int:
    return int.from_bytes(frame, "big")


async def router_with_a_full_peer(router: Any, ctx: Any) -> list[Any]:
    """Make ``router`` (an async ROUTER, router_mandatory, sndhwm 1, sndtimeo 100 ms) the
    router of two plain DEALERs, "a" and "b", with a's queue full: events then says it can
    send (b has room) while a send to a fails. Returns the dealers (for the caller to close)."""
    from zmqrepl.core import Again
    from zmqrepl.core import Socket as PlainSocket

    for option, value in (("router_mandatory", 1), ("sndhwm", 1), ("linger", 0), ("sndtimeo", 100)):
        router.set(option, value)
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
    return peers


def full_pair(socket_class: Any, ctx: Any, name: str) -> tuple[Any, Any]:
    """An async PAIR (of ``socket_class``: the asyncio or the anyio one) whose send queue is
    full, and its plain peer (which has not read)."""
    from zmqrepl.core import Again
    from zmqrepl.core import Socket as PlainSocket

    mine = socket_class("pair", ctx)
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
