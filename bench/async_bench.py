"""zmqrepl.core.asyncio against zmq.asyncio (and zmqrepl's own sync calls), 1-byte messages
over tcp, with the C program bench/c/zbench.c on the other end.

    .venv/bin/python -m bench.async_bench [--messages N] [--round-trips N] [--runs N]
                                          [--pyzmq system|wheel]

Each figure is one process of bench/async_worker.py (pyzmq under its own interpreter, see
bench/pyzmq_env.py) against one zbench process:
    recv       zbench "source" pushes N messages; the worker times `await sock.recv()`
               (zmqrepl on asyncio and on uvloop, zmq.asyncio) or `sock.recv()` (zmqrepl sync)
    send       the worker sends N, timed until zbench "sink" acknowledges the last one
    reqrep     the worker's REQ against zbench "rep": N round trips (mean and p50, us)
    recv_many  as recv, with recv_many(1000), async and sync
The table gives the median of --runs runs, and each figure's ratio to zmq.asyncio's (recv,
send, reqrep: for reqrep, theirs / ours, so above 1 is faster) and, for the async recv and
recv_many, to zmqrepl's sync call.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Sequence

from .cbuild import build_zbench
from .pyzmq_env import MODES, pyzmq_python

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
CASES: dict[str, tuple[str, ...]] = {
    "recv": ("zmqrepl-async", "zmqrepl-uvloop", "pyzmq-asyncio", "zmqrepl-sync"),
    "send": ("zmqrepl-async", "zmqrepl-uvloop", "pyzmq-asyncio", "zmqrepl-sync"),
    "reqrep": ("zmqrepl-async", "zmqrepl-uvloop", "pyzmq-asyncio", "zmqrepl-sync"),
    "recv_many": ("zmqrepl-async", "zmqrepl-sync"),
}
_HWM = 1000  # zbench's own socket: libzmq's default high-water mark
_TIMEOUT_S = 600.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _zbench(exe: Path, role: str, endpoint: str, control: str, count: int) -> subprocess.Popen[str]:
    plan = f"1:{count}:{_HWM}"
    return subprocess.Popen([str(exe), role, endpoint, control, plan, "-", "0"], text=True, cwd=str(ROOT))


def _worker(
    python: str, impl: str, case: str, endpoint: str, control: str, count: int
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [python, "-m", "bench.async_worker", impl, case, endpoint, control, str(count)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=str(ROOT),
    )


def measure(exe: Path, python: str, impl: str, case: str, count: int) -> dict[str, float]:
    """One run: the worker's JSON figures."""
    endpoint = f"tcp://127.0.0.1:{_free_port()}"
    control = f"tcp://127.0.0.1:{_free_port()}"
    procs: list[subprocess.Popen[str]] = []
    try:
        if case == "reqrep":
            procs.append(_zbench(exe, "rep", endpoint, "-", count))  # binds first
        worker = _worker(python, impl, case, endpoint, control, count)
        procs.append(worker)
        assert worker.stdout is not None
        if worker.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{impl} {case}: the worker did not start")
        if case in ("recv", "recv_many"):
            procs.append(_zbench(exe, "source", endpoint, "-", count))
        elif case == "send":
            procs.append(_zbench(exe, "sink", endpoint, control, count))
        out, _ = worker.communicate(timeout=_TIMEOUT_S)
        for proc in procs:
            proc.wait(timeout=_TIMEOUT_S)
        if worker.returncode != 0:
            raise RuntimeError(f"{impl} {case}: the worker failed ({worker.returncode})")
        figures: dict[str, float] = json.loads(out.splitlines()[-1])
        return figures
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.async_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=200_000, help="messages per recv/send run")
    ap.add_argument("--round-trips", type=int, default=10_000, help="timed REQ/REP round trips per run")
    ap.add_argument("--runs", type=int, default=3, help="runs per figure; the table shows the median")
    ap.add_argument(
        "--pyzmq", choices=MODES, default="system", help="pyzmq against the system libzmq, or its wheel"
    )
    ap.add_argument("--cases", default=",".join(CASES), help="which of " + ", ".join(CASES))
    args = ap.parse_args(argv)
    exe = build_zbench()
    pyzmq = pyzmq_python(args.pyzmq)
    medians: dict[tuple[str, str], dict[str, float]] = {}
    for case in args.cases.split(","):
        count = args.round_trips if case == "reqrep" else args.messages
        for impl in CASES[case]:
            python = pyzmq if impl.startswith("pyzmq") else sys.executable
            runs = [measure(exe, python, impl, case, count) for _ in range(args.runs)]
            medians[case, impl] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(f"  {case} {impl}: {medians[case, impl]}", file=sys.stderr, flush=True)
    print(
        f"\n1-byte messages over tcp against zbench (C); median of {args.runs} runs; "
        f"{args.messages} messages, {args.round_trips} round trips\n"
    )
    print("| case | implementation | figure | vs zmq.asyncio | vs zmqrepl sync |")
    print("|---|---|---|---|---|")
    for (case, impl), figures in medians.items():
        value = figures["value"]
        theirs = medians.get((case, "pyzmq-asyncio"))
        sync = medians.get((case, "zmqrepl-sync"))
        if case == "reqrep":
            shown = f"{value:.1f} us mean, {figures['p50']:.1f} us p50"
            vs_pyzmq = f"{theirs['value'] / value:.2f}x" if theirs else ""
            vs_sync = f"{sync['value'] / value:.2f}x" if sync else ""
        else:
            shown = f"{value:,.0f} msg/s"
            vs_pyzmq = f"{value / theirs['value']:.1f}x" if theirs else ""
            vs_sync = f"{value / sync['value']:.2f}x" if sync else ""
        print(f"| {case} | {impl} | {shown} | {vs_pyzmq} | {vs_sync} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
