"""The sessions a run holds, run in turn (the implementations interleaved, so that drift
on a busy machine hits all three alike), and the figures they give."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .config import latency_plan, pubsub_plan, throughput_plan
from .pyzmq_env import pyzmq_python
from .runner import ROOT, Session, SessionError, run_session

ZERO_COPY_MIN = 64 * 1024  # a zero-copy receive only pays for large frames

__all__ = ["Figure", "Options", "plan_sessions", "run_suite"]


@dataclass(frozen=True)
class Options:
    tests: Sequence[str]
    transports: Sequence[str]
    sizes: Sequence[int]
    pubsub_sizes: Sequence[int]
    impls: Sequence[str]
    runs: int
    scale: float
    pyzmq: str = "system"  # which pyzmq: bench.pyzmq_env.MODES
    python: str = sys.executable  # the interpreter of the Python workers (--python)


@dataclass
class Figure:
    """One line of the table: every run's value for each implementation."""

    test: str
    transport: str
    size: int
    unit: str
    higher_is_better: bool
    runs: dict[str, list[float]] = field(default_factory=dict)

    def median(self, impl: str) -> float | None:
        values = self.runs.get(impl)
        return statistics.median(values) if values else None


def _has_recv_many(python: str) -> bool:
    """Whether zmqrepl.core, under the measured interpreter, has a batch receive yet (issue 5,
    item 3)."""
    check = "from zmqrepl.core import Socket; print(hasattr(Socket, 'recv_many'))"
    out = subprocess.run([python, "-c", check], capture_output=True, text=True, cwd=ROOT)
    return out.stdout.strip() == "True"


def plan_sessions(opts: Options) -> list[Session]:
    sessions: list[Session] = []
    for transport in opts.transports:
        if "throughput" in opts.tests:
            plan = tuple(throughput_plan(opts.sizes, opts.scale))
            sessions += [Session("recv", transport, plan), Session("send", transport, plan)]
            if "zmqrepl" in opts.impls and _has_recv_many(opts.python):
                sessions.append(Session("recv_many", transport, plan))
            large = tuple(b for b in plan if b.size >= ZERO_COPY_MIN)
            if large:
                sessions.append(Session("recv_view", transport, large))
        if "latency" in opts.tests:
            sessions.append(Session("lat", transport, tuple(latency_plan(opts.sizes, opts.scale))))
    if "pubsub" in opts.tests:
        plan = tuple(pubsub_plan(opts.pubsub_sizes, opts.scale))
        sessions += [
            Session("pubsub", t, plan, subs) for t in opts.transports if t != "inproc" for subs in (1, 4)
        ]
    return sessions


def _labels(session: Session) -> list[tuple[str, str, bool]]:
    if session.test == "lat":
        return [(f"REQ/REP {m}", "us", False) for m in ("mean", "p50", "p99")]
    if session.test == "pubsub":
        return [(f"PUB/SUB {session.subs} sub{'s' if session.subs > 1 else ''}", "msg/s", True)]
    return [("PUSH/PULL " + session.test, "msg/s", True)]


def _record(
    figures: dict[tuple[str, str, int], Figure],
    session: Session,
    impl: str,
    per_process: list[list[tuple[float, ...]]],
) -> None:
    labels = _labels(session)
    for block_rows in zip(*per_process):
        size = int(block_rows[0][0])
        # PUB/SUB: the mean over subscribers of each one's own rate
        values = [statistics.fmean(row[i + 1] for row in block_rows) for i in range(len(labels))]
        for (test, unit, higher), value in zip(labels, values):
            key = (test, session.transport, size)
            fig = figures.setdefault(key, Figure(test, session.transport, size, unit, higher))
            fig.runs.setdefault(impl, []).append(value)


def run_suite(
    opts: Options, zbench: Path, log: Callable[[str], None] = lambda s: print(s, file=sys.stderr)
) -> list[Figure]:
    sessions = plan_sessions(opts)
    python = pyzmq_python(opts.pyzmq, opts.python) if "pyzmq" in opts.impls else opts.python
    figures: dict[tuple[str, str, int], Figure] = {}
    total, done = len(sessions) * len(opts.impls) * opts.runs, 0
    for run in range(opts.runs):
        for session in sessions:
            for impl in opts.impls:
                done += 1
                name = f"{session.test}{session.subs if session.test == 'pubsub' else ''}"
                t0 = time.monotonic()
                try:
                    rows = run_session(session, impl, zbench, python, python=opts.python)
                    _record(figures, session, impl, rows)
                    status = f"{time.monotonic() - t0:.1f} s"
                except SessionError as exc:
                    status = f"FAILED: {exc}"
                log(f"[{done:3d}/{total}] run {run + 1} {name:<7} {session.transport:<6} {impl:<7} {status}")
    return list(figures.values())
