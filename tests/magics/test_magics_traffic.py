"""%zmq send --count and ping in IPython, against pyzmq peers: the progress line (one
display, updated in place), the figures as values, and Ctrl-C that ends the cell there."""

from __future__ import annotations

from typing import Callable

from zmqrepl.session import Progress

from .magic_support import Peer, Shell

PeerFactory = Callable[..., Peer]


def pull(peer: PeerFactory) -> tuple[Peer, str]:
    ops = peer("ops")
    ops.call("socket", name="q", type="PULL", options=[["RCVHWM", 0]])
    return ops, ops.call("bind", sock="q", endpoint="tcp://127.0.0.1:*")


def test_send_count_shows_a_progress_line_and_reaches_the_peer(shell: Shell, peer: PeerFactory) -> None:
    ops, endpoint = pull(peer)
    shell["ep"] = endpoint
    shell.ok("%%zmq\nsocket p push\nconnect p {ep}")
    ran = shell.ok("%zmq send p seq-%n --count 1500 --rate 1500")
    assert "p: sent 1,500 messages, " in ran.stdout and "asked 1,500" in ran.stdout
    got = ops.call("recv", sock="q", count=1500, timeout=10000)["messages"]
    assert got == [[f"seq-{i}".encode().hex()] for i in range(1500)]
    lines = [r for r in shell.pub.shown() if r.data.get("text/plain", "").startswith("send p: ")]
    assert len(lines) == 1, "one display, then updates in place"
    first = lines[0]
    assert "<progress" in first.data["text/html"] and "msg/s" in first.data["text/plain"]
    updates = shell.pub.updates(first.transient["display_id"])
    assert updates and updates[-1].data["text/plain"].startswith("send p: 100% 1,500/1,500 ")
    assert " in " in updates[-1].data["text/plain"]  # the last one says how long it took


def test_ping_returns_the_figures(shell: Shell, peer: PeerFactory) -> None:
    rep = peer("rep")
    shell["ep"] = rep.endpoint
    shell.ok("%%zmq\nsocket d dealer\nconnect d {ep}")
    ran = shell.ok("stats = %zmq ping d --count 10 --size 32")
    assert ran.stdout.startswith("d: 10 round trips of 32 B: min ")
    stats = shell["stats"]
    assert list(stats) == ["min", "p50", "p99", "max"] and 0 < stats["min"] <= stats["max"]
    shell.ok("%zmq socket x pub")
    ran = shell.run("%zmq ping x")
    assert ran.error is not None and "ping needs a req or dealer socket" in str(ran.error)


def test_ctrl_c_stops_a_burst_and_the_rest_of_the_cell(shell: Shell, peer: PeerFactory) -> None:
    _ops, endpoint = pull(peer)
    shell["ep"] = endpoint
    shell.ok("%%zmq\nsocket p push\nconnect p {ep}")
    session = shell.magics.session
    shown = session.progress
    assert shown is not None
    reports: list[Progress] = []

    def press_ctrl_c(progress: Progress) -> None:  # at the second report, as a key would
        reports.append(progress)
        shown(progress)
        if len(reports) == 2:
            raise KeyboardInterrupt

    session.progress = press_ctrl_c
    ran = shell.ok("%%zmq\nsend p x --count 100000 --rate 1000\nsocket never pull")
    assert " of 100,000 in " in ran.stdout and ran.stdout.rstrip().endswith(", stopped")
    assert "never" not in session.socket_names()
    assert reports[-1].finished


def test_recv_count_shows_a_table_of_the_newest(shell: Shell, peer: PeerFactory) -> None:
    ops = peer("ops")
    ops.call("socket", name="p", type="PUSH")
    shell.ok("%zmq socket q pull")
    shell.ok("ep = %zmq bind q tcp://127.0.0.1:*")
    ops.call("connect", sock="p", endpoint=shell["ep"])
    ops.call("send_many", sock="p", messages=[[f"m{i}".encode().hex()] for i in range(300)])
    shell.ok("got = %zmq recv q --count 300 --timeout 10000")
    got = shell["got"]
    assert len(got) == 300 and got[0] == [b"m0"] and got[-1] == [b"m299"]
    page = got._repr_html_()
    assert page.count("<tr>") == 21  # a heading and the newest 20
    assert "280 older messages not shown (this list holds all 300)" in page and "m299" in page
    assert "m279" not in page
    text = repr(got)
    assert text.startswith("[... 280 older messages not shown") and text.endswith("[b'm299']]")
