"""Run one session: the processes of one test, transport and implementation, once.

Over ipc and tcp the measured side and its peer are separate processes; over inproc they
are two threads of one process (the only way to share a context). The peer is the C
program for throughput and PUB/SUB, and the same implementation for REQ/REP latency.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from .config import Block, encode_plan
from .roles import Row

__all__ = ["ROLE_PAIRS", "Session", "SessionError", "run_session"]

ROOT = Path(__file__).resolve().parent.parent

# test -> (measured role, peer role, peer is C whatever the implementation)
ROLE_PAIRS = {
    "recv": ("pull", "source", True),
    "recv_many": ("pull_many", "source", True),
    "recv_view": ("pull_view", "source", True),
    "send": ("push", "sink", True),
    "lat": ("req", "rep", False),
    "pubsub": ("sub", "pub", True),
}


class SessionError(RuntimeError):
    pass


@dataclass(frozen=True)
class Session:
    test: str
    transport: str
    plan: tuple[Block, ...]
    subs: int = 1


def _free_ports(n: int) -> list[int]:
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(n)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]


def _endpoints(transport: str, n: int, tmpdir: str) -> list[str]:
    """n data endpoints and then one control endpoint."""
    if transport == "tcp":
        return [f"tcp://127.0.0.1:{p}" for p in _free_ports(n + 1)]
    if transport == "ipc":
        return [f"ipc://{tmpdir}/e{k}" for k in range(n + 1)]
    return [f"inproc://e{k}" for k in range(n + 1)]


def _command(impl: str, zbench: Path, pythons: tuple[str, str], args: list[str]) -> list[str]:
    if impl == "c":
        return [str(zbench), *args]
    python = pythons[1] if impl == "pyzmq" else pythons[0]
    return [python, "-m", "bench.worker", impl, *args]  # cwd=ROOT: bench imports from there


def _parse(out: str) -> list[Row]:
    return [tuple(float(x) for x in line.split()) for line in out.splitlines() if line.strip()]


def run_session(
    session: Session,
    impl: str,
    zbench: Path,
    pyzmq_python: str = sys.executable,
    timeout: float = 120.0,
    python: str = sys.executable,
) -> list[list[Row]]:
    """The rows printed by each measured process (several for PUB/SUB); zmqrepl's processes
    run under python (--python), pyzmq's under pyzmq_python (see bench.pyzmq_env)."""
    pythons = (python, pyzmq_python)
    measured, peer, peer_is_c = ROLE_PAIRS[session.test]
    if (session.test == "recv_many" and impl != "zmqrepl") or (session.test == "recv_view" and impl == "c"):
        measured = "pull"  # no batch API / the C loop never copies: the plain loop stands in
    n_data = len(session.plan) if measured in ("pull", "pull_many", "pull_view", "push") else 1
    tmpdir = tempfile.mkdtemp(prefix="zb")
    try:
        *data, control = _endpoints(session.transport, n_data, tmpdir)
        common = [",".join(data), control, encode_plan(session.plan)]
        if session.transport == "inproc":
            peers: list[list[str]] = []
            mains = [_command(impl, zbench, pythons, [measured, *common, peer, str(session.subs)])]
        else:
            peer_args = [peer, *common, "-", str(session.subs)]
            peers = [_command("c" if peer_is_c else impl, zbench, pythons, peer_args)]
            mains = [_command(impl, zbench, pythons, [measured, *common, "-", "0"])] * (
                session.subs if session.test == "pubsub" else 1
            )
        return _run(peers, mains, timeout)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _run(peers: list[list[str]], mains: list[list[str]], timeout: float) -> list[list[Row]]:
    procs: list[subprocess.Popen[str]] = []
    deadline = time.monotonic() + timeout
    try:
        for cmd in peers + mains:
            procs.append(
                subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            )
        results: list[list[Row]] = []
        for i, (cmd, proc) in enumerate(zip(peers + mains, procs)):
            out, err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
            if proc.returncode != 0:
                raise SessionError(f"{' '.join(cmd)} exited with {proc.returncode}: {err.strip()}")
            if i >= len(peers):
                results.append(_parse(out))
        return results
    except subprocess.TimeoutExpired as exc:
        raise SessionError(f"timed out after {timeout:.0f} s: {' '.join(map(str, exc.cmd))}") from None
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
