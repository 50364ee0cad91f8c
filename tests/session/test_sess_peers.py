"""``peers NAME`` and heartbeats by default (issue 12, items 2 and 5), against pyzmq peers in
other processes: DEALERs with routing ids against a session ROUTER, one of them stopped
(SIGSTOP) until the session's heartbeats drop it."""

from __future__ import annotations

import os
import signal
import time
from typing import Any, Callable, Iterator

import pytest

from tests.peers import Peer
from tests.support import executed, wait_for
from zmqrepl.session import (
    DEFAULT_HEARTBEAT_IVL_MS,
    DEFAULT_HEARTBEAT_TIMEOUT_MS,
    Bound,
    CommandError,
    PeerInfo,
    PeerTable,
    Session,
    SocketMade,
    TextLines,
)


def peer_rows(session: Session, name: str) -> dict[str, PeerInfo]:
    """The rows of ``peers NAME`` that have a routing id, by it."""
    table = executed(session, f"peers {name}", PeerTable)
    return {p.routing_id_text: p for p in table.peers if p.routing_id is not None}


def counted(session: Session, rid: str) -> int:
    row = peer_rows(session, "r").get(rid)
    return -1 if row is None else row.messages


def dealer(start_peer: Callable[..., Peer], rid: str, endpoint: str) -> Peer:
    peer = start_peer()
    peer.call("socket", name="d", type="DEALER", options=[["ROUTING_ID", rid]])
    peer.call("connect", sock="d", endpoint=endpoint)
    return peer


@pytest.fixture
def stopped() -> Iterator[list[Peer]]:
    """Peers the test SIGSTOPs: continued in teardown, so that they can be stopped."""
    peers: list[Peer] = []
    yield peers
    for peer in peers:
        os.kill(peer.proc.pid, signal.SIGCONT)


# -- item 5: heartbeats by default ----------------------------------------------------------


def test_new_sockets_get_heartbeats_and_help_says_which_and_why(session: Session) -> None:
    made = executed(session, "socket s dealer", SocketMade)
    assert made.heartbeat_ivl == DEFAULT_HEARTBEAT_IVL_MS == 5000
    assert made.heartbeat_timeout == DEFAULT_HEARTBEAT_TIMEOUT_MS == 15000
    assert made.lines[0].endswith("heartbeat every 5000 ms, timeout 15000 ms)")
    assert executed(session, "get s heartbeat_ivl").value == 5000
    assert executed(session, "get s heartbeat_timeout").value == 15000
    assert "heartbeat_ivl=5000, heartbeat_timeout=15000" in session.sockets()[0].options
    assert "linger=0" in session.sockets()[0].options  # the other session defaults stay
    help_text = " ".join(executed(session, "help socket", TextLines).lines)
    assert "but for req, rep and pub, ZMTP heartbeats: a ping every 5000 ms" in help_text
    assert "what comes while that is full is dropped and counted" in help_text
    session.execute("set s heartbeat_ivl 700")
    assert executed(session, "get s heartbeat_ivl").value == 700
    assert "heartbeat_ivl=700" in session.sockets()[0].options


def test_a_dealer_stopped_past_the_default_heartbeat_timeout_shows_disconnected(
    session: Session, start_peer: Callable[..., Peer], stopped: list[Peer]
) -> None:
    # The session's defaults only: a ping every 5 s, nothing back within 15 s drops it.
    session.run("socket r router; watch r")
    endpoint = executed(session, "bind r tcp://127.0.0.1:*", Bound).endpoint
    assert executed(session, "peers r", PeerTable).peers == ()
    peer = dealer(start_peer, "sleepy", endpoint)
    assert peer.send("d", b"hi")
    wait_for(lambda: counted(session, "sleepy") == 1, 10, "sleepy's message")
    os.kill(peer.proc.pid, signal.SIGSTOP)
    stopped.append(peer)
    at = time.monotonic()
    wait_for(lambda: peer_rows(session, "r")["sleepy"].state.startswith("disconnected"), 25, "the drop")
    # Within the timeout: 15 s of silence after a ping, pings every 5 s.
    assert time.monotonic() - at <= DEFAULT_HEARTBEAT_TIMEOUT_MS / 1000 + DEFAULT_HEARTBEAT_IVL_MS / 1000 + 2


def test_a_session_without_heartbeats_sets_none() -> None:
    s = Session(linger=0, heartbeat_ivl=0)
    try:
        made = executed(s, "socket s dealer", SocketMade)
        assert "heartbeat" not in made.lines[0]
        assert executed(s, "get s heartbeat_ivl").value == 0  # libzmq's own default
        assert "heartbeat" not in s.sockets()[0].options
    finally:
        s.close()


