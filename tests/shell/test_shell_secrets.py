"""The real program keeps secrets off the screen, and tells of peers dropped for oversized messages.

Batch mode (-c, stdin) in a subprocess; the interactive screen in a pseudo-terminal (the
Shell of test_shell_pty.py: pexpect + pyte), with the toolbar and `sockets` on it.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from tests.peers import Peer
from zmqrepl.core import curve_keypair

from .pty_shell import Shell

PASSWORD = "correct-horse-battery-staple"


def leaks(secret: str, text: str) -> list[str]:
    """Every 8-character piece of ``secret`` in ``text``."""
    return [secret[i : i + 8] for i in range(len(secret) - 7) if secret[i : i + 8] in text]


def env_for(tmp_path: Path) -> dict[str, str]:
    env = dict(
        os.environ,
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        TERM="xterm",
    )
    env.pop("ZMQREPL_DEBUG", None)
    return env


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zmqrepl", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=env_for(tmp_path),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )


def test_batch_output_never_shows_a_secret(tmp_path: Path) -> None:
    _, secret = (k.decode() for k in curve_keypair())
    script = tmp_path / "keys.zmq"
    script.write_text(
        f"socket s router\nset s curve_secretkey '{secret}'\nset s curve_server 1\n"
        f"set s plain_password {PASSWORD}\nget s curve_secretkey\nget s plain_password\n"
        f"auth plain admin {PASSWORD}\nauth show\nsockets\n",
        encoding="utf-8",
    )
    proc = run(tmp_path, str(script))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout + proc.stderr
    assert not leaks(secret, out) and not leaks(PASSWORD, out)
    assert out.count("(set)") >= 5 and "curve_secretkey=(set)" in out and "plain: admin" in out
    # A bad key in an error line is not echoed either.
    bad = "q~~~" * 10
    proc = run(tmp_path, "-c", f"socket s router; set s curve_secretkey {bad}")
    assert proc.returncode == 1 and "the value given" in proc.stderr
    assert not leaks(bad, proc.stdout + proc.stderr)
    # Asked for explicitly, it shows.
    proc = run(
        tmp_path, "-c", f"socket s router; set s curve_secretkey '{secret}'; get s curve_secretkey --reveal"
    )
    assert proc.returncode == 0 and secret in proc.stdout


def test_screen_toolbar_and_history_hold_no_secret(shell: Callable[..., Shell], tmp_path: Path) -> None:
    _, secret = (k.decode() for k in curve_keypair())
    (tmp_path / "keys.zmq").write_text(
        f"socket s router\nset s curve_secretkey '{secret}'\n"
        "set s curve_server 1\nbind s tcp://127.0.0.1:*\n",
        encoding="utf-8",
    )
    # Wide enough for the whole options column: `sockets` cuts it to fit a narrower one.
    sh = shell(cols=260)
    sh.command("source keys.zmq", "s.curve_server = True")
    sh.command("sockets", "curve_secretkey=(set)")
    sh.command("get s curve_secretkey", "--reveal shows it")
    sh.wait(lambda: " s router in 0" in sh.toolbar(), "the socket in the toolbar")
    assert not leaks(secret, sh.plain()) and not leaks(secret, sh.text())
    assert "s.curve_secretkey = (set)" in sh.plain()
    # A password typed at the prompt is echoed as it is typed (as in any shell), but the
    # reply hides it, and it never reaches the history file.
    sh.command(f"set s plain_password {PASSWORD}", "s.plain_password = (set)")
    sh.command("sockets", "plain_password=(set)")
    after = sh.plain().rsplit(f"set s plain_password {PASSWORD}", 1)[1]
    assert not leaks(PASSWORD, after)
    assert not leaks(PASSWORD, sh.toolbar())
    sh.wait_prompt()
    sh.child.send("quit\r")
    assert sh.exit_status() == 0
    history = (tmp_path / "state" / "zmqrepl" / "history").read_text(encoding="utf-8")
    assert "+source keys.zmq" in history and "+sockets" in history
    assert not leaks(PASSWORD, history) and "plain_password" not in history


class Streaming:
    """``zmqrepl`` reading commands from a pipe: type a line, wait for what it prints."""

    def __init__(self, tmp_path: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "zmqrepl"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env_for(tmp_path),
            cwd=tmp_path,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"no line with {text!r} within {timeout} s; seen {self.seen!r}"
            try:
                line = self.lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line

    def close(self) -> int:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        try:
            return self.proc.wait(timeout=15)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def test_batch_tells_of_a_peer_dropped_for_maxmsgsize(
    tmp_path: Path, start_peer: Callable[..., Peer]
) -> None:
    peer = start_peer("rep")
    zr = Streaming(tmp_path)
    try:
        zr.send(f"socket d dealer; set d maxmsgsize 1000; connect d {peer.endpoint}")
        zr.expect("connecting to")
        zr.send('send d "" small; recv d --timeout 10000')
        zr.expect("reply")
        zr.send('send d "" 0x' + "ab" * 1500)
        zr.expect("d: sent 2 parts, 1500 bytes")
        line = zr.expect("disconnected")
        assert line == (
            f"d: peer {peer.endpoint} disconnected: a message exceeded maxmsgsize "
            f"(1000 B) and libzmq will not reconnect (hint: raise it with set d "
            f"maxmsgsize N, then: disconnect d {peer.endpoint}; connect d {peer.endpoint})"
        )
        # The hint, followed to the letter, brings the big reply.
        zr.send(f"set d maxmsgsize 100000; disconnect d {peer.endpoint}; connect d {peer.endpoint}")
        zr.expect("connecting to")
        zr.send('send d "" 0x' + "ab" * 1500 + "; recv d --timeout 10000")
        zr.expect("1.5 KiB")
        zr.send("quit")
        assert zr.close() == 0
        assert sum("disconnected:" in x for x in zr.seen) == 1
        assert not any("Traceback" in x or "internal error" in x for x in zr.seen)
    finally:
        zr.close()
