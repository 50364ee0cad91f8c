"""Helpers shared by the core tests: child interpreters and connected pairs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from typing import Any, Callable

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_py(code: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (fresh default context, fresh signals)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def assert_not_signalled(proc: subprocess.CompletedProcess[str]) -> None:
    """The child ended by itself (exit code >= 0), never killed by a signal (SIGSEGV...)."""
    assert proc.returncode >= 0, (
        f"child died of signal {-proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    )


def assert_ok(proc: subprocess.CompletedProcess[str]) -> None:
    assert_not_signalled(proc)
    assert proc.returncode == 0, f"child failed\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def curve_pair(
    ctx: Any, server_kind: str, client_kind: str, *, wrong_server_key: bool = False
) -> tuple[Any, Any]:
    """(server, client) sockets set up for CURVE with fresh keys; with ``wrong_server_key``
    the client trusts another server's public key, so its handshake must fail."""
    from zmqrepl.core import curve_keypair

    server_public, server_secret = curve_keypair()
    client_public, client_secret = curve_keypair()
    server, client = ctx.socket(server_kind), ctx.socket(client_kind)
    server.set("curve_server", True)
    server.set("curve_secretkey", server_secret)
    client.set("curve_serverkey", curve_keypair()[0] if wrong_server_key else server_public)
    client.set("curve_publickey", client_public)
    client.set("curve_secretkey", client_secret)
    return server, client


def wait_blocked(sock: Any, keeps_socket: bool = True, timeout: float = 10.0) -> None:
    """Wait until another thread's blocking call on ``sock`` is waiting, from the
    state the core keeps: a call that keeps its socket between wait slices (recv,
    send...) has ended one (st.slices counts them) and holds the socket (st.busy)
    until it returns; poll and proxy only set st.busy while inside libzmq."""
    st = sock._st
    first = st.slices
    if not wait_until(
        (lambda: st.slices > first and bool(st.busy)) if keeps_socket else (lambda: bool(st.busy)),
        timeout=timeout,
        step=0.001,
    ):
        raise AssertionError("the call never started waiting")
