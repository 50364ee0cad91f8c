"""%zmq tap, and %zmq watch on a tap: a pane whose table shows each message's direction and
client, and totals per direction, between a pyzmq REQ client and a pyzmq REP server."""

from __future__ import annotations

from typing import Callable

from .magic_support import Peer, Shell, table_dicts, wait_for


def test_a_tap_watch_pane_shows_directions_and_peers(shell: Shell, start_peer: Callable[..., Peer]) -> None:
    server = start_peer("rep")
    shell["target"] = server.endpoint
    ran = shell.ok("listen = %zmq tap t tcp://127.0.0.1:* {target}")
    assert "reqrep tap listening on" in ran.stdout
    listen = shell["listen"]
    assert isinstance(listen, str) and listen.startswith("tcp://127.0.0.1:")
    shell.ok("w = %zmq watch t")
    w = shell["w"]
    client = start_peer("reqs", listen, "--count", "2", "--prefix", "q")
    client.event("done")
    wait_for(lambda: w.counts["t"] == 4, what="two requests and two replies")
    wait_for(lambda: len(w.messages) == 4, what="all four shown (at most every 100 ms, after the counts)")
    html = w._repr_html_()
    rows = table_dicts(html)
    assert [r["direction"] for r in rows] == ["server→client", "client→server"] * 2  # newest first
    assert len({r["peer"] for r in rows}) == 1 and rows[0]["peer"].startswith("0x")
    assert "q-1" in rows[0]["frames"] and rows[0]["parts"] == "3"
    assert "t: c→s 2, s→c 2" in html
    shell.ok("%zmq tap t pause")
    shell.ok("s = %zmq sockets")
    (info,) = shell["s"]
    assert (info.type, info.flags) == ("tap reqrep", "watch,paused")
    assert "close NAME ends the tap" in shell.ok("%zmq help tap").stdout
    shell.ok("%zmq close t")
