"""tap: the session between two pyzmq programs in other processes, forwarding both ways.

Every client and server here is a pyzmq peer (tests/peers) that knows nothing of the tap
but its endpoint: the clients connect to LISTEN, the server listens at TARGET.
"""

from __future__ import annotations

import contextlib
import json
import resource
import signal
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests.peers import Peer
from tests.support import binds, executed, wait_for
from zmqrepl.session import (
    Bound,
    CommandError,
    Message,
    MonitorNotice,
    Notice,
    PeerInfo,
    PeerTable,
    ReplayStarted,
    Session,
    SocketInfo,
    TapStarted,
    TapSwitched,
    complete,
    message_lines,
)

LOCAL = "tcp://127.0.0.1:*"


def row(session: Session, name: str) -> SocketInfo:
    (found,) = [i for i in session.sockets() if i.name == name]
    return found


def settled(session: Session) -> None:
    """A call runs in the engine thread after the callback in progress: its counters are in.
    (``sockets`` reads the counters from this thread: it would not wait for that callback.)"""
    session.engine.call(lambda: None)


def shown(session: Session, name: str, n: int) -> list[Message]:
    """The first ``n`` messages watch kept for ``name``, once there are that many."""
    got: list[Message] = wait_for(
        lambda: (lambda b: b if len(b) >= n else None)(session.watch_buffer(name)), what=f"{n} watched"
    )
    return got[:n]


def tap(session: Session, target: str, pattern: str = "reqrep", name: str = "t") -> str:
    started = executed(session, f"tap {name} {LOCAL} {target} --pattern {pattern}", TapStarted)
    assert started.pattern == pattern and started.target == target
    return started.listen


def error_of(session: Session, line: str) -> str:
    with pytest.raises(CommandError) as info:
        session.execute(line)
    assert "\n" not in info.value.line and "(hint: " in info.value.line
    return info.value.line


# -- reqrep ---------------------------------------------------------------------------------


def test_req_client_and_rep_server_through_a_tap(session: Session, start_peer: Callable[..., Peer]) -> None:
    server = start_peer("rep")
    listen = tap(session, server.endpoint)
    session.execute("watch t")
    client = start_peer("reqs", listen, "--count", "20", "--prefix", "q")
    for i in range(20):
        assert [bytes.fromhex(f) for f in client.event("reply")["frames"]] == [b"reply", f"q-{i}".encode()]
        assert server.got() == [f"q-{i}".encode()]  # the server gets the request unchanged
    client.event("done")
    messages = shown(session, "t", 40)
    settled(session)
    info = row(session, "t")
    assert (info.type, info.received, info.sent) == ("tap reqrep", 20, 20)
    assert info.row()[4:6] == ("c→s 20", "s→c 20")
    assert info.endpoints == f"listen {listen} → target {server.endpoint}"
    # In order, each request then its reply, both from and to the one client (its routing id).
    assert [m.direction for m in messages] == ["client→server", "server→client"] * 20
    # the routing id the ROUTER front gave it, and its address (the request's Peer-Address)
    assert len({m.peer for m in messages}) == 1 and messages[0].peer.startswith("0x")
    assert messages[0].peer.endswith(" 127.0.0.1")
    assert [list(m.frames) for m in messages[:2]] == [[b"", b"q-0"], [b"", b"reply", b"q-0"]]
    line = message_lines(messages[0])[0]
    assert f" t client→server peer {messages[0].peer} [2 parts]" in line


