"""Instructions per message sent or received, counted by callgrind (stable on a busy machine).

    .venv/bin/python -m bench.instructions        # needs valgrind (apt-get install valgrind)

A receive case fills an inproc PULL's queue (no HWM), then receives every message; a send
case sends into it. Each case runs with two message counts, and so does its baseline (the
same set-up without the measured loop): the difference of the differences is the
per-message cost of the loop alone. pyzmq runs built against the system libzmq, as in the
rest of the bench (bench/pyzmq_env.py), so both count the same libzmq's instructions.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from .pyzmq_env import pyzmq_python

N_SMALL, N_LARGE = 20_000, 120_000

SCRIPT = r"""
import sys


def main(case, n):
    # Loops run inside a function, as in real code: module-level loops would add a
    # dict store and lookups per message to every case.
    lib, action = case.split("-")
    if lib == "zmqrepl":
        from zmqrepl.core import Context
        ctx = Context(); pull = ctx.socket("pull"); push = ctx.socket("push")
        pull.set("rcvhwm", 0); push.set("sndhwm", 0)
        pull.bind("inproc://x"); push.connect("inproc://x")
        fill = lambda: [push.send_many([b"x"] * 1000) for _ in range(n // 1000)]
    else:
        import zmq
        ctx = zmq.Context(); pull = ctx.socket(zmq.PULL); push = ctx.socket(zmq.PUSH)
        pull.setsockopt(zmq.RCVHWM, 0); push.setsockopt(zmq.SNDHWM, 0)
        pull.bind("inproc://x"); push.connect("inproc://x")
        fill = lambda: [push.send(b"x") for _ in range(n)]
    if action in ("fill", "recv", "recv_many"):
        fill()
    if action == "recv":
        recv = pull.recv
        for _ in range(n):
            recv()
    elif action == "recv_many":
        got = 0
        while got < n:
            got += len(pull.recv_many(10000))
    elif action == "send":
        send, data = push.send, b"x"
        for _ in range(n):
            send(data)


main(sys.argv[1], int(sys.argv[2]))
"""

# label -> (measured case, baseline case): the difference is the loop alone
CASES = {
    "zmqrepl recv()": ("zmqrepl-recv", "zmqrepl-fill"),
    "pyzmq recv()": ("pyzmq-recv", "pyzmq-fill"),
    "zmqrepl recv_many(10000)": ("zmqrepl-recv_many", "zmqrepl-fill"),
    "zmqrepl send()": ("zmqrepl-send", "zmqrepl-setup"),
    "pyzmq send()": ("pyzmq-send", "pyzmq-setup"),
}


def instructions(case: str, n: int) -> int:
    python = pyzmq_python("system") if case.startswith("pyzmq") else sys.executable
    out = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            python,
            "-c",
            SCRIPT,
            case,
            str(n),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    match = re.search(r"Collected : (\d+)", out)
    if match is None:
        raise SystemExit(f"callgrind printed no count:\n{out}")
    return int(match.group(1))


def per_message(case: str) -> float:
    return (instructions(case, N_LARGE) - instructions(case, N_SMALL)) / (N_LARGE - N_SMALL)


def main() -> None:
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        costs = {
            label: (pool.submit(per_message, case), pool.submit(per_message, base))
            for label, (case, base) in CASES.items()
        }
        for label, (case_cost, base_cost) in costs.items():
            cost = case_cost.result() - base_cost.result()
            print(f"{label:<26} {cost:8.0f} instructions per message")


if __name__ == "__main__":
    main()
