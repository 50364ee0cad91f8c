"""A program for the Ctrl-C and warnings tests: ``python -m tests.asyncio.program LOOP MODE``.

MODE "wait": binds a PULL, prints "waiting" and awaits a message that never comes (the
test presses Ctrl-C); "close": waits in vain on a few sockets (rcvtimeo), closes them and
ends. Prints "interrupted" on KeyboardInterrupt, "ended" at a normal end.
"""

from __future__ import annotations

import asyncio
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
    try:  # as asyncio.run does, on a loop of that kind (asyncio.Runner is 3.11+)
        event_loop.run_until_complete(wait() if mode == "wait" else close())
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        return
    finally:
        event_loop.close()
    print("ended", flush=True)


if __name__ == "__main__":
    main()