# -- item 2: peers NAME ----------------------------------------------------------------------


def test_router_peers_counted_per_routing_id_and_a_stopped_one_disconnected(
    session: Session, start_peer: Callable[..., Peer], stopped: list[Peer]
) -> None:
    session.run("socket r router; set r heartbeat_ivl 200; set r heartbeat_timeout 1500; monitor r")
    endpoint = executed(session, "bind r tcp://127.0.0.1:*", Bound).endpoint
    session.execute("watch r")  # the session reads r: what it reads is counted
    assert executed(session, "peers r", PeerTable).peers == ()  # counting starts here
    peers: dict[str, Peer] = {}
    for i, rid in enumerate(["alpha", "beta", "gamma"]):
        # One after another: each routing id's first message comes before the next connects.
        peers[rid] = dealer(start_peer, rid, endpoint)
        for n in range(i + 1):
            assert peers[rid].send("d", b"x" * (10 * (n + 1)))
        wait_for(lambda: counted(session, rid) == i + 1, 10, f"{rid}'s messages")  # noqa: B023
    rows = peer_rows(session, "r")
    assert {r: (p.messages, p.bytes_in, p.state) for r, p in rows.items()} == {
        "alpha": (1, 10, "connected"),
        "beta": (2, 30, "connected"),
        "gamma": (3, 60, "connected"),
    }
    fds = {p.fd for p in rows.values()}
    assert len(fds) == 3 and None not in fds  # one connection each, from the monitor
    assert all(p.endpoint == endpoint and p.first_seen <= p.last_seen for p in rows.values())
    assert {p.address for p in rows.values()} == {"127.0.0.1"}  # each message's Peer-Address

    os.kill(peers["beta"].proc.pid, signal.SIGSTOP)
    stopped.append(peers["beta"])
    # A ping every 200 ms, dropped 1500 ms after one goes unanswered (long enough that a busy
    # machine does not drop the live ones); 15 s is a bound that only catches a hang.
    wait_for(
        lambda: peer_rows(session, "r")["beta"].state == "disconnected", 15, "beta dropped by heartbeats"
    )
    assert any(e.event == "disconnected" for e in session.monitor_events("r"))
    rows = peer_rows(session, "r")
    assert rows["alpha"].state == rows["gamma"].state == "connected"
    assert rows["beta"].messages == 2
    text = "\n".join(executed(session, "peers r", PeerTable).lines)
    assert "routing id" in text.splitlines()[0]
    beta_line = next(line for line in text.splitlines() if line.startswith("beta"))
    assert "disconnected " in beta_line and "connected" in text
    # The others still talk: their counts go on.
    assert peers["alpha"].send("d", b"again")
    wait_for(lambda: peer_rows(session, "r")["alpha"].messages == 2, 10, "alpha's second message")


def test_stopped_peer_shows_disconnected_in_the_monitor_of_a_connecting_socket(
    session: Session, start_peer: Callable[..., Peer], stopped: list[Peer]
) -> None:
    server = start_peer()
    server.call("socket", name="srv", type="ROUTER")
    endpoint = server.call("bind", sock="srv", endpoint="tcp://127.0.0.1:*")
    session.run("socket d dealer; set d heartbeat_ivl 200; set d heartbeat_timeout 600; monitor d")
    session.execute(f"connect d {endpoint}")
    wait_for(
        lambda: any(e.event == "handshake_succeeded" for e in session.monitor_events("d")), 10, "handshake"
    )
    assert [p.state for p in executed(session, "peers d", PeerTable).peers] == ["connected"]
    os.kill(server.proc.pid, signal.SIGSTOP)
    stopped.append(server)
    wait_for(lambda: any(e.event == "disconnected" for e in session.monitor_events("d")), 15, "the drop")
    state = executed(session, "peers d", PeerTable).peers[0].state
    assert state != "connected"  # disconnected, or (after a reconnect) in a handshake that waits


