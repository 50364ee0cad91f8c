"""A session socket with heartbeats whose peer floods it, leaves, and is read only later:
run as ``python -m tests.reliability.heartbeat_queue SENDER RCVHWM HEARTBEAT_IVL``
(test_rel_heartbeat_queue.py); RCVHWM or HEARTBEAT_IVL ``-``: the session's default.

Prints "received N dropped M" once the queue is drained. Were the socket's libzmq queue
left full, libzmq 4.3.4 would abort the process here instead (session/inbox.py): the
session keeps such a socket read.
"""

from __future__ import annotations

import subprocess
import sys
import time

from zmqrepl.session import Bound, Session

SILENT_S = 2.0  # nobody reads the socket this long: ten pings of a 200 ms heartbeat


def main(sender: str, rcvhwm: str, heartbeat_ivl: str) -> None:
    session = Session(linger=0)
    try:
        session.run("socket s pull")
        if rcvhwm != "-":
            session.run(f"set s rcvhwm {rcvhwm}")
        if heartbeat_ivl != "-":
            session.run(f"set s heartbeat_ivl {heartbeat_ivl}")
        bound = session.execute("bind s tcp://127.0.0.1:*")
        assert isinstance(bound, Bound)
        # The sender exits once its 200,000 messages are in the kernel's buffers.
        subprocess.run([sender, bound.endpoint, "200000", "16", "0"], check=True, capture_output=True)
        time.sleep(SILENT_S)  # the condition under test, not a synchronisation
        session.execute("watch s")
        last, since = -1, time.monotonic()
        while time.monotonic() - since < 1.0:  # drained: no new message for a second
            now = session.sockets()[0].received
            if now != last:
                last, since = now, time.monotonic()
            time.sleep(0.05)
        flags = session.sockets()[0].flags
        dropped = flags.split("dropped ")[1].split(",")[0] if "dropped " in flags else "0"
        print("received", last, "dropped", dropped, flush=True)
    finally:
        session.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
