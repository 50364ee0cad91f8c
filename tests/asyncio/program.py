"""A program for the Ctrl-C and warnings tests: ``python -m tests.asyncio.program LOOP MODE``.

MODE "wait": binds a PULL, prints "waiting" and awaits a message that never comes (the
test presses Ctrl-C); "close": waits in vain on a few sockets (rcvtimeo), closes them and
ends. Prints "interrupted" on Ctrl-C, "ended" at a normal end.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from zmqrepl.core import Again
from zmqrepl.core.asyncio import Socket


async def wait() -> None:
    with Socket("pull") as pull:
        pull.bind("tcp://127.0.0.1:*")
        print("waiting", flush=True)
        await pull.recv()


async def close() -> None:
    socks = [Socket(kind) for kind in ("pull", "sub", "rep")]
    for sock in socks:
        sock.bind("tcp://127.0.0.1:*")
        sock.set("rcvtimeo", 20)
    for sock in socks:
        try:
            await sock.recv()
        except Again:
            pass
    for sock in socks:
        sock.close()


def main() -> None:
    loop, mode = sys.argv[1], sys.argv[2]
    event_loop: asyncio.AbstractEventLoop
    if loop == "uvloop":
        import uvloop

        event_loop = uvloop.new_event_loop()
    else:
        event_loop = asyncio.new_event_loop()
    # As asyncio.Runner (3.11+) does: Ctrl-C cancels the main task, which then ends as
    # KeyboardInterrupt (raised inside the loop, it aborts uvloop on Python 3.9).
    task = event_loop.create_task(wait() if mode == "wait" else close())
    interrupted = []

    def on_sigint(signum: int, frame: object) -> None:
        interrupted.append(signum)
        event_loop.call_soon_threadsafe(task.cancel)

    signal.signal(signal.SIGINT, on_sigint)
    try:
        event_loop.run_until_complete(task)
    except asyncio.CancelledError:
        if interrupted:
            print("interrupted", flush=True)
            return
        raise
    finally:
        event_loop.close()
    print("ended", flush=True)


if __name__ == "__main__":
    main()
