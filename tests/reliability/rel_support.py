"""Helpers for the reliability tests: child processes with timeouts, the C flood sender,
RSS readings. Every process started here is killed in teardown. The pyzmq peer is
tests.peers (``PyPeer`` is its old name here)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from tests.peers import Peer
from tests.support import wait_for

__all__ = [
    "ROOT",
    "ZMQREPL",
    "Processes",
    "PyPeer",
    "build_sender",
    "child_env",
    "rss_kib",
    "run_py",
    "run_shell",
    "wait_for",
]

PyPeer = Peer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SENDER_C = HERE / "sender.c"
ZMQREPL = Path(sys.executable).with_name("zmqrepl")


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("ZMQREPL_DEBUG", None)
    return env


def run_py(code: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """``python -c code`` in a child; a hang becomes a failure (and the child is killed)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=child_env(),
        cwd=str(ROOT),
    )


def run_shell(
    args: list[str], stdin: str | None = None, timeout: float = 30, home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The real ``zmqrepl`` program, without a terminal, with its own empty config/history."""
    env = child_env()
    if home is not None:
        env.update(XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home / "state"))
    return subprocess.run(
        [str(ZMQREPL), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=str(home or ROOT),
    )


def rss_kib(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS line")


def build_sender(directory: Path) -> Path:
    """Compile sender.c against the system libzmq into ``directory``."""
    cc = shutil.which("cc") or shutil.which("gcc")
    assert cc, "a C compiler is needed for the flood sender"
    flags = subprocess.run(
        ["pkg-config", "--cflags", "--libs", "libzmq"], capture_output=True, text=True, timeout=30, check=True
    ).stdout.split()
    out = directory / "sender"
    subprocess.run(
        [cc, "-O2", "-o", str(out), str(SENDER_C), *flags], check=True, timeout=120, capture_output=True
    )
    return out


class Processes:
    """Child processes of one test; ``kill_all`` in teardown."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[Any]] = []

    def start(self, args: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
        kwargs.setdefault("env", child_env())
        proc = subprocess.Popen(args, **kwargs)
        self.procs.append(proc)
        return proc

    def kill_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    try:
                        stream.close()
                    except OSError:
                        pass
