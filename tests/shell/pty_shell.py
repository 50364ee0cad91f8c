"""The real ``zmqrepl`` in a pseudo-terminal (pexpect), seen through a pyte screen.

pyte answers the cursor-position request prompt_toolkit sends (ESC[6n) through
write_process_input, so prompt_toolkit knows the terminal's height and draws the bottom
toolbar.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import Callable

import pexpect
import pyte

__all__ = ["COLS", "ROWS", "Shell"]

# The repository root: a shell started as ``-m tests.something`` finds the tests package.
_ROOT = str(Path(__file__).resolve().parents[2])

ROWS, COLS = 30, 120
_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


class Shell:
    def __init__(
        self,
        tmp_path: Path,
        *args: str,
        module: str = "zmqrepl",
        cols: int = COLS,
        env: dict[str, str] | None = None,
    ) -> None:
        """Runs ``python -m module *args``; ``module`` is the zmqrepl program unless a test
        starts it through a module of its own. ``cols``: the terminal's width; ``env``:
        variables set for the program, beside those set here."""
        base = dict(
            os.environ,
            TERM="xterm",
            XDG_STATE_HOME=str(tmp_path / "state"),
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            COLUMNS=str(cols),
            LINES=str(ROWS),
            PYTHONPATH=os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")])),
        )
        for var in ("PROMPT_TOOLKIT_NO_CPR", "ZMQREPL_DEBUG", "NO_COLOR"):
            base.pop(var, None)
        env = {**base, **(env or {})}
        # preexec_fn: a test run started in the background (SIGINT ignored) must still let
        # Ctrl-C reach the shell as a real terminal would.
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", module, *args],
            env=env,
            dimensions=(ROWS, cols),
            cwd=str(tmp_path),
            timeout=10,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.screen = pyte.Screen(cols, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        # pyte answers the program's terminal queries through this hook: here, into the pty.
        self.screen.write_process_input = lambda data: self.child.send(data.encode())  # type: ignore[method-assign]
        self.raw = b""
        self.eof = False

    # -- reading -------------------------------------------------------------------------------

    def pump(self, seconds: float = 0.05) -> None:
        end = time.monotonic() + seconds
        while not self.eof:
            try:
                data = self.child.read_nonblocking(65536, timeout=max(0.01, end - time.monotonic()))
            except pexpect.TIMEOUT:
                data = b""
            except pexpect.EOF:
                self.eof = True
                break
            if data:
                self.raw += data
                self.stream.feed(data)
            if time.monotonic() >= end:
                break

    def wait(self, cond: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline or (self.eof and not cond()):
                raise AssertionError(
                    f"timed out waiting for {what}\n--- screen ---\n{self.text()}\n"
                    f"--- output ---\n{self.plain()[-3000:]}"
                )
            self.pump(0.05)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def plain(self) -> str:
        """Everything the program wrote so far, without escape sequences."""
        return _ESCAPES.sub(b"", self.raw).decode("utf-8", "replace")

    def typed(self) -> str:
        """The prompt line up to the cursor: what the user has typed (without auto-suggestions)."""
        return self.screen.display[self.screen.cursor.y][: self.screen.cursor.x]

    def toolbar(self) -> str:
        return self.screen.display[-1].rstrip()

    # -- typing --------------------------------------------------------------------------------

    def wait_prompt(self, timeout: float = 10.0) -> None:
        self.wait(lambda: self.typed().rstrip() == "zmq>", "an empty prompt", timeout)

    def command(self, line: str, expect: str | None = None, timeout: float = 10.0) -> None:
        """Type a command and Enter; wait for ``expect`` in the output, then for the prompt."""
        self.wait_prompt()
        before = len(self.plain())
        self.child.send(line + "\r")
        if expect is not None:
            self.wait(lambda: expect in self.plain()[before:], repr(expect), timeout)
        self.pump(0.1)
        self.wait_prompt(timeout)

    def interrupt_until(self, text: str, tries: int = 10) -> None:
        """Press Ctrl-C until ``text`` shows. A Ctrl-C that lands while prompt_toolkit still
        holds the terminal in raw mode is only a byte in its input (as on a real terminal):
        a waiting command is cancelled by the next one."""
        for _ in range(tries):
            self.child.sendintr()
            try:
                self.wait(lambda: text in self.plain(), repr(text), timeout=2)
                return
            except AssertionError:
                continue
        raise AssertionError(f"{text!r} did not show after {tries} Ctrl-C")

    def exit_status(self, timeout: float = 15.0) -> int | None:
        self.wait(lambda: self.eof, "the program to exit", timeout)
        self.child.close()
        status: int | None = self.child.exitstatus
        return status

    def kill(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close(force=True)
