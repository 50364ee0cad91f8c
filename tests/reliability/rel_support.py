"""Helpers for the reliability tests: child processes with timeouts, a pyzmq peer,
the C flood sender, RSS readings. Every process started here is killed in teardown."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PEER_SCRIPT = HERE / "rel_peer.py"
SENDER_C = HERE / "sender.c"
ZMQREPL = Path(sys.executable).with_name("zmqrepl")


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("ZMQREPL_DEBUG", None)
    return env


def run_py(code: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """``python -c code`` in a child; a hang becomes a failure (and the child is killed)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env=child_env(), cwd=str(ROOT))


def run_shell(args: list[str], stdin: str | None = None, timeout: float = 30,
              home: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real ``zmqrepl`` program, without a terminal, with its own empty config/history."""
    env = child_env()
    if home is not None:
        env.update(XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home / "state"))
    return subprocess.run([str(ZMQREPL), *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=str(home or ROOT))


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
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libzmq"], capture_output=True,
                           text=True, timeout=30, check=True).stdout.split()
    out = directory / "sender"
    subprocess.run([cc, "-O2", "-o", str(out), str(SENDER_C), *flags], check=True, timeout=120,
                   capture_output=True)
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


class PyPeer:
    """rel_peer.py (pyzmq) in another process; ``call`` runs one op there."""

    def __init__(self, procs: Processes) -> None:
        self.proc = procs.start([sys.executable, str(PEER_SCRIPT)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)

    def call(self, op: str, timeout: float = 15, **kwargs: Any) -> Any:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **kwargs}) + "\n")
        self.proc.stdin.flush()
        try:
            reply = json.loads(self._lines.get(timeout=timeout))
        except queue.Empty:
            raise AssertionError(f"pyzmq peer did not answer {op} within {timeout} s") from None
        if "error" in reply:
            raise AssertionError(f"pyzmq peer {op} failed: {reply['error']}")
        return reply["ok"]

    def recv(self, sock: str, timeout: int = 1000) -> list[bytes] | None:
        got = self.call("recv", sock=sock, timeout=timeout)
        return None if got is None else [bytes.fromhex(f) for f in got]

    def send(self, sock: str, *frames: bytes, timeout: int = 2000) -> bool:
        return bool(self.call("send", sock=sock, frames=[f.hex() for f in frames], timeout=timeout))


def wait_for(check: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not reached within {timeout} s (last: {value!r})")
        time.sleep(0.02)
