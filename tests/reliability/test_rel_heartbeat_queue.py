"""A peer that floods a session socket and leaves while nobody reads it: the process lives
and what was kept is read. libzmq 4.3.4 aborts the process on that path when a heartbeat
socket's own queue is full (session/inbox.py), so the session keeps every socket with
heartbeats read as messages come; without heartbeats libzmq's queue holds them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from zmqrepl.session import HEARTBEAT_WARNING, OptionSet, Session, SocketMade

from .rel_support import ROOT


def run_scenario(sender: Path, rcvhwm: str, heartbeat_ivl: str) -> tuple[int, int]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.reliability.heartbeat_queue", str(sender), rcvhwm, heartbeat_ivl],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=str(ROOT),
    )
    assert done.returncode == 0, done.stderr[-2000:]  # an abort: "Assertion failed: !_io_error"
    words = done.stdout.split()
    assert words[0::2] == ["received", "dropped"], done.stdout
    return int(words[1]), int(words[3])


def test_heartbeats_every_200_ms_and_a_full_queue_whose_peer_left_do_not_abort(sender: Path) -> None:
    # Before the session kept such sockets read, this aborted with rcvhwm 1,000 to 100,000.
    received, dropped = run_scenario(sender, "1000", "200")
    # The rcvhwm set is the inbox's bound: 1,000 kept in order, the rest dropped, counted.
    # (About 160,000 arrive: the sender's libzmq drops what it had not handed to its kernel
    # when it exits.)
    assert received == 1000 and dropped > 50_000, (received, dropped)


def test_the_defaults_keep_up_to_100000_unread_with_heartbeats(sender: Path) -> None:
    received, dropped = run_scenario(sender, "-", "-")
    assert received == 100_000 and dropped > 0, (received, dropped)


def test_without_heartbeats_libzmq_queue_holds_them_and_the_sender_waits(sender: Path) -> None:
    received, dropped = run_scenario(sender, "1000", "0")
    # Far more than the queue's 1,000: the kernel's buffers held the rest (backpressure),
    # and nothing was dropped by the session.
    assert received > 50_000 and dropped == 0, (received, dropped)


def test_new_sockets_have_heartbeats_but_req_and_rep_and_turning_them_on_there_warns() -> None:
    session = Session(linger=0)
    try:
        made = session.execute("socket s dealer")
        assert made is not None and made.lines == [
            "s: dealer socket (linger 0 ms, maxmsgsize 67108864, heartbeat every 5000 ms, timeout 15000 ms)"
        ]
        assert session.execute("get s heartbeat_ivl").value == 5000  # type: ignore[union-attr]
        plain = session.execute("set s heartbeat_ivl 1000")
        assert isinstance(plain, OptionSet) and plain.warning is None
        for kind in ("req", "rep"):
            made = session.execute(f"socket {kind} {kind}")
            assert made is not None and "heartbeat" not in made.lines[0]
            assert session.execute(f"get {kind} heartbeat_ivl").value == 0  # type: ignore[union-attr]
            turned = session.execute(f"set {kind} heartbeat_ivl 5000")
            assert isinstance(turned, OptionSet) and turned.warning == HEARTBEAT_WARNING
            assert "abort" in turned.warning and "rcvhwm 0" in turned.warning
    finally:
        session.close()


def test_a_session_without_heartbeats_gives_none() -> None:
    session = Session(linger=0, heartbeat_ivl=0)
    try:
        made = session.execute("socket a dealer")
        assert isinstance(made, SocketMade) and made.heartbeat_ivl == 0 and len(made.lines) == 1
        assert "heartbeat" not in made.lines[0]
    finally:
        session.close()
