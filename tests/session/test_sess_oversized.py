"""A peer dropped for a message over maxmsgsize is told, once, as one line; other drops are not.

The peers are pyzmq in another process (zmq_peer.py): a REP that echoes a request
back makes a reply as big as the request, so a small maxmsgsize on our side drops it.
"""

from __future__ import annotations

import time
from typing import Callable

from tests.peers import Peer
from tests.support import executed
from zmqrepl.session import MonitorNotice, PeerDropped, Session
from zmqrepl.session.render import dropped_line

BIG = "0x" + "ab" * 1500  # a 1500-byte frame


def wait_until(cond: Callable[[], object], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def seen_events(session: Session, kind: type) -> list[object]:
    return [e for e in session.events.take().events if isinstance(e, kind)]


def test_a_reply_over_maxmsgsize_is_told_and_raising_it_fixes_it(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer = start_peer("rep")
    session.run(f"socket d dealer; set d maxmsgsize 1000; connect d {peer.endpoint}")
    session.run('send d "" small')
    assert peer.expect("GOT") == "GOT " + b"small".hex()
    assert executed(session, "recv d --timeout 10000").value == [b"", b"reply", b"small"]
    session.run(f'send d "" {BIG}')
    assert peer.expect("GOT") == "GOT " + "ab" * 1500  # the request went out; the reply is dropped
    wait_until(lambda: session.dropped_peers("d"), what="the drop to be told")
    drop = session.dropped_peers("d")[0]
    assert (drop.socket, drop.endpoint, drop.maxmsgsize) == ("d", peer.endpoint, 1000)
    assert dropped_line(drop) == (
        f"d: peer {peer.endpoint} disconnected: a message exceeded maxmsgsize (1000 B) and libzmq "
        f"will not reconnect (hint: raise it with set d maxmsgsize N, then: disconnect d "
        f"{peer.endpoint}; connect d {peer.endpoint})"
    )
    assert [e for e in session.events.take().events if isinstance(e, PeerDropped)] == [drop]
    assert session.sockets()[0].received == 1  # the big reply never arrived
    # What the line says to do works.
    session.run(f"set d maxmsgsize 100000; disconnect d {peer.endpoint}; connect d {peer.endpoint}")
    session.run(f'send d "" {BIG}')
    reply = session.execute("recv d --timeout 10000")
    assert reply is not None and reply.value == [b"", b"reply", bytes.fromhex("ab" * 1500)]
    assert len(session.dropped_peers("d")) == 1


def test_a_big_publication_is_told_on_a_sub(session: Session, start_peer: Callable[..., Peer]) -> None:
    peer = start_peer("pub", "--count", "1", "--prefix", "p" * 5000)
    session.run(f"socket s sub; set s maxmsgsize 4096; connect s {peer.endpoint}; subscribe s")
    peer.expect("DONE")
    wait_until(lambda: session.dropped_peers("s"), what="the drop to be told")
    assert "maxmsgsize (4.0 KiB)" in dropped_line(session.dropped_peers("s")[0])


def test_a_peer_that_goes_away_is_not_mistaken_for_a_drop(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer = start_peer("rep")
    session.run(f"socket d dealer; set d maxmsgsize 1000; monitor d; connect d {peer.endpoint}")
    session.run('send d "" hi')
    assert executed(session, "recv d --timeout 10000").value == [b"", b"reply", b"hi"]
    peer.kill()
    events: list[MonitorNotice] = []

    def retried() -> bool:
        events.extend(e for e in session.events.take().events if isinstance(e, MonitorNotice))
        return any(e.event == "connect_retried" for e in events)

    wait_until(retried, what="libzmq to retry the connection")
    names = [e.event for e in events]
    assert names.index("disconnected") < names.index("connect_retried")
    # The check runs GRACE seconds after the disconnect: wait until it has run, then look.
    wait_until(lambda: session.drop_checks_done >= 1, what="the drop check")
    assert session.drop_checks_scheduled == 1
    assert session.dropped_peers("d") == []
    assert not seen_events(session, PeerDropped)


def test_without_reconnects_nothing_can_be_told(session: Session, start_peer: Callable[..., Peer]) -> None:
    peer = start_peer("rep")
    session.run(
        f"socket d dealer; set d maxmsgsize 1000; set d reconnect_ivl -1; "
        f"monitor d; connect d {peer.endpoint}"
    )
    session.run('send d "" hi')
    assert executed(session, "recv d --timeout 10000").value == [b"", b"reply", b"hi"]
    peer.kill()  # an ordinary disconnect, with no reconnect to follow it
    wait_until(
        lambda: any(e.event == "disconnected" for e in session.monitor_events("d")), what="the disconnect"
    )
    wait_until(lambda: session.drop_checks_done >= 1, what="the drop check")
    assert session.dropped_peers("d") == []


def test_a_bound_socket_claims_nothing(session: Session, start_peer: Callable[..., Peer]) -> None:
    """On a bound socket an oversized message and a peer that left look the same to libzmq's
    monitor; the session must not guess."""
    endpoint = session.run("socket r rep; set r maxmsgsize 1000; monitor r; bind r tcp://127.0.0.1:*")[
        -1
    ].value
    start_peer("req", endpoint, "x" * 2000)
    wait_until(
        lambda: any(e.event == "disconnected" for e in session.monitor_events("r")),
        what="the oversized request to drop the peer",
    )
    # The disconnect was seen (in the engine thread, which schedules any check as it reads
    # the event; a command after it is a round trip through that thread): no check was
    # even scheduled for a peer of a bound socket.
    session.execute("sockets")
    assert session.drop_checks_scheduled == 0
    assert session.dropped_peers("r") == []
    assert session.sockets()[0].received == 0
