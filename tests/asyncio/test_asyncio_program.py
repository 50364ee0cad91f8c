"""A whole asyncio program: Ctrl-C while it waits on a socket ends it normally, and a
program that closes its sockets ends without a warning (ResourceWarning shown: -W always)."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from tests.asyncio.support import LOOPS
from tests.peers import ROOT


def _start(loop: str, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-W", "always", "-X", "tracemalloc", "-m", "tests.asyncio.program", loop, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=str(ROOT),
        text=True,
    )


@pytest.mark.parametrize("loop", LOOPS)
def test_ctrl_c_while_waiting_ends_the_program_normally(loop: str) -> None:
    proc = _start(loop, "wait")
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline() == "waiting\n"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (proc.returncode, out, err) == (0, "interrupted\n", "")


@pytest.mark.parametrize("loop", LOOPS)
def test_a_program_that_closes_its_sockets_ends_without_warnings(loop: str) -> None:
    proc = _start(loop, "close")
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, out, err) == (0, "ended\n", "")
