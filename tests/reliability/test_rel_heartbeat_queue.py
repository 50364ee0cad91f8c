"""A peer that floods a session socket and leaves while nobody reads it: with the session's
defaults the process lives and every message is read. With heartbeats on, libzmq 4.3.4
aborts the process on that path (defaults.py), so the session's sockets have none unless
asked, and asking says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from zmqrepl.session import HEARTBEAT_WARNING, OptionSet, Session, SocketMade

from .rel_support import ROOT


def run_scenario(sender: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.reliability.heartbeat_queue", str(sender), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=str(ROOT),
    )


def test_a_full_unread_queue_whose_peer_left_is_read_with_the_defaults(sender: Path) -> None:
    done = run_scenario(sender, "1000")
    assert done.returncode == 0, done.stderr[-2000:]  # with pings, libzmq may abort here
    word, count = done.stdout.split()
    # Far more than the queue's 1,000: what the kernel held was read too, not thrown away
    # by a reset (as a ping answered by the departed peer's kernel does: about 2,000 came
    # with 200 ms heartbeats). Not all 200,000: the sender's libzmq drops what it had not
    # handed to its kernel when it exits (about 160,000 arrive).
    assert word == "received" and int(count) > 50_000, done.stdout


def test_new_sockets_have_no_heartbeats_and_turning_them_on_warns() -> None:
    session = Session(linger=0)
    try:
        made = session.execute("socket s dealer")
        assert made is not None and made.lines == ["s: dealer socket (linger 0 ms, maxmsgsize 67108864)"]
        assert session.execute("get s heartbeat_ivl").value == 0  # type: ignore[union-attr]
        turned = session.execute("set s heartbeat_ivl 5000")
        assert isinstance(turned, OptionSet) and turned.warning is not None
        assert "abort" in turned.warning and "rcvhwm 0" in turned.warning
        off = session.execute("set s heartbeat_ivl 0")
        assert isinstance(off, OptionSet) and off.warning is None
    finally:
        session.close()


def test_heartbeats_from_the_settings_warn_with_the_first_socket_only() -> None:
    session = Session(linger=0, heartbeat_ivl=5000)
    try:
        first, second = session.run("socket a dealer; socket b dealer")
        assert isinstance(first, SocketMade) and isinstance(second, SocketMade)
        assert first.lines[0].endswith("heartbeat every 5000 ms, timeout 15000 ms)")
        assert first.lines[1:] == ["warning: " + HEARTBEAT_WARNING]
        assert second.warning is None and len(second.lines) == 1
    finally:
        session.close()
