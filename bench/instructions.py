"""Instructions per received message, counted by callgrind (stable on a busy machine).

    .venv/bin/python bench/instructions.py        # needs valgrind (apt-get install valgrind)

Each case fills an inproc PULL's queue, then receives every message; running it with two
message counts and taking the difference leaves the per-message cost of the loop alone.
"""

from __future__ import annotations

import re
import subprocess
import sys

N_SMALL, N_LARGE = 20_000, 120_000

SCRIPT = r'''
import sys
case, n = sys.argv[1], int(sys.argv[2])
if case.startswith("zmqrepl"):
    from zmqrepl.core import Context
    ctx = Context(); pull = ctx.socket("pull"); push = ctx.socket("push")
    pull.set("rcvhwm", 0); push.set("sndhwm", 0)
    pull.bind("inproc://x"); push.connect("inproc://x")
    for _ in range(n // 1000):
        push.send_many([b"x"] * 1000)
else:
    import zmq
    ctx = zmq.Context(); pull = ctx.socket(zmq.PULL); push = ctx.socket(zmq.PUSH)
    pull.setsockopt(zmq.RCVHWM, 0); push.setsockopt(zmq.SNDHWM, 0)
    pull.bind("inproc://x"); push.connect("inproc://x")
    send = push.send
    for _ in range(n):
        send(b"x")
if case.endswith("recv"):
    recv = pull.recv
    for _ in range(n):
        recv()
elif case.endswith("recv_many"):
    got = 0
    while got < n:
        got += len(pull.recv_many(10000))
'''

CASES = {
    "zmqrepl recv()": ("zmqrepl-recv", "zmqrepl-fill"),
    "pyzmq recv()": ("pyzmq-recv", "pyzmq-fill"),
    "zmqrepl recv_many(10000)": ("zmqrepl-recv_many", "zmqrepl-fill"),
}


def instructions(case: str, n: int) -> int:
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                          sys.executable, "-c", SCRIPT, case, str(n)],
                         capture_output=True, text=True, check=True).stderr
    match = re.search(r"Collected : (\d+)", out)
    if match is None:
        raise SystemExit(f"callgrind printed no count:\n{out}")
    return int(match.group(1))


def per_message(case: str) -> float:
    return (instructions(case, N_LARGE) - instructions(case, N_SMALL)) / (N_LARGE - N_SMALL)


def main() -> None:
    for label, (case, fill) in CASES.items():
        cost = per_message(case) - per_message(fill)
        print(f"{label:<26} {cost:8.0f} instructions per message")


if __name__ == "__main__":
    main()
