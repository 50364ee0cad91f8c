"""Results are Python values: recv gives lists of bytes, sockets a table, socket a handle;
{name} expands Python variables into frames."""

from __future__ import annotations

import json
import threading
from typing import Any, Callable

import zmq
from IPython.core.error import UsageError

from zmqrepl.magics.magics import Messages, SocketsTable
from zmqrepl.session.handle import SocketHandle

from .magic_support import Peer, Shell, table_dicts, wait_for

PeerFactory = Callable[..., Peer]


def test_recv_returns_list_of_bytes_in_req_rep_and_sockets_counts_exactly(
    shell: Shell, peer: PeerFactory
) -> None:
    rep = peer("rep")
    shell["ep"] = rep.endpoint
    shell.ok("%%zmq\nsocket r req\nconnect r {ep}\nsocket idle sub")
    payloads = [b"\x00\x01\xff", b"second", b""]
    for payload in payloads:
        shell["payload"] = payload
        shell.ok("%zmq send r hello {payload}")
        assert rep.got() == [b"hello", payload]
        shell.ok("msg = %zmq recv r --timeout 5000")
        msg = shell["msg"]
        assert type(msg) is list
        assert msg == [b"reply", b"hello", payload]
        assert all(type(f) is bytes for f in msg)

    shell.ok("table = %zmq sockets")
    table = shell["table"]
    assert isinstance(table, SocketsTable)
    assert [(i.name, i.received, i.sent) for i in table] == [("r", 3, 3), ("idle", 0, 0)]
    html = table._repr_html_()
    assert "<table" in html
    rows = {row["name"]: row for row in table_dicts(html)}
    assert set(rows) == {"r", "idle"}
    assert (rows["r"]["type"], rows["r"]["in"], rows["r"]["out"]) == ("req", "3", "3")
    assert rows["r"]["endpoints"] == f"connect {rep.endpoint}"
    assert (rows["idle"]["type"], rows["idle"]["in"], rows["idle"]["out"]) == ("sub", "0", "0")


def test_recv_count_gives_a_list_of_messages_even_when_fewer_arrive(shell: Shell, peer: PeerFactory) -> None:
    pub = peer("pub", "--count", "3")
    shell["ep"] = pub.endpoint
    shell.ok("%%zmq\nsocket s sub\nconnect s {ep}\nsubscribe s")
    pub.expect("DONE")
    shell.ok("two = %zmq recv s --count 2 --timeout 5000")
    two = shell["two"]
    assert isinstance(two, Messages)
    assert list(two) == [[b"t", b"m-0"], [b"t", b"m-1"]]
    assert len(table_dicts(two._repr_html_())) == 2
    # Only one more message exists: still a list of messages, not a bare message.
    ran = shell.ok("rest = %zmq recv s --count 3 --timeout 500")
    assert "1 of 3 messages" in ran.stdout
    assert list(shell["rest"]) == [[b"t", b"m-2"]]


def test_socket_handle_works_from_python_and_from_another_thread_during_a_watch(
    shell: Shell, peer: PeerFactory
) -> None:
    pub = peer("pub", "--interval", "0.01")
    pull = peer("pull")
    ran = shell.ok("s = %zmq socket s sub")
    assert "s: sub socket" in ran.stdout
    s = shell["s"]
    assert isinstance(s, SocketHandle)
    assert s.type == "sub"
    assert s.get("type") == zmq.SUB
    s.connect(pub.endpoint)
    shell.ok("%zmq subscribe s")
    shell.ok("w = %zmq watch s")
    w = shell["w"]
    wait_for(lambda: w.counts["s"] > 0, what="the watch reading s")

    results: dict[str, Any] = {}

    def worker() -> None:
        try:
            results["type"] = s.get("type")
            results["msgs"] = [s.recv(timeout=5000) for _ in range(3)]
            s.set("rcvhwm", 777)
            results["hwm"] = s.get("rcvhwm")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertions below
            results["error"] = exc

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=15)
    assert not thread.is_alive()
    assert "error" not in results, results.get("error")
    assert results["type"] == zmq.SUB
    msgs = results["msgs"]
    assert all(m[0] == b"t" and m[1].startswith(b"m-") for m in msgs)
    seqs = [int(m[1][2:]) for m in msgs]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert results["hwm"] == 777
    shell.ok("hwm = %zmq get s rcvhwm")
    assert shell["hwm"] == 777
    before = w.counts["s"]
    wait_for(lambda: w.counts["s"] >= before + 3, what="the watch still reading")

    shell.ok("p = %zmq socket p push")
    p = shell["p"]

    def pusher() -> None:
        try:
            p.connect(pull.endpoint)
            p.send(b"\x00\x01", "from-thread")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertions below
            results["push_error"] = exc

    thread = threading.Thread(target=pusher)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert "push_error" not in results, results.get("push_error")
    assert pull.got() == [b"\x00\x01", b"from-thread"]
    assert p.counters["sent"] == 1
    shell.ok("%zmq unwatch s")


class _Box:
    def __init__(self) -> None:
        self.inner = {"k": "v"}


def test_braces_expand_python_values_into_frames(shell: Shell, peer: PeerFactory) -> None:
    pull = peer("pull")
    data = b"\x00\x01\xfe\xff"
    text = 'say "hi"\tnow\nnext \\ \u00e9 ; # {x} \r\0 end'
    doc = {"op": "add", "args": [1, 2.5], "q": "it's", "u": "\u00fc"}
    shell["ep"] = pull.endpoint
    shell["data"] = data
    shell["text"] = text
    shell["n"] = 42
    shell["doc"] = doc
    shell["empty"] = b""
    shell["box"] = _Box()
    shell.ok("%%zmq\nsocket p push\nconnect p {ep}")

    shell.ok("%zmq send p {data} {text} {n} {doc}")
    assert pull.got() == [
        data,
        text.encode(),
        b"42",
        json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode(),
    ]

    shell.ok('%zmq send p {{n}} json:{"a":1} {empty} {box.inner}')
    assert pull.got() == [b"{n}", b'{"a":1}', b"", b'{"k":"v"}']

    shell.ok("%%zmq\nsend p {n}\nsend p {data}")
    assert pull.got() == [b"42"]
    assert pull.got() == [data]

    ran = shell.run("%zmq send p before {missing}")
    assert isinstance(ran.error, UsageError)
    assert "no variable 'missing'" in str(ran.error)
    assert "hint:" in ran.stderr
    shell.ok("%zmq send p marker")
    assert pull.got() == [b"marker"]  # nothing was sent for the failed line
