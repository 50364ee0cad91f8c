"""Long commands in the real shell (a pseudo-terminal, a pyte screen): a progress bar with
rate and time left while they run, and Ctrl-C that stops them with what was done."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

from tests.peers import Peer

from .pty_shell import Shell

# "send p  12.3% [====>   ] 1,234/100,000 1,000 msg/s eta 1 min 38 s"
_BAR = r"{what} +\d+\.\d% \[=*>? *\] [\d,]+/{total} [\d,]+ (msg|round trips)/s eta "


def bar_line(sh: Shell, what: str, total: str) -> str:
    pattern = re.compile(_BAR.format(what=re.escape(what), total=re.escape(total)))
    found: list[str] = []

    def shown() -> bool:
        found[:] = [line for line in sh.screen.display if pattern.search(line)]
        return bool(found)

    sh.wait(shown, f"a progress bar for {what}")
    return found[0]


def test_send_count_shows_a_bar_and_ctrl_c_stops_it(
    shell: Callable[..., Shell], start_peer: Callable[..., Peer]
) -> None:
    peer = start_peer()
    peer.call("socket", name="q", type="PULL", options=[["RCVHWM", 0]])
    endpoint = peer.call("bind", sock="q", endpoint="tcp://127.0.0.1:*")
    sh = shell()
    sh.command(f"socket p push; connect p {endpoint}", "connecting to")
    sh.wait_prompt()
    sh.child.send("send p tick-%n --count 100000 --rate 2000\r")
    line = bar_line(sh, "send p", "100,000")
    assert "[" in line and "msg/s eta" in line
    sh.interrupt_until(" of 100,000 in ")
    sh.wait_prompt()
    report = re.search(
        r"p: sent ([\d,]+) of 100,000 in [\d.]+ s \([\d,]+ msg/s, asked 2,000\), stopped", sh.plain()
    )
    assert report is not None, sh.plain()[-2000:]
    sent = int(report.group(1).replace(",", ""))
    assert 0 < sent < 100000
    got = peer.call("recv", sock="q", count=sent + 1, timeout=3000)["messages"]
    assert got == [[f"tick-{i}".encode().hex()] for i in range(sent)]  # every one, none after
    sh.command("sockets", "p")  # the shell goes on


def test_recv_count_shows_a_bar_and_ctrl_c_keeps_what_came(shell: Callable[..., Shell]) -> None:
    sh = shell()
    sh.command("socket p push; socket q pull; bind q inproc://r; connect p inproc://r", "connecting to")
    sh.command("send p hello-%n --count 3", "p: sent 3 messages")
    sh.wait_prompt()
    sh.child.send("recv q --count 1000\r")
    bar_line(sh, "recv q", "1,000")
    sh.interrupt_until("q: received 3 of 1,000 messages, stopped")
    sh.wait_prompt()
    assert "hello-2" in sh.plain()  # the messages that came are shown


def test_replay_shows_a_bar_and_ctrl_c_stops_it(shell: Callable[..., Shell], tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(
        "".join(json.dumps({"t": i / 100, "frames": [{"text": f"m{i}"}]}) + "\n" for i in range(1000)),
        encoding="utf-8",
    )
    sh = shell()
    sh.command("socket p push; socket q pull; bind q inproc://r; connect p inproc://r", "connecting to")
    sh.wait_prompt()
    sh.child.send(f"replay {path} p\r")  # the recorded pace: 10 s
    bar_line(sh, "replay feed.jsonl to p", "1,000")
    sh.interrupt_until(f"replay of {path} to p: sent ")
    sh.wait_prompt()
    report = re.search(r"sent ([\d,]+) of 1,000 in [\d.]+ s, stopped", sh.plain())
    assert report is not None, sh.plain()[-2000:]
    sent = int(report.group(1).replace(",", ""))
    # What it says went is what q got: every one of them, and none after the Ctrl-C.
    sh.command(
        f"recv q --count {sent + 1} --timeout 1000", f"q: {sent} of {sent + 1} messages before the timeout"
    )
    assert f"m{sent - 1}\n" in sh.plain().replace("\r", "")
    sh.command("replay " + str(path) + " p --speed 0", "sent 1,000 messages in")


def test_ping_shows_a_bar_and_ctrl_c_gives_the_figures_so_far(
    shell: Callable[..., Shell], start_peer: Callable[..., Peer]
) -> None:
    rep = start_peer("rep")
    sh = shell()
    sh.command(f"socket r req; connect r {rep.endpoint}", "connecting to")
    sh.command("ping r --count 5", "r: 5 round trips of 16 B: min ")
    sh.wait_prompt()
    sh.child.send("ping r --count 1000000\r")
    bar_line(sh, "ping r", "1,000,000")
    sh.interrupt_until(" of 1,000,000")
    sh.wait_prompt()
    assert re.search(r"r: [\d,]+ round trips of 16 B: min \d+(\.\d+)? [um]s  p50 ", sh.plain())
    assert re.search(r"stopped after [\d,]+ of 1,000,000", sh.plain())