def test_dealer_clients_and_router_server_keep_their_identities(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    server = start_peer()
    server.call("socket", name="r", type="ROUTER")
    target = server.call("bind", sock="r", endpoint=LOCAL)
    listen = tap(session, target)
    session.execute("watch t")
    clients: dict[str, Peer] = {}
    for ident in ("alice", "bob"):
        clients[ident] = start_peer()
        clients[ident].call("socket", name="d", type="DEALER", options=[["ROUTING_ID", ident]])
        clients[ident].call("connect", sock="d", endpoint=listen)
        clients[ident].send("d", f"hi from {ident}".encode())
    seen: dict[bytes, list[bytes]] = {}
    for _ in range(2):
        frames = server.recv("r", 5000)
        assert frames is not None and len(frames) == 3  # the tap's own id, the client's, the body
        seen[frames[1]] = frames
    assert seen[b"alice"][2] == b"hi from alice" and seen[b"bob"][2] == b"hi from bob"
    for routing_id in (b"bob", b"alice"):  # answered in the other order: routed by the envelope
        server.send("r", seen[routing_id][0], routing_id, b"for " + routing_id)
    assert clients["alice"].recv("d", 5000) == [b"for alice"]
    assert clients["bob"].recv("d", 5000) == [b"for bob"]
    messages = shown(session, "t", 4)
    assert sorted((m.direction, m.peer, m.frames) for m in messages) == [
        ("client→server", "alice 127.0.0.1", (b"hi from alice",)),
        ("client→server", "bob 127.0.0.1", (b"hi from bob",)),
        ("server→client", "alice 127.0.0.1", (b"for alice",)),
        ("server→client", "bob 127.0.0.1", (b"for bob",)),
    ]


def test_a_reply_for_a_client_that_left_is_counted_as_dropped(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    server = start_peer()
    server.call("socket", name="r", type="ROUTER")
    listen = tap(session, server.call("bind", sock="r", endpoint=LOCAL))
    session.execute("monitor t")
    client = start_peer()
    client.call("socket", name="d", type="DEALER", options=[["ROUTING_ID", "gone"]])
    client.call("connect", sock="d", endpoint=listen)
    client.send("d", b"ask")
    frames = server.recv("r", 5000)
    assert frames is not None
    client.call("close", sock="d")
    wait_for(
        lambda: any(
            isinstance(e, MonitorNotice) and e.event == "disconnected" for e in session.monitor_events("t")
        ),
        what="the tap's front to see the client leave",
    )
    server.send("r", *frames[:2], b"too late")
    wait_for(lambda: "dropped 1" in row(session, "t").flags, what="the drop counted")
    assert row(session, "t").sent == 0


def dropped(session: Session, name: str = "t") -> int:
    """The tap's "dropped N" flag (0 without one)."""
    flags = row(session, name).flags.split(", ")
    return next((int(f.split()[1]) for f in flags if f.startswith("dropped ")), 0)


def test_a_slow_client_does_not_stall_the_others_nor_spin_the_engine(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    """Client A never reads (rcvhwm 10) and the server floods it with replies: once A's queue
    at the front is full, its replies are dropped and counted, B's reply still goes, and the
    session waits for work instead of retrying (a busy loop shows as CPU time while idle)."""
    server = start_peer()
    # mandatory: the server's sends wait while the tap does not read, rather than drop
    server.call("socket", name="r", type="ROUTER", options=[["ROUTER_MANDATORY", 1]])
    listen = tap(session, server.call("bind", sock="r", endpoint=LOCAL))
    slow = start_peer()
    slow.call("socket", name="d", type="DEALER", options=[["ROUTING_ID", "slow"], ["RCVHWM", 10]])
    slow.call("connect", sock="d", endpoint=listen)
    slow.send("d", b"flood me")
    envelope = server.recv("r", 5000)
    assert envelope is not None and envelope[1:] == [b"slow", b"flood me"]
    # 3000 replies of 10 kB: more than A's queues and kernel buffers hold (1000 + 10 messages
    # and a few MB), so sends to A see EAGAIN. When the tap held them back instead, it
    # stopped reading the server, whose sends then failed.
    flooded = server.call("flood", sock="r", frames=[f.hex() for f in envelope[:2]], count=3000, pad=10000)
    assert flooded == 3000
    fast = start_peer()
    fast.call("socket", name="d", type="DEALER", options=[["ROUTING_ID", "fast"]])
    fast.call("connect", sock="d", endpoint=listen)
    fast.send("d", b"ping")
    request = server.recv("r", 5000)
    assert request is not None and request[1:] == [b"fast", b"ping"]
    server.send("r", request[0], b"fast", b"pong")
    assert fast.recv("d", 10000) == [b"pong"]  # within a bound that only catches a hang
    wait_for(lambda: row(session, "t").sent + dropped(session) == flooded + 1, what="every reply counted")
    assert dropped(session) > 0
    settled(session)
    cpu = time.process_time()
    time.sleep(1.0)  # a measuring interval, not a wait for an event: nothing happens in it
    assert time.process_time() - cpu < 0.5  # a spinning engine thread uses about 1 s of it


def test_peers_of_a_tap_shows_each_client(session: Session, start_peer: Callable[..., Peer]) -> None:
    """Clients connected before the first ``peers t`` are known (the monitor starts before the
    front binds), and from then on each one's messages are counted under its routing id."""
    server = start_peer()
    server.call("socket", name="r", type="ROUTER")
    listen = tap(session, server.call("bind", sock="r", endpoint=LOCAL))
    clients = {}
    for rid in ("c0", "c1", "c2"):
        clients[rid] = start_peer()
        clients[rid].call("socket", name="d", type="DEALER", options=[["ROUTING_ID", rid]])
        clients[rid].call("connect", sock="d", endpoint=listen)
        clients[rid].send("d", b"hello")
        got = server.recv("r", 5000)
        assert got is not None and got[1:] == [rid.encode(), b"hello"]  # connected, and through
    assert executed(session, "peers t", PeerTable).routing_ids  # counting starts here
    for i, peer in enumerate(clients.values()):
        for _ in range(i + 1):
            peer.send("d", b"x" * 10)

    def rows() -> dict[str, PeerInfo] | None:
        table = executed(session, "peers t", PeerTable)
        found = {p.routing_id_text: p for p in table.peers if p.routing_id is not None}
        return found if {r: p.messages for r, p in found.items()} == {"c0": 1, "c1": 2, "c2": 3} else None

    found = wait_for(rows, what="each client's messages counted under its routing id")
    assert {(p.address, p.state, p.bytes_in // p.messages) for p in found.values()} == {
        ("127.0.0.1", "connected", 10)
    }
    fds = {p.fd for p in found.values()}
    assert len(fds) == 3 and None not in fds  # each its connection, which the monitor saw
    table = executed(session, "peers t", PeerTable)
    assert len(table.peers) == 3  # no rows without an id
    assert table.lines[-1].endswith("every message (a tap reads all)")


# -- pubsub and pipeline --------------------------------------------------------------------


def test_subscriber_gets_only_its_topic_and_the_subscription_travels_up(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    publisher = start_peer()
    publisher.call("socket", name="p", type="XPUB")
    listen = tap(session, publisher.call("bind", sock="p", endpoint=LOCAL), "pubsub")
    session.execute("watch t")
    subscriber = start_peer()
    subscriber.call("socket", name="s", type="SUB", options=[["SUBSCRIBE", "weather"]])
    subscriber.call("connect", sock="s", endpoint=listen)
    assert publisher.recv("p", 10000) == [b"\x01weather"]  # it went through the tap, upstream
    for frames in ([b"weather", b"sunny"], [b"sports", b"goal"], [b"weather", b"end"]):
        publisher.send("p", *frames)
    got = subscriber.call("recv_until", sock="s", last=[b"weather".hex(), b"end".hex()])
    assert not got["timed_out"]
    assert [[bytes.fromhex(f) for f in m] for m in got["messages"]] == [
        [b"weather", b"sunny"],
        [b"weather", b"end"],
    ]
    subscriber.call("setsockopt", sock="s", opt="UNSUBSCRIBE", value="weather")
    assert publisher.recv("p", 10000) == [b"\x00weather"]
    messages = shown(session, "t", 4)
    assert [(m.direction, m.frames) for m in messages] == [
        ("sub→pub", (b"\x01weather",)),
        ("pub→sub", (b"weather", b"sunny")),
        ("pub→sub", (b"weather", b"end")),
        ("sub→pub", (b"\x00weather",)),
    ]
    # the subscriber's address (Peer-Address of the XPUB front's message), then the subscription
    assert message_lines(messages[0])[0].endswith(" t sub→pub peer 127.0.0.1 subscribe 'weather'")
    assert message_lines(messages[3])[0].endswith(" t sub→pub peer 127.0.0.1 unsubscribe 'weather'")
    settled(session)
    assert row(session, "t").row()[4:6] == ("sub→pub 2", "pub→sub 2")


def test_pipeline_passes_every_message_in_order(session: Session, start_peer: Callable[..., Peer]) -> None:
    puller = start_peer("pull")
    listen = tap(session, puller.endpoint, "pipeline")
    pusher = start_peer()
    pusher.call("socket", name="p", type="PUSH")
    pusher.call("connect", sock="p", endpoint=listen)
    pusher.call("send_many", sock="p", messages=[[f"m{i}".encode().hex()] for i in range(50)])
    assert [puller.got() for _ in range(50)] == [[f"m{i}".encode()] for i in range(50)]
    wait_for(lambda: row(session, "t").received == 50, what="50 counted")
    assert row(session, "t").row()[4:6] == ("c→s 50", "-")


def test_a_slow_server_holds_messages_back_and_loses_none(
    session: Session, start_peer: Callable[..., Peer], tmp_path: Path
) -> None:
    """No server at TARGET yet: the back queue fills (1000), then the tap keeps a batch and
    stops reading the front, the clients' messages wait in the queues; none is dropped."""
    target = f"ipc://{tmp_path}/server"
    executed(session, f"tap t ipc://{tmp_path}/front {target} --pattern pipeline", TapStarted)
    pusher = start_peer()
    pusher.call("socket", name="p", type="PUSH")
    pusher.call("connect", sock="p", endpoint=f"ipc://{tmp_path}/front")
    n = 3000
    pusher.call("send_many", sock="p", messages=[[f"{i}".encode().hex()] for i in range(n)], timeout=10000)
    puller = start_peer("pull", target)  # the server starts late
    assert [puller.got() for _ in range(n)] == [[f"{i}".encode()] for i in range(n)]
    wait_for(lambda: row(session, "t").received == n, what="every message counted")
    assert row(session, "t").flags == "-"


def test_sockets_shows_when_the_target_is_not_connected(
    session: Session, start_peer: Callable[..., Peer], tmp_path: Path
) -> None:
    target = f"ipc://{tmp_path}/server"
    executed(session, f"tap t ipc://{tmp_path}/front {target} --pattern pipeline", TapStarted)
    assert row(session, "t").endpoints.endswith(f"→ target {target} (not connected)")
    puller = start_peer("pull", target)  # the server starts: the back connects to it
    wait_for(lambda: row(session, "t").endpoints.endswith(f"→ target {target}"), what="target connected")
    puller.stop()  # and goes away
    wait_for(lambda: row(session, "t").endpoints.endswith("(not connected)"), what="target gone")


# -- pause, resume, close ---------------------------------------------------------------------


def test_pause_holds_messages_until_resume(session: Session, start_peer: Callable[..., Peer]) -> None:
    puller = start_peer("pull")
    listen = tap(session, puller.endpoint, "pipeline")
    assert executed(session, "tap t pause", TapSwitched).paused
    assert row(session, "t").flags == "paused"
    pusher = start_peer()
    pusher.call("socket", name="p", type="PUSH")
    pusher.call("connect", sock="p", endpoint=listen)
    pusher.call("send_many", sock="p", messages=[[f"m{i}".encode().hex()] for i in range(5)])
    with pytest.raises(AssertionError, match="sent no 'got'"):
        puller.got(timeout=0.5)  # held while paused
    assert row(session, "t").received == 0
    assert not executed(session, "tap t resume", TapSwitched).paused
    assert [puller.got() for _ in range(5)] == [[f"m{i}".encode()] for i in range(5)]
    assert row(session, "t").flags == "-"


def test_close_closes_both_sockets(session: Session, start_peer: Callable[..., Peer]) -> None:
    server = start_peer()
    server.call("socket", name="r", type="PULL")
    target = server.call("bind", sock="r", endpoint=LOCAL)
    server.call("monitor", sock="r")
    listen = tap(session, target, "pipeline")
    assert server.call("events", sock="r", timeout=10000, until="EVENT_HANDSHAKE_SUCCEEDED")[-1][0] == (
        "EVENT_HANDSHAKE_SUCCEEDED"
    )
    session.execute("close t")
    assert "t" not in session.socket_names()
    events = server.call("events", sock="r", timeout=10000, until="EVENT_DISCONNECTED")
    assert events[-1][0] == "EVENT_DISCONNECTED"  # the back socket is gone
    session.run(f"socket again pull; bind again {listen}")  # and LISTEN is free again


def test_set_on_a_tap_sets_both_sockets(session: Session, start_peer: Callable[..., Peer]) -> None:
    server = start_peer("rep")
    tap(session, server.endpoint)
    entry = session.entries["t"]
    assert entry.tap is not None
    back = entry.tap.back
    for line, option, value in (
        ("set t sndhwm 7", "sndhwm", 7),
        ("set t hwm 9", "rcvhwm", 9),
        ("set t heartbeat_ivl 0", "heartbeat_ivl", 0),
    ):
        session.execute(line)
        assert executed(session, f"get t {option}").value == value  # the front
        assert session.engine.call(lambda: back.get(option)) == value  # noqa: B023 - the back
    assert "heartbeat_ivl=0" in row(session, "t").options
    line = error_of(session, "set t router_mandatory false")
    assert line.startswith("t is a tap: set changes only how its sockets connect and queue")
    client = start_peer("reqs", row(session, "t").endpoints.split()[1], "--count", "1")
    client.event("done")  # and it still forwards


def test_tap_errors_are_one_line_with_a_hint(session: Session, start_peer: Callable[..., Peer]) -> None:
    session.run("socket s pull")
    assert error_of(session, "tap t tcp://127.0.0.1:*").startswith("tap needs TARGET")
    assert error_of(session, "tap t tcp://127.0.0.1:* tcp://127.0.0.1:1 --pattern star").startswith(
        "unknown pattern 'star'"
    )
    assert error_of(session, "tap s pause").startswith("s is a pull socket, not a tap")
    assert error_of(session, "tap nope resume").startswith("no socket named")
    assert error_of(session, "tap s tcp://127.0.0.1:* tcp://127.0.0.1:1").startswith("a socket named")
    assert "is not an endpoint" in error_of(session, "tap t somewhere tcp://127.0.0.1:1")
    listen = tap(session, "tcp://127.0.0.1:1")
    assert "is already in use" in error_of(session, f"tap u {listen} tcp://127.0.0.1:1")
    assert "u" not in session.socket_names()  # nothing left behind
    for line in ("send t hi", "recv t", f"connect t {listen}", "subscribe t", "set t routing_id x"):
        assert error_of(session, line).startswith("t is a tap: ")
    assert error_of(session, "tap t pause tcp://127.0.0.1:2").startswith("tap t pause takes nothing after it")
    assert error_of(session, "tap t pause now").endswith(
        "(hint: use tcp://HOST:PORT, ipc:///PATH or inproc://NAME)"
    )
    assert error_of(session, "tap t stop").endswith(
        "(hint: use tcp://HOST:PORT, ipc:///PATH, ... or: pause, resume)"
    )


def test_a_tap_to_itself_is_refused(session: Session, tmp_path: Path) -> None:
    """LISTEN equal to TARGET would send every request back into the tap, for ever."""
    line = error_of(session, "tap t tcp://127.0.0.1:5999 tcp://127.0.0.1:5999")
    assert line.startswith("tap t: LISTEN and TARGET are the same endpoint")
    assert "t" not in session.socket_names()
    error_of(session, f"tap t ipc://{tmp_path}/x ipc://{tmp_path}/x")
    # The same endpoint once LISTEN is bound (interface lo is 127.0.0.1), or the wildcard address.
    session.execute("socket p pull")
    port = executed(session, "bind p tcp://127.0.0.1:*", Bound).endpoint.rsplit(":", 1)[1]
    session.execute("close p")  # libzmq lets the port go in its I/O thread, soon after
    for listen in (f"tcp://lo:{port}", f"tcp://*:{port}", f"tcp://0.0.0.0:{port}"):
        line = wait_for(
            lambda: (lambda x: None if "already in use" in x else x)(
                error_of(session, f"tap t {listen} tcp://127.0.0.1:{port}")  # noqa: B023
            ),
            what="the port let go",
        )
        assert line.startswith("tap t: LISTEN and TARGET are the same endpoint"), line
        assert "t" not in session.socket_names()
    # and LISTEN was let go each time: it binds again (once libzmq has closed the last one)
    session.execute("socket again pull")
    wait_for(lambda: binds(session, "again", f"tcp://127.0.0.1:{port}"), what="LISTEN let go")


# -- record and replay --------------------------------------------------------------------------


def test_record_both_directions_and_replay_one(
    session: Session, start_peer: Callable[..., Peer], tmp_path: Path
) -> None:
    server = start_peer("rep")
    listen = tap(session, server.endpoint)
    path = tmp_path / "tap.jsonl"
    assert executed(session, f"record t {path}").lines == [f"t: recording both directions to {path}"]
    client = start_peer("reqs", listen, "--count", "3", "--prefix", "q")
    client.event("done")
    session.execute("record t --stop")
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert [x["direction"] for x in lines] == ["client->server", "server->client"] * 3
    assert len({x["peer"] for x in lines}) == 1
    assert [x["frames"] for x in lines[:2]] == [
        [{"text": ""}, {"text": "q-0"}],
        [{"text": ""}, {"text": "reply"}, {"text": "q-0"}],
    ]
    # The client's side again, against another server: what a REQ sent, from a DEALER.
    other = start_peer("rep")
    session.run(f"socket d dealer; connect d {other.endpoint}")
    started = executed(session, f"replay {path} d --speed 0 --direction client --background", ReplayStarted)
    assert started.count == 3
    assert [other.got() for _ in range(3)] == [[b"q-0"], [b"q-1"], [b"q-2"]]
    assert (
        executed(session, f"replay {path} d --direction server --speed 0 --background", ReplayStarted).count
        == 3
    )
    assert error_of(session, f"replay {path} d --direction up").startswith(
        "--direction takes client or server"
    )


@contextlib.contextmanager
def file_size_limit(n: int) -> Iterator[None]:
    """Inside, this process may grow no file beyond ``n`` bytes (RLIMIT_FSIZE): a write past it
    fails with EFBIG, as one fails with ENOSPC on a full disk. A block in the test body, not a
    fixture: the limit is per process, and pytest writes its progress to stdout after the call
    and before fixture teardown; where stdout is a log file already past ``n`` bytes (as in CI)
    that write would fail too and abort the whole run."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an error, not a signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (n, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)


def test_a_recording_that_cannot_be_written_stops_and_forwarding_goes_on(
    session: Session, start_peer: Callable[..., Peer], tmp_path: Path
) -> None:
    puller = start_peer("pull")
    listen = tap(session, puller.endpoint, "pipeline")
    pusher = start_peer()  # the peers start before the limit: it is this process's
    pusher.call("socket", name="p", type="PUSH")
    pusher.call("connect", sock="p", endpoint=listen)
    path = tmp_path / "full.jsonl"
    session.execute(f"record t {path}")
    n = 2000
    with file_size_limit(20_000):  # "the disk is full" after 20 kB; the messages take ~300 kB
        pusher.call("send_many", sock="p", messages=[[f"{i:0100}".encode().hex()] for i in range(n)])
        got = [puller.got() for _ in range(n)]
        wait_for(lambda: "record" not in row(session, "t").flags, what="the recording stopped")
    assert got == [[f"{i:0100}".encode()] for i in range(n)]
    notices = [e for e in session.events.take().events if isinstance(e, Notice) and e.error]
    assert len(notices) == 1 and notices[0].text.startswith(f"t: recording to {path} stopped: ")
    assert path.stat().st_size <= 20_000
    pusher.send("p", b"after")  # and the tap goes on
    assert puller.got() == [b"after"]


def test_old_recordings_still_replay_and_have_no_direction(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps({"t": 1.0, "socket": "s", "frames": [{"text": "x"}]}) + "\n", encoding="utf-8")
    session.run("socket p push; bind p tcp://127.0.0.1:*")
    assert executed(session, f"replay {path} p --speed 0 --background", ReplayStarted).count == 1
    assert (
        executed(session, f"replay {path} p --speed 0 --direction client --background", ReplayStarted).count
        == 0
    )


def test_completion_and_help_tell_a_new_user_how(session: Session) -> None:
    context = session.completion_context()
    assert [c.text for c in complete("tap t p", context)] == ["pause"]
    assert "tcp://127.0.0.1:" in [c.text for c in complete("tap t ", context)]
    assert [c.text for c in complete("tap t tcp://127.0.0.1:5555 tcp://127.0.0.1:5556 --p", context)] == [
        "--pattern"
    ]
    text = "\n".join(executed(session, "help tap").lines)
    assert text.startswith("usage: tap NAME LISTEN|pause|resume [TARGET] [--pattern WORD]")
    for part in (
        "tap NAME pause",
        "reqrep",
        "pubsub",
        "pipeline",
        "watch NAME",
        "--direction client",
        "close NAME",
        "set NAME OPTION VALUE sets both sockets",
    ):
        assert part in text
    examples = text.rsplit("examples: ", 1)[1].split(" | ")
    assert examples and all(e.startswith("tap ") for e in examples)


def test_a_sockets_recording_that_cannot_be_written_stops_and_watch_shows_every_message(
    session: Session, start_peer: Callable[..., Peer], tmp_path: Path
) -> None:
    """The same for a plain socket: the messages a failed write came with are still shown."""
    session.run("socket q pull")
    endpoint = executed(session, "bind q tcp://127.0.0.1:*", Bound).endpoint
    pusher = start_peer()
    pusher.call("socket", name="p", type="PUSH")
    pusher.call("connect", sock="p", endpoint=endpoint)
    path = tmp_path / "full.jsonl"
    session.run(f"watch q; record q {path}")
    n = 150  # the watch buffer keeps the newest 200
    with file_size_limit(5_000):  # about 30 of the messages' lines
        pusher.call("send_many", sock="p", messages=[[f"{i:0100}".encode().hex()] for i in range(n)])
        wait_for(lambda: row(session, "q").received == n, 20, "every message read")
        wait_for(lambda: "record" not in row(session, "q").flags, what="the recording stopped")
    # Shown at most every 100 ms, after they are counted: each one, as n is under 200.
    every = [f"{i:0100}".encode() for i in range(n)]
    wait_for(
        lambda: [m.frames[0] for m in session.watch_buffer("q")][-n:] == every, what="every message shown"
    )
    notices = [e for e in session.events.take().events if isinstance(e, Notice) and e.error]
    assert len(notices) == 1 and notices[0].text.startswith(f"q: recording to {path} stopped: ")


# -- the fast path (nobody watches: core.forward) ------------------------------------------


def test_requests_wait_for_a_late_server_whole_and_in_order_while_watch_comes_and_goes(
    session: Session, start_peer: Callable[..., Peer], tmp_path: Path
) -> None:
    """Multi-frame requests (a DEALER's [id, body]) with no server yet: the back has no peer,
    one request is held, the rest wait in the queues. Watching starts and stops while one is
    held; once the server comes, every request arrives whole, once and in order, and the
    counters say so."""
    target = f"ipc://{tmp_path}/server"
    executed(session, f"tap t {LOCAL} {target}", TapStarted)
    listen = row(session, "t").endpoints.split()[1]
    client = start_peer()
    client.call("socket", name="d", type="DEALER", options=[["ROUTING_ID", "c1"]])
    client.call("connect", sock="d", endpoint=listen)
    n = 200
    requests = [[b"".hex(), f"req-{i}".encode().hex(), b"tail".hex()] for i in range(n)]
    client.call("send_many", sock="d", messages=requests[: n // 2])
    session.execute("watch t")
    client.call("send_many", sock="d", messages=requests[n // 2 :])
    session.execute("unwatch t")
    server = start_peer()
    server.call("socket", name="r", type="ROUTER")
    server.call("bind", sock="r", endpoint=target)
    got = server.call("recv", sock="r", count=n, timeout=10000)["messages"]
    frames = [[bytes.fromhex(f) for f in m] for m in got]
    # [the tap's own routing id (the server's ROUTER adds it), the client's, the request]
    assert [m[1:] for m in frames] == [[b"c1", b"", f"req-{i}".encode(), b"tail"] for i in range(n)]
    wait_for(lambda: row(session, "t").received == n, what="every request counted")
    assert session.engine.call(lambda: session.entries["t"].bytes_in) == sum(
        len(f) for m in frames for f in m[1:]
    )


def test_a_signal_storm_at_the_engine_thread_cuts_no_message(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    """Signals sent at the engine thread are blocked there (they go to the main thread,
    where Python runs handlers anyway): a pipeline tap, nobody watching, passes every
    two-frame message whole, and counts each once."""
    puller = start_peer()
    puller.call("socket", name="q", type="PULL", options=[["RCVHWM", 0]])
    target = puller.call("bind", sock="q", endpoint=LOCAL)
    listen = tap(session, target, "pipeline")
    pusher = start_peer()
    pusher.call("socket", name="p", type="PUSH", options=[["SNDHWM", 0]])
    pusher.call("connect", sock="p", endpoint=listen)
    (engine,) = [t for t in threading.enumerate() if t.name == "zmqrepl-engine"]
    old = signal.signal(signal.SIGUSR1, lambda *_: None)
    stop = threading.Event()
    sent = [0]

    def storm() -> None:
        while not stop.is_set():
            signal.pthread_kill(engine.ident or 0, signal.SIGUSR1)
            sent[0] += 1
            time.sleep(0.00002)

    stormer = threading.Thread(target=storm)
    stormer.start()
    n = 20000
    try:
        pusher.call(
            "send_many", sock="p", messages=[[f"{i}".encode().hex(), b"tail".hex()] for i in range(n)]
        )
        got = puller.call("recv", sock="q", count=n, timeout=20000, reply_within=60)["messages"]
    finally:
        stop.set()
        stormer.join()
        signal.signal(signal.SIGUSR1, old)
    assert sent[0] > 300
    assert [[bytes.fromhex(f) for f in m] for m in got] == [[f"{i}".encode(), b"tail"] for i in range(n)]
    wait_for(lambda: row(session, "t").received == n, what="every message counted")
    assert "dropped" not in row(session, "t").flags


def test_spin_is_checked_and_can_be_turned_off(session: Session, start_peer: Callable[..., Peer]) -> None:
    server = start_peer("rep")
    for bad in ("-1", "10001", "lots"):
        assert error_of(session, f"tap t {LOCAL} {server.endpoint} --spin {bad}").startswith(
            ("--spin takes", "spin ")
        )
    listen = executed(session, f"tap t {LOCAL} {server.endpoint} --spin 0", TapStarted).listen
    client = start_peer("reqs", listen, "--count", "3", "--prefix", "q")
    for i in range(3):
        assert [bytes.fromhex(f) for f in client.event("reply")["frames"]] == [b"reply", f"q-{i}".encode()]
