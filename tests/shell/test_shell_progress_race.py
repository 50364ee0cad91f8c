"""The progress bar around its start, in the real shell (a pseudo-terminal): a long command
that ends or fails just as its bar starts (the first report comes 0.3 s in) leaves no bar
running and a prompt that works. (Ctrl-C during each long command: test_shell_progress.py.)

A bar left running would be a thread of the shell's process: its thread count after the
commands must be what it was before them (measured after a first bar has come and gone, so
that threads made once, at the first bar, are in the count already). Commands that end
near the first report hit the moment between the bar's start and its thread's now and
then; bar_race.py makes that moment every time, for the bar alone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from tests.peers import Peer

from .pty_shell import Shell

# "send p   0.0% [>    ] 0/1,000 0 msg/s eta -": any frame of a bar
_ANY_BAR = re.compile(r"\d+\.\d% \[=*>? *\] [\d,]+/[\d,]+ ")


def threads(sh: Shell) -> int:
    with open(f"/proc/{sh.child.pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    raise AssertionError("no Threads line")


def settled_threads(sh: Shell, want: int) -> int:
    """The shell's thread count once it is ``want`` (a bar's thread ends just after the
    prompt comes back), or what it is after a few seconds of waiting for that."""
    try:
        sh.wait(lambda: threads(sh) == want, f"{want} threads in the shell", timeout=5)
    except AssertionError:
        pass
    return threads(sh)


def shown_after(sh: Shell, at: int, text: str) -> Callable[[], bool]:
    """Whether ``text`` is in what the shell wrote after the first ``at`` characters."""
    return lambda: text in sh.plain()[at:]


def a_bar_came_and_went(sh: Shell) -> int:
    """Runs a burst long enough for a bar (1 s), and returns the thread count after it."""
    before = len(sh.plain())
    sh.command("send p warm --count 100 --rate 100", "p: sent 100 messages")
    assert _ANY_BAR.search(sh.plain()[before:]), "no bar for a 1 s burst"
    sh.command("sockets", "p")
    return threads(sh)


def test_bursts_that_end_as_their_bar_starts_leave_no_bar(shell: Callable[..., Shell]) -> None:
    sh = shell()
    sh.command(
        "socket p push; socket q pull; set q rcvhwm 0; bind q inproc://r; connect p inproc://r",
        "connecting to",
    )
    baseline = a_bar_came_and_went(sh)
    bars = 0
    # At 1000 msg/s the last message is due 0.29 to 0.34 s in: some end just before the first
    # report, some just after it opened the bar, a few while its thread starts.
    for count in range(290, 341, 3):
        before = len(sh.plain())
        sh.command(f"send p m --count {count} --rate 1000", f"p: sent {count} messages")
        bars += bool(_ANY_BAR.search(sh.plain()[before:]))
        sh.command("sockets", "p")  # typed and answered: the prompt has the terminal
    assert settled_threads(sh, baseline) == baseline
    assert 0 < bars, "no burst lasted long enough for its bar to open"


def test_bursts_that_fail_as_their_bar_starts_leave_no_bar(
    shell: Callable[..., Shell], start_peer: Callable[..., Peer]
) -> None:
    # router_mandatory: once the DEALER behind the routing id closes, the next message fails
    # (no such peer). It closes after taking n messages at 100 msg/s: about n / 100 s in.
    # Each burst has a DEALER and a routing id of its own (a closed one's stays taken until
    # the ROUTER reads what that peer left, which nothing here does).
    peer = start_peer()
    sh = shell()
    sh.command("socket p router; set p router_mandatory 1; bind p tcp://127.0.0.1:*", "bound to")
    endpoint = re.findall(r"tcp://127\.0\.0\.1:\d+", sh.plain())[-1]
    sh.command(
        "socket x push; socket y pull; set y rcvhwm 0; bind y inproc://w; connect x inproc://w",
        "connecting to",
    )

    def dealer(name: str) -> None:
        peer.call("socket", name=name, type="DEALER", options=[["ROUTING_ID", name], ["RCVHWM", 0]])
        peer.call("connect", sock=name, endpoint=endpoint, send=[b"hello".hex()])
        sh.command("recv p --timeout 5000", "hello")  # the route is there

    before = len(sh.plain())
    sh.command("send x warm --count 100 --rate 100", "x: sent 100 messages")
    assert _ANY_BAR.search(sh.plain()[before:]), "no bar for a 1 s burst"
    sh.command("sockets", "p")
    baseline = threads(sh)
    for i, n in enumerate(range(26, 42, 2)):
        name = f"d{i}"
        dealer(name)
        before = len(sh.plain())
        sh.child.send(f"send p {name} m --count 1000 --rate 100\r")
        took = peer.call("recv", sock=name, count=n, timeout=5000)["messages"]
        assert len(took) == n
        peer.call("close", sock=name)
        sh.wait(
            shown_after(sh, before, " of 1,000 messages: no connected peer has that routing id"),
            "the failure",
        )
        sh.wait_prompt()
        sh.command("sockets", "p")
    assert settled_threads(sh, baseline) == baseline


def test_a_bar_closed_before_its_thread_runs_leaves_the_terminal(tmp_path: Path) -> None:
    sh = Shell(tmp_path, "50", module="tests.shell.bar_race")
    try:
        sh.wait(shown_after(sh, 0, "closed 50 bars;"), "the bars opened and closed", timeout=60)
        sh.wait(shown_after(sh, 0, "again>"), "the program's own prompt")
        counts = re.search(r"threads before (\d+), after (\d+)", sh.plain())
        assert counts is not None and counts.group(1) == counts.group(2), sh.plain()[-500:]
        sh.child.send("hello\r")
        sh.wait(shown_after(sh, 0, "typed: hello"), "the line typed at the prompt")
        assert sh.exit_status() == 0
        assert "Traceback" not in sh.plain()
    finally:
        sh.kill()