def test_single_connection_of_a_pull_counts_its_messages(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    session.run("socket s pull; peers s")
    endpoint = executed(session, "bind s tcp://127.0.0.1:*", Bound).endpoint
    session.execute("watch s")
    peer = start_peer()
    peer.call("socket", name="p", type="PUSH")
    peer.call("connect", sock="p", endpoint=endpoint)
    for _ in range(4):
        assert peer.send("p", b"12345")

    def counted() -> bool:
        rows = executed(session, "peers s", PeerTable).peers
        return bool(rows) and rows[0].messages == 4

    wait_for(counted, 10, "four messages")
    table = executed(session, "peers s", PeerTable)
    assert not table.routing_ids and "routing id" not in table.lines[0]
    assert (table.peers[0].bytes_in, table.peers[0].state) == (20, "connected")
    assert table.peers[0].address == "127.0.0.1"


def test_peer_book_is_bounded(session: Session, start_peer: Callable[..., Peer]) -> None:
    session.run("socket r router")
    endpoint = executed(session, "bind r tcp://127.0.0.1:*", Bound).endpoint
    session.entries["r"].peers.limit = 3  # the default, 1000, in small
    session.execute("peers r")
    peer = start_peer()
    for i in range(5):
        peer.call("socket", name=f"d{i}", type="DEALER", options=[["ROUTING_ID", f"p{i}"]])
        peer.call("connect", sock=f"d{i}", endpoint=endpoint)
        wait_for(lambda: len(executed(session, "peers r", PeerTable).peers) >= min(i + 1, 3))  # noqa: B023
    wait_for(lambda: executed(session, "peers r", PeerTable).more == 2, 10, "two peers evicted")
    table = executed(session, "peers r", PeerTable)
    assert len(table.peers) == 3
    assert "+2 older peers not kept (the newest 3 are)" in table.lines


def test_peers_of_an_unknown_socket_is_one_line_with_a_hint(session: Session) -> None:

    with pytest.raises(CommandError) as err:
        session.execute("peers nope")
    assert "no socket named 'nope'" in err.value.line and "hint" in err.value.line
    session.execute("socket s rep")
    assert "no peers yet" in executed(session, "peers s", PeerTable).lines[0]


def test_peers_in_a_notebook_is_an_html_table(ipython: Any, start_peer: Callable[..., Peer]) -> None:
    ipython.run_line_magic("config", "ZmqMagics.linger = 0")
    ipython.run_line_magic("zmq", "socket r router")
    endpoint = ipython.run_line_magic("zmq", "bind r tcp://127.0.0.1:*")
    ipython.run_line_magic("zmq", "peers r")
    ipython.run_line_magic("zmq", "watch r")
    peer = dealer(start_peer, "nb-client", endpoint)
    assert peer.send("d", b"hi")

    def table() -> Any:
        result = ipython.run_line_magic("zmq", "peers r")
        return result if result and result[0].messages == 1 else None

    shown = wait_for(table, 10, "the message counted")
    html = shown._repr_html_()
    assert "<table" in html and "nb-client" in html and "<th>routing id</th>" in html
    assert "nb-client" in repr(shown)


def test_magics_heartbeat_traits_reach_new_sockets(ipython: Any) -> None:
    ipython.run_line_magic("config", "ZmqMagics.heartbeat_ivl = 250")
    ipython.run_line_magic("config", "ZmqMagics.heartbeat_timeout = 750")
    ipython.run_line_magic("zmq", "socket s dealer")
    assert ipython.run_line_magic("zmq", "get s heartbeat_ivl") == 250
    assert ipython.run_line_magic("zmq", "get s heartbeat_timeout") == 750


def test_a_routing_id_libzmq_made_shows_in_hex(session: Session, start_peer: Callable[..., Peer]) -> None:
    session.run("socket r router; peers r")
    endpoint = executed(session, "bind r tcp://127.0.0.1:*", Bound).endpoint
    session.execute("watch r")
    peer = start_peer()
    peer.call("socket", name="d", type="DEALER")  # no routing id: the ROUTER makes one
    peer.call("connect", sock="d", endpoint=endpoint)
    assert peer.send("d", b"anonymous")
    wait_for(lambda: any(p.messages for p in executed(session, "peers r", PeerTable).peers), 10, "a message")
    (row,) = executed(session, "peers r", PeerTable).peers
    # libzmq 4.3: a zero byte, then a 32-bit number
    assert row.routing_id is not None and len(row.routing_id) == 5 and row.routing_id[0] == 0
    assert row.routing_id_text == "0x" + row.routing_id.hex() and row.state == "connected"


@pytest.mark.parametrize("monitored", [False, True])
def test_a_failed_bind_says_why_though_the_monitor_starts_first(session: Session, monitored: bool) -> None:
    """The session's monitor starts before a bind (peers sees every connection); libzmq's
    BIND_FAILED event to it overwrites errno, which must not become the error shown."""
    session.run("socket p router" + ("; monitor p" if monitored else ""))
    with pytest.raises(CommandError) as refused:
        session.execute("bind p tcp://localhost:1")
    assert "no such network interface" in refused.value.line, refused.value.line
    endpoint = executed(session, "bind p tcp://127.0.0.1:*", Bound).endpoint
    session.run("socket q router")
    with pytest.raises(CommandError) as taken:
        session.execute(f"bind q {endpoint}")
    assert "in use" in taken.value.line, taken.value.line
    assert executed(session, "peers p", PeerTable).peers == ()  # the monitor still runs
