"""End-to-end: the real ``zmqrepl`` in a pseudo-terminal (pexpect), against pyzmq peers.

The child's output is fed into a pyte virtual screen (30 x 120); see pty_shell.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from tests.peers import Peer

from .pty_shell import Shell


def subscribe(sh: Shell, endpoint: str) -> None:
    sh.command("socket s sub", "s: sub socket")
    sh.command(f"connect s {endpoint}", "connecting to")
    sh.command("subscribe s", "subscribed to everything")
    sh.command("watch s", "watching s")


def ticks(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"tick-(\d+)", text)]


def test_messages_arrive_while_a_command_is_half_typed(
    shell: Callable[..., Shell], start_peer: Callable[..., Peer]
) -> None:
    peer = start_peer("pub", "--interval", "0.02", "--prefix", "tick")
    sh = shell()
    subscribe(sh, peer.endpoint)
    sh.wait(lambda: bool(ticks(sh.text())), "live messages on the screen")
    sh.child.send("sockets")  # no Enter
    sh.wait(lambda: sh.typed() == "zmq> sockets", "the partly typed command")
    first = max(ticks(sh.plain()))
    sh.wait(
        lambda: max(ticks(sh.text())) > first + 20 and sh.typed() == "zmq> sockets",
        "newer messages above the intact half-typed line",
    )
    # The messages scroll above the prompt; the line being typed stays whole and separate.
    lines = sh.screen.display
    assert lines[sh.screen.cursor.y].startswith("zmq> sockets")
    assert not any("tick-" in line and "zmq>" in line for line in lines)
    assert re.search(r"\d\d:\d\d:\d\d\.\d{3} s \[2 parts\]", sh.text())
    before = len(sh.plain())
    sh.child.send("\r")
    sh.wait(
        lambda: re.search(r"\ns +sub +connect " + re.escape(peer.endpoint), sh.plain()[before:]) is not None,
        "the sockets table",
    )
    assert "name  type" in sh.plain()[before:]


def test_request_reply(shell: Callable[..., Shell], start_peer: Callable[..., Peer]) -> None:
    peer = start_peer("rep")
    sh = shell()
    sh.command("socket r req", "r: req socket")
    sh.command(f"connect r {peer.endpoint}", "connecting to")
    sh.command('send r "hello there"', "r: sent 1 part, 11 bytes")
    assert peer.expect("GOT") == "GOT " + b"hello there".hex()
    sh.command("recv r", "r [2 parts]")
    out = sh.plain()
    assert re.search(r"0\s+5 B reply", out) and re.search(r"1\s+11 B hello there", out)


def test_ctrl_c_cancels_recv_and_drops_the_line(shell: Callable[..., Shell]) -> None:
    sh = shell()
    sh.command("socket q pull", "q: pull socket")
    sh.wait_prompt()
    sh.child.send("recv q\r")
    sh.pump(0.5)
    assert sh.typed().rstrip() != "zmq>"  # recv is waiting
    sh.interrupt_until("cancelled", tries=5)
    sh.command("version", "zmqrepl 0.1")
    # Ctrl-C at the prompt drops the half-typed line; the shell goes on.
    sh.child.send("bogus words")
    sh.wait(lambda: sh.typed() == "zmq> bogus words", "typed text")
    sh.child.sendintr()
    sh.wait_prompt()
    sh.command("sockets", "name  type")  # would be "bogus wordssockets" had the line stayed
    assert "unknown command" not in sh.plain()
    sh.child.sendcontrol("d")
    assert sh.exit_status() == 0


def test_ctrl_d_exits_zero(shell: Callable[..., Shell], start_peer: Callable[..., Peer]) -> None:
    peer = start_peer("rep")
    sh = shell()
    sh.command("socket r req", "r: req socket")
    sh.command(f"connect r {peer.endpoint}", "connecting to")
    sh.command("socket lonely push", "lonely: push socket")
    sh.command("connect lonely tcp://127.0.0.1:9", "connecting to")  # never connects
    sh.command("send lonely queued", "lonely: sent 1 part")  # stays queued: linger must be bounded
    sh.wait_prompt()
    sh.child.sendcontrol("d")
    assert sh.exit_status() == 0


def test_quit_exits_zero_and_keeps_history(shell: Callable[..., Shell], tmp_path: Path) -> None:
    sh = shell()
    sh.command("socket a pub", "a: pub socket")
    sh.wait_prompt()
    sh.child.send("quit\r")
    assert sh.exit_status() == 0
    history = (tmp_path / "state" / "zmqrepl" / "history").read_text(encoding="utf-8")
    assert "+socket a pub" in history and "+quit" in history
    # The next run suggests from that history.
    again = shell()
    again.wait_prompt()
    again.child.send("socket a")
    again.wait(
        lambda: again.screen.display[again.screen.cursor.y].rstrip() == "zmq> socket a pub",
        "an auto-suggestion from history",
    )
    assert again.typed() == "zmq> socket a"


def test_bad_input_interactive(shell: Callable[..., Shell]) -> None:
    sh = shell()
    for line, words in [
        ("sokcet a pub", "did you mean socket"),
        ("socket a", "socket needs TYPE"),
        ("send nosuch x", "no socket named 'nosuch'"),
        ('send a "open', "unclosed"),
        ("socket a pubb", "unknown socket type"),
    ]:
        sh.command(line, words)
    assert sh.plain().count("error: ") == 5 and sh.plain().count("hint: ") == 5
    sh.command("version", "zmqrepl 0.1")


def test_toolbar_counters(shell: Callable[..., Shell], start_peer: Callable[..., Peer]) -> None:
    pub = start_peer("pub", "--count", "25", "--prefix", "tick")
    pull = start_peer("pull")
    sh = shell()
    sh.wait(lambda: "no sockets" in sh.toolbar(), "the toolbar")
    subscribe(sh, pub.endpoint)
    pub.expect("DONE")
    sh.command("socket o push", "o: push socket")
    sh.command(f"connect o {pull.endpoint}", "connecting to")
    for i in range(3):
        sh.command(f"send o m{i}", "o: sent 1 part")
    for i in range(3):
        assert pull.expect("GOT") == "GOT " + f"m{i}".encode().hex()
    sh.wait(
        lambda: " s sub in 25 (" in sh.toolbar() and " o push in 0 (0/s) out 3 (" in sh.toolbar(),
        "toolbar counters",
    )
    assert sh.toolbar().startswith(" s sub in 25 (")
    assert "out 0 (0/s)" in sh.toolbar().split("|")[0]
    # The toolbar also shows the syntax of the command being typed.
    sh.child.send("recv o ")
    sh.wait(lambda: "recv NAME [--timeout N]" in sh.toolbar(), "command syntax in the toolbar")


def test_demo_shows_live_messages(shell: Callable[..., Shell]) -> None:
    sh = shell("--demo")
    sh.wait(lambda: "Watching the demo publisher" in sh.plain(), "the demo hint")
    sh.wait(lambda: re.search(r"demo \[3 parts\]", sh.text()) is not None, "demo messages", timeout=5)
    sh.wait(lambda: any(t in sh.text() for t in ("weather", "prices", "alerts")), "demo topics")
    sh.wait(lambda: re.search(r" demo sub in [1-9]", sh.toolbar()) is not None, "demo counters")
    sh.wait_prompt()
    sh.child.sendcontrol("d")
    assert sh.exit_status() == 0


def test_under_a_flood_what_is_printed_and_told_adds_up_at_unwatch(
    shell: Callable[..., Shell], start_peer: Callable[..., Peer]
) -> None:
    """The shell prints some of a stream and "+N more on s" for the rest; the messages still
    waiting to be shown when the watch stops are told too, so the two add up to what s
    received (nothing reads s after unwatch)."""
    # About 1500 msg/s without end: more than the 40 per 100 ms the shell prints, and some
    # always wait to be shown (they become display objects every 100 ms).
    peer = start_peer("pub", "--interval", "0.0005", "--prefix", "tick")
    sh = shell()
    subscribe(sh, peer.endpoint)
    sh.wait(lambda: re.search(r"\+\d+ more on s\b", sh.plain()) is not None, "a stream summarised")
    sh.command("unwatch s", "stopped watching s")
    before = len(sh.plain())
    sh.child.send("sockets\r")
    sh.wait(lambda: re.search(r"\ns  +sub  ", sh.plain()[before:]) is not None, "the sockets table")
    sh.wait_prompt()
    row = re.search(r"\ns  +sub  .*", sh.plain()[before:])
    assert row is not None
    received = int(re.split(r"\s{2,}", row.group(0).strip())[4])
    assert received > 0

    def printed_and_told() -> int:
        text = sh.plain()
        printed = len(re.findall(r"\d\d:\d\d:\d\d\.\d{3} s \[2 parts\]", text))
        return printed + sum(int(n) for n in re.findall(r"\+(\d+) more on s\b", text))

    sh.wait(lambda: printed_and_told() == received, f"{received} printed or told")
