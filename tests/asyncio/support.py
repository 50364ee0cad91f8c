"""Helpers of the async tests: running a coroutine on the default loop, uvloop or (through
anyio) trio, and waiting for a state with a deadline."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable, TypeVar

import anyio
import uvloop

T = TypeVar("T")

LOOPS = ["asyncio", "uvloop"]
BACKENDS = ["asyncio", "uvloop", "trio"]  # anyio's backends: asyncio (on uvloop too) and trio


def run(loop: str, main: Callable[[], Awaitable[T]]) -> T:
    """``main()`` to the end in a new event loop of that kind ("asyncio" or "uvloop")."""
    factory: Any = uvloop.new_event_loop if loop == "uvloop" else None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main())  # type: ignore[arg-type]


def run_anyio(main: Callable[[], Awaitable[T]], backend: str) -> T:
    """``main()`` under anyio: its asyncio backend (on uvloop for "uvloop") or trio."""
    if backend == "uvloop":
        result: T = anyio.run(main, backend="asyncio", backend_options={"use_uvloop": True})
    else:
        result = anyio.run(main, backend=backend)
    return result


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
