"""Sessions with real sockets against independent pyzmq peers (other processes)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable, TypeVar, overload

import pytest

from tests.peers import Peer
from tests.support import binds
from zmqrepl.session import (
    Bound,
    CommandError,
    KeyPair,
    Message,
    MonitorNotice,
    Notice,
    Quit,
    Received,
    Result,
    ScriptRan,
    Session,
    SocketInfo,
    SocketMade,
    VersionInfo,
)

R = TypeVar("R", bound=Result)


def info(session: Session, name: str) -> SocketInfo:
    (found,) = [i for i in session.sockets() if i.name == name]
    return found


def wait_until(cond: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


END = (b"t", b"end")


def all_in(session: Session, peer: Peer, n: int) -> None:
    """The pub peer's ``n`` messages, and no more, reached socket s: it sends an END marker
    after them over the same connection; once END is counted every earlier message is."""
    peer.expect("DONE")
    peer.publish(*END)
    wait_until(lambda: info(session, "s").received >= n + 1, 20, "all messages and the end marker")
    # The counter moves before the batch's events are logged; a command runs in the engine
    # thread after the read that counted END has finished, so its events are all in.
    session.execute("get s type")
    assert info(session, "s").received == n + 1


@overload
def one(session: Session, line: str) -> Result: ...
@overload
def one(session: Session, line: str, kind: type[R]) -> R: ...
def one(session: Session, line: str, kind: type[Result] = Result) -> Result:
    """The one result of ``line``, of type ``kind`` (any result by default)."""
    (result,) = session.run(line)
    assert isinstance(result, kind), f"{line!r} gave {result!r}"
    return result


def check_error(session: Session, line: str, *words: str) -> CommandError:
    with pytest.raises(CommandError) as exc:
        session.run(line)
    err = exc.value
    assert err.hint, err.line
    assert "hint:" in err.line and "\n" not in err.line
    for w in words:
        assert w in err.line, (w, err.line)
    return err


# -- request/reply -------------------------------------------------------------------------


def test_req_against_pyzmq_rep(session: Session, start_peer: Callable[..., Peer]) -> None:
    peer = start_peer("rep")
    session.run(f"socket r req; connect r {peer.endpoint}")
    sent = one(session, 'send r hello "two words" 0x00ff')
    assert sent.lines == ["r: sent 3 parts, 16 bytes"]
    assert peer.expect("GOT") == "GOT " + " ".join(x.hex() for x in (b"hello", b"two words", b"\0\xff"))
    got = one(session, "recv r --timeout 10000")
    assert got.value == [b"reply", b"hello", b"two words", b"\x00\xff"]
    assert isinstance(got, Received)
    assert len(got.shown) == 1 and got.shown[0].socket == "r"
    assert got.shown[0].sizes == (5, 5, 9, 2)
    # A REQ socket must get its reply before it sends again; the next round trip works.
    one(session, "send r again")
    assert one(session, "recv r --timeout 10000").value == [b"reply", b"again"]
    r = info(session, "r")
    assert (r.type, r.sent, r.received) == ("req", 2, 2)
    assert peer.endpoint in r.endpoints and peer.endpoint in session.endpoints_used()


def test_rep_serves_pyzmq_req(session: Session, start_peer: Callable[..., Peer]) -> None:
    session.run("socket r rep")
    endpoint = one(session, "bind r tcp://127.0.0.1:*", Bound).endpoint
    assert endpoint.startswith("tcp://127.0.0.1:") and not endpoint.endswith(":*")
    check_error(session, "send r early", "REP socket must receive")
    client = start_peer("req", endpoint, "ping", "x")
    assert one(session, "recv r --timeout 10000").value == [b"ping", b"x"]
    one(session, "send r pong")
    assert client.expect("REPLY") == "REPLY " + b"pong".hex()


# -- publish/subscribe ---------------------------------------------------------------------------


def subscribe_to(session: Session, peer: Peer, name: str = "s", watch: bool = True) -> None:
    session.run(
        f"socket {name} sub; set {name} rcvhwm 0; connect {name} {peer.endpoint}; "
        f"subscribe {name}" + (f"; watch {name}" if watch else "")
    )


def shown_to_the_end(session: Session, name: str = "s") -> None:
    """Wait until the END marker is shown (messages become events at most every 100 ms,
    after they are counted), then until the engine has finished that step."""
    wait_until(lambda: [m.frames for m in session.watch_buffer(name)[-1:]] == [END], what="END shown")
    session.execute("get s type")


def test_watch_counts_are_exact_and_shows_the_newest_in_order(start_peer: Callable[..., Peer]) -> None:
    n = 10_000
    session = Session(linger=0, event_capacity=2 * n)
    try:
        peer = start_peer("pub", "--count", str(n))
        subscribe_to(session, peer)
        all_in(session, peer, n)
        shown_to_the_end(session)
        batch = session.events.take()
        msgs = [e for e in batch.events if isinstance(e, Message)]
        # Each message is shown or counted as not shown, never both, never neither.
        assert len(msgs) + batch.dropped.get("s", 0) == n + 1
        order: dict[tuple[bytes, ...], int] = {(b"t", f"msg-{i}".encode()): i for i in range(n)}
        order[END] = n
        frames = [m.frames for m in msgs]
        positions = [order[f] for f in frames]
        assert frames[-1] == END and positions == sorted(set(positions))
        assert all(m.socket == "s" for m in msgs)
        ring = session.watch_buffer("s")
        assert [m.frames for m in ring] == frames[-200:]
        assert ring[-2].frames[1] == f"msg-{n - 1}".encode()
        assert info(session, "s").flags == "watch"
    finally:
        session.close()


def test_event_log_overflow_keeps_counts_exact(start_peer: Callable[..., Peer]) -> None:
    n = 5_000
    session = Session(linger=0, event_capacity=100)
    try:
        peer = start_peer("pub", "--count", str(n))
        subscribe_to(session, peer)
        all_in(session, peer, n)
        shown_to_the_end(session)
        assert len(session.events) == 100
        batch = session.events.take()
        assert batch.dropped == {"s": n + 1 - 100}
        assert [e.frames for e in batch.events if isinstance(e, Message)] == [
            (b"t", f"msg-{i}".encode()) for i in range(n + 1 - 100, n)
        ] + [END]
    finally:
        session.close()


def test_unwatch_stops_events_but_not_the_socket(session: Session, start_peer: Callable[..., Peer]) -> None:
    peer = start_peer("pub", "--count", "10")
    subscribe_to(session, peer)
    all_in(session, peer, 10)
    shown_to_the_end(session)
    assert one(session, "unwatch").lines == ["stopped watching s"]
    assert info(session, "s").flags == "-"
    session.events.take()
    # The socket still receives: recv gets the next message, and nothing is shown of it.
    peer.publish(b"t", b"after")
    assert one(session, "recv s --timeout 10000").value == [b"t", b"after"]
    assert info(session, "s").received == 12
    assert [e for e in session.events.take().events if isinstance(e, Message)] == []
    assert [m.frames for m in session.watch_buffer("s")][-1] == END


def test_recv_count_and_timeout(session: Session, start_peer: Callable[..., Peer]) -> None:
    peer = start_peer("pub", "--count", "5", "--prefix", "m")
    subscribe_to(session, peer, watch=False)
    got = one(session, "recv s --count 3 --timeout 10000")
    assert got.value == [[b"t", b"m-0"], [b"t", b"m-1"], [b"t", b"m-2"]]
    assert isinstance(got, Received) and len(got.shown) == 3 and got.lines == []
    peer.expect("DONE")
    got = one(session, "recv s --count 5 --timeout 500")
    assert got.value == [[b"t", b"m-3"], [b"t", b"m-4"]]
    assert got.lines == ["s: 2 of 5 messages before the timeout"]
    check_error(session, "recv s --timeout 200", "no message on s within 200 ms")
    assert info(session, "s").received == 5


def test_subscription_topics(session: Session, start_peer: Callable[..., Peer]) -> None:
    peer = start_peer()
    peer.call("socket", name="x", type="XPUB")
    endpoint = peer.call("bind", sock="x", endpoint="tcp://127.0.0.1:*")
    session.run(f"socket s sub; connect s {endpoint}; subscribe s weath")
    assert peer.recv("x", timeout=10000) == [b"\x01weath"]  # the publisher has it: it filters by it
    assert info(session, "s").options.endswith("subscribe='weath'")
    for topic in (b"news", b"weather", b"sport", b"weathervane", b"weather"):
        peer.send("x", topic, b"body")
    got = one(session, "recv s --count 3 --timeout 10000", Received)
    assert [m[0] for m in got.messages] == [b"weather", b"weathervane", b"weather"]  # in order: none other
    assert one(session, "unsubscribe s weath").lines == ["s unsubscribed from 'weath'"]
    assert peer.recv("x", timeout=10000) == [b"\x00weath"]


# -- errors ----------------------------------------------------------------------------------


def test_error_paths(session: Session) -> None:
    session.run("socket a pub")
    endpoint = one(session, "bind a tcp://127.0.0.1:*", Bound).endpoint
    check_error(session, "socket a sub", "exists already")
    check_error(session, "send nosuch hi", "no socket named 'nosuch'", "socket nosuch TYPE")
    check_error(session, f"socket b pub; bind b {endpoint}", "already in use")
    session.run("socket sub1 sub; socket p push")
    check_error(session, "send sub1 hi", "does not support send")
    check_error(session, "subscribe a", "only sub and xsub")
    check_error(session, "unsubscribe p", "only sub and xsub")
    check_error(session, "recv a --timeout 10", "cannot receive")
    check_error(session, "bind p ipc:///nonexistent-dir/zmqrepl/x", "does not exist")
    check_error(session, "unbind a tcp://127.0.0.1:1", "not bound")
    check_error(session, "set a linger abc", "whole number")
    check_error(session, "set a ipv6 maybe", "true or false")
    check_error(session, "set a linger 99999999999999999999", "between")
    check_error(session, "get a subscribe", "write-only")
    check_error(session, "monitor a on", "off")
    check_error(session, "curve pair", "curve keypair")
    check_error(session, "record a --max-size 1M", "FILE")  # record a alone shows its status
    check_error(session, "send p hi", "could not send within")  # no peer for the push socket
    # The session carries on after every error.
    assert [i.name for i in session.sockets()] == ["a", "b", "sub1", "p"]
    assert info(session, "a").sent == 0


def test_set_get_and_sockets_table(session: Session) -> None:
    session.run("socket d dealer; set d routing_id client-1; set d hwm 50; set d linger 0")
    assert one(session, "get d routing_id").value == b"client-1"
    assert one(session, "get d sndhwm").value == 50
    assert one(session, "get d type").lines == ["d.type = dealer"]
    table = one(session, "sockets")
    assert table.lines[0].split() == list(SocketInfo.COLUMNS)
    assert "routing_id='client-1'" in table.lines[2] and "hwm=50" in table.lines[2]


def test_poll_and_sleep_and_version(session: Session, start_peer: Callable[..., Peer]) -> None:
    peer = start_peer("rep")
    session.run(f"socket r req; connect r {peer.endpoint}")
    assert one(session, "poll r --timeout 5000").value == {"r": ["out"]}
    assert one(session, "sleep 1").lines == []
    ver = one(session, "version", VersionInfo)
    assert set(ver.value) == {"zmqrepl", "libzmq", "python", "warning"}
    public, secret = one(session, "curve keypair", KeyPair).value
    assert len(public) == 40 and len(secret) == 40


# -- record / replay ---------------------------------------------------------------------


def test_record_then_replay_round_trip(
    session: Session, start_peer: Callable[..., Peer], tmp_path: Path
) -> None:
    path = tmp_path / "feed.jsonl"
    peer = start_peer("pub", "--count", "20")
    subscribe_to(session, peer, watch=False)
    one(session, f"record s {path}")
    assert info(session, "s").flags == "record"
    peer.expect("DONE")
    wait_until(lambda: info(session, "s").received == 20, what="20 messages")
    one(session, "record s --stop")
    # A binary message too, recorded from a session socket.
    session.run("socket src push; socket dst pull; bind dst inproc://rec; connect src inproc://rec")
    one(session, f"record dst {path}")
    one(session, 'send src 0x00ff "text" ""')
    wait_until(lambda: info(session, "dst").received == 1, what="binary message")
    one(session, "record dst --stop")
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 21
    assert lines[0]["frames"] == [{"text": "t"}, {"text": "msg-0"}]
    assert lines[-1]["frames"] == [{"b64": "AP8="}, {"text": "text"}, {"text": ""}]

    session.run("socket p push")
    endpoint = one(session, "bind p tcp://127.0.0.1:*", Bound).endpoint
    session.run(f"socket q pull; connect q {endpoint}")
    session.events.take()
    started = one(session, f"replay {path} p --speed 0 --background")
    assert started.value == 21
    got = one(session, "recv q --count 21 --timeout 10000")
    expected = [[b"t", f"msg-{i}".encode()] for i in range(20)] + [[b"\x00\xff", b"text", b""]]
    assert got.value == expected
    wait_until(lambda: info(session, "p").sent == 21, what="sent counter")
    notices: list[Notice] = []

    def notices_taken() -> bool:
        notices.extend(e for e in session.events.take().events if isinstance(e, Notice))
        return bool(notices)

    wait_until(notices_taken, what="notice")
    assert notices[0].text.endswith("done: 21 messages sent") and not notices[0].error


def test_replay_rejects_bad_files(session: Session, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"t": 1, "frames": [{"text": "ok"}]}\nnot json\n', encoding="utf-8")
    session.run("socket p push")
    check_error(session, f"replay {bad} p", "line 2 is not JSON")
    check_error(session, f"replay {tmp_path}/missing p", "cannot read")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert one(session, f"replay {empty} p").value == 0


# -- monitor, close, quit -------------------------------------------------------------------


def test_monitor_connected_and_disconnected(session: Session, start_peer: Callable[..., Peer]) -> None:
    peer = start_peer("pub", "--count", "1")
    session.run("socket s sub; monitor s")
    session.run(f"connect s {peer.endpoint}; subscribe s")
    seen: list[MonitorNotice] = []

    def has(event: str) -> bool:
        seen.extend(e for e in session.events.take().events if isinstance(e, MonitorNotice))
        return any(e.event == event for e in seen)

    wait_until(lambda: has("connected"), what="connected event")
    peer.expect("DONE")
    peer.kill()
    wait_until(lambda: has("disconnected"), what="disconnected event")
    connected = next(e for e in seen if e.event == "connected")
    assert connected.socket == "s" and connected.endpoint == peer.endpoint
    # (The peer's one message, if it came after the subscription, waits: "queued 1".)
    assert info(session, "s").flags.split(",")[0] == "monitor"
    assert one(session, "monitor s off").lines == ["s: monitor off"]
    assert info(session, "s").flags in ("-", "queued 1")


def test_close(session: Session) -> None:
    session.run("socket a pub")
    endpoint = one(session, "bind a tcp://127.0.0.1:*", Bound).endpoint
    assert one(session, "close a").lines == ["a closed"]
    assert session.sockets() == []
    check_error(session, "send a hi", "no socket named 'a'")
    # The name is free again at once, and the port soon (libzmq releases it in the background).
    session.run("socket a pub")
    wait_until(lambda: binds(session, "a", endpoint), 10, "the port to be free")
    assert info(session, "a").endpoints == f"bind {endpoint}"


def test_quit_closes_everything_and_stops_the_run(session: Session) -> None:
    results = session.run("socket a pub; quit; socket b pub")
    assert [type(r) for r in results] == [SocketMade, Quit] and results[-1].quit
    assert session.closed
    assert session.socket_names() == []
    check_error(session, "socket c pub", "closed")
    assert one(session, "help quit").lines[0] == "usage: quit"
    assert one(session, "exit").quit


def test_source_runs_a_file_and_reports_the_line(session: Session, tmp_path: Path) -> None:
    script = tmp_path / "cmds.zmq"
    script.write_text(
        "# setup\nsocket a pub; bind a inproc://x # comment; not a command\nsocket b sub\n", encoding="utf-8"
    )
    result = one(session, f"source {script}", ScriptRan)
    assert session.socket_names() == ["a", "b"]
    assert len(result.results) == 3
    bad = tmp_path / "bad.zmq"
    bad.write_text("version\nbogus\n", encoding="utf-8")
    check_error(session, f"source {bad}", f"{bad} line 2: ", "unknown command")
