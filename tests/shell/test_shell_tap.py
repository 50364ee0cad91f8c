"""End-to-end: a tap in the real ``zmqrepl`` (pseudo-terminal) between a pyzmq REQ client and
a pyzmq REP server; watch shows each message with its direction and client."""

from __future__ import annotations

import re
from typing import Callable

from tests.peers import Peer

from .pty_shell import Shell


def test_tap_and_watch_show_both_directions(
    shell: Callable[..., Shell], start_peer: Callable[..., Peer]
) -> None:
    server = start_peer("rep")
    sh = shell()
    sh.command("help tap", "usage: tap NAME LISTEN|pause|resume [TARGET] [--pattern WORD]")
    sh.command(f"tap t tcp://127.0.0.1:* {server.endpoint}", "watch t shows the traffic")
    found = re.search(r"listening on (tcp://127\.0\.0\.1:\d+)", sh.plain())
    assert found is not None
    sh.command("watch t", "watching t")
    client = start_peer("reqs", found.group(1), "--count", "3", "--prefix", "ping")
    for i in range(3):
        assert [bytes.fromhex(f) for f in client.event("reply")["frames"]] == [b"reply", f"ping-{i}".encode()]
    sh.wait(lambda: sh.plain().count("server→client peer 0x") == 3, "three replies watched")
    out = sh.plain()
    assert out.count("client→server peer 0x") == 3
    assert re.search(r"\d\d:\d\d:\d\d\.\d{3} t client→server peer 0x[0-9a-f]+ 127\.0\.0\.1 \[2 parts\]", out)
    assert "ping-2" in out
    before = len(sh.plain())
    sh.command("sockets", "tap reqrep")
    table = sh.plain()[before:]
    assert "c→s 3" in table and "s→c 3" in table
    sh.command("close t", "t closed")
