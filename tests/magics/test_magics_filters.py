"""%zmq watch/recv/record with --where and --grep (issue 13, items 2 and 8)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from IPython.core.error import UsageError

from tests.peers import Peer
from tests.support import wait_for

from .magic_support import Shell

PeerFactory = Callable[..., Peer]


def _pull_with_pusher(shell: Shell, peer: PeerFactory) -> Peer:
    shell.ok("%zmq socket q pull")
    shell.ok("ep = %zmq bind q tcp://127.0.0.1:*")
    pusher = peer()
    pusher.call("socket", name="p", type="PUSH")
    pusher.call("connect", sock="p", endpoint=shell["ep"])
    return pusher


def _push(pusher: Peer, *messages: list[bytes]) -> None:
    pusher.call("send_many", sock="p", messages=[[f.hex() for f in m] for m in messages])


def test_watch_where_pane_shows_matching_with_received_and_matched(
    shell: Shell, start_peer: PeerFactory
) -> None:
    pusher = _pull_with_pusher(shell, start_peer)
    # Single quotes: the magics expand {name} outside them only, so JSON braces pass as typed.
    ran = shell.ok("""w = %zmq watch q --where 'json is not None and json["level"] == "error"'""")
    assert "watching q, only messages matching --where" in ran.stdout
    w = shell["w"]
    _push(
        pusher,
        [b"log", json.dumps({"level": "info"}).encode()],
        [b"log", json.dumps({"level": "error", "id": 1}).encode()],
        [b"plain text"],
        [b"log", json.dumps({"level": "error", "id": 2}).encode()],
    )
    wait_for(lambda: w.counts == {"q": 4} and len(w.messages) == 2, what="4 read, 2 shown")
    assert [json.loads(m[1])["id"] for m in w.messages] == [1, 2]
    assert w.matched == {"q": 2}
    wait_for(lambda: "q: 4 received, 2 matched" in w._repr_html_(), what="the pane's totals")
    assert "(2 matched)" in repr(w)
    table = shell.ok("t = %zmq sockets")
    assert table.error is None and shell["t"][0].matched == 2
    w.stop()


def test_recv_and_record_with_filters(shell: Shell, start_peer: PeerFactory, tmp_path: Path) -> None:
    pusher = _pull_with_pusher(shell, start_peer)
    _push(pusher, [b"a", b"1"], [b"b", b"2"])  # queued in libzmq until recv reads them
    shell.ok("m = %zmq recv q --where \"topic == b'b'\" --timeout 10000")
    assert shell["m"] == [b"b", b"2"]
    path = tmp_path / "warn.jsonl"
    shell["path"] = str(path)
    ran = shell.ok("%zmq record q {path} --grep 'warn|error'")
    assert f"recording incoming messages matching --grep warn|error to {path}" in ran.stdout
    _push(pusher, [b"a", b"1"], [b"warn", b"2"], [b"b", b"3"])
    wait_for(lambda: shell.magics.session.sockets()[0].received == 5, what="5 messages read")
    shell.ok("%zmq record q --stop")
    assert [json.loads(x)["frames"][0]["text"] for x in path.read_text().splitlines()] == ["warn"]


def test_a_bad_filter_is_one_usage_error_line(shell: Shell) -> None:
    shell.ok("%zmq socket q pull")
    for code, expected in (
        ("%zmq watch q --where 'topic =='", "is not a Python expression"),
        ("%zmq recv q --grep '(' --timeout 10", "is not a regular expression"),
        ("%zmq watch q --where 'frames.__class__'", "other than a method call is not allowed"),
        ("%zmq watch q --where '(len := 3)'", ":= is not allowed"),
    ):
        ran = shell.run(code)
        assert isinstance(ran.error, UsageError), code
        lines = ran.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0] and "hint:" in lines[0], ran.stderr
        assert "Traceback" not in ran.stdout + ran.stderr
