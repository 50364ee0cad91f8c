"""Helpers of the async tests: running a coroutine on the default loop or uvloop."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, TypeVar

import uvloop

T = TypeVar("T")

LOOPS = ["asyncio", "uvloop"]


def run(loop: str, main: Callable[[], Awaitable[T]]) -> T:
    """``main()`` to the end in a new event loop of that kind ("asyncio" or "uvloop")."""
    factory: Any = uvloop.new_event_loop if loop == "uvloop" else None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main())  # type: ignore[arg-type]


def number(frame: bytes) -> int:
    return int.from_bytes(frame, "big")
