"""``disconnect`` and subscriptions of an xsub socket, against pyzmq peers (issue 10, item 10)."""

from __future__ import annotations

from typing import Callable

import pytest

from tests.peers import Peer, PeerError
from tests.support import executed
from zmqrepl.session import CommandError, Session


def endpoints(session: Session, name: str) -> str:
    (info,) = [i for i in session.sockets() if i.name == name]
    return info.endpoints


def test_disconnect_drops_the_connection_and_connect_makes_it_again(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer = start_peer("pull")
    session.run(f"socket s push; set s sndtimeo 200; connect s {peer.endpoint}; send s before")
    assert peer.got() == [b"before"]
    result = executed(session, f"disconnect s {peer.endpoint}")
    assert result.value == peer.endpoint
    assert result.lines == [f"s disconnected from {peer.endpoint}"]
    assert endpoints(session, "s") == "-"
    with pytest.raises(CommandError, match="no peer is ready"):
        session.execute("send s after")  # a push socket with no connection left cannot send
    with pytest.raises(PeerError, match="no 'got'"):
        peer.event("got", timeout=0.5)
    session.run(f"connect s {peer.endpoint}; send s again")
    assert peer.got() == [b"again"]
    assert endpoints(session, "s") == f"connect {peer.endpoint}"


@pytest.mark.parametrize(
    "line, words",
    [
        ("disconnect s tcp://127.0.0.1:1", ["not connected to 'tcp://127.0.0.1:1'", "exact endpoint"]),
        ("disconnect s notanendpoint", ["is not an endpoint", "tcp://HOST:PORT"]),
        ("disconnect s", ["disconnect needs ENDPOINT", "usage: disconnect NAME ENDPOINT"]),
        ("disconnect nosuch tcp://127.0.0.1:1", ["no socket named 'nosuch'", "socket nosuch TYPE"]),
    ],
    ids=["never-connected", "not-an-endpoint", "no-endpoint", "no-such-socket"],
)
def test_disconnect_errors_are_one_clear_line(session: Session, line: str, words: list[str]) -> None:
    session.execute("socket s push")
    with pytest.raises(CommandError) as exc:
        session.execute(line)
    assert "\n" not in str(exc.value)
    for word in words:
        assert word in str(exc.value), (line, str(exc.value))


def test_disconnect_twice_says_it_is_not_connected(session: Session, start_peer: Callable[..., Peer]) -> None:
    peer = start_peer("pull")
    session.run(f"socket s push; connect s {peer.endpoint}; disconnect s {peer.endpoint}")
    with pytest.raises(CommandError, match="not connected"):
        session.execute(f"disconnect s {peer.endpoint}")


def xsub_on_an_xpub_peer(session: Session, start_peer: Callable[..., Peer]) -> Peer:
    """A pyzmq peer with an XPUB "pub" bound on tcp, and the session's xsub x connected to it."""
    peer = start_peer()
    peer.call("socket", name="pub", type="XPUB")
    endpoint = peer.call("bind", sock="pub", endpoint="tcp://127.0.0.1:*")
    session.run(f"socket x xsub; connect x {endpoint}")
    return peer


def test_xsub_subscribe_reaches_an_xpub_peer_as_a_subscription_frame(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer = xsub_on_an_xpub_peer(session, start_peer)
    assert executed(session, "subscribe x weather").lines == ["x subscribed to 'weather'"]
    assert peer.recv("pub", timeout=10000) == [b"\x01weather"]
    # subscribed (the peer saw it): what it publishes now is delivered, filtered by topic
    assert peer.send("pub", b"news", b"not for x")
    assert peer.send("pub", b"weather", b"sunny")
    assert executed(session, "recv x --timeout 10000").value == [b"weather", b"sunny"]
    assert executed(session, "unsubscribe x weather").lines == ["x unsubscribed from 'weather'"]
    assert peer.recv("pub", timeout=10000) == [b"\x00weather"]
    session.execute("subscribe x")  # no topic: everything
    assert peer.recv("pub", timeout=10000) == [b"\x01"]
    assert peer.send("pub", b"news", b"for x now")
    assert executed(session, "recv x --timeout 10000").value == [b"news", b"for x now"]


def test_xsub_sends_one_frame_messages_and_refuses_several_frames(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer = xsub_on_an_xpub_peer(session, start_peer)
    session.run("subscribe x t")
    assert peer.recv("pub", timeout=10000) == [b"\x01t"]
    # libzmq aborts the process if the xpub goes away during a message of several frames
    with pytest.raises(CommandError, match=r"one frame per message.*\(hint: join the frames into one\)"):
        session.execute("send x hello world")
    session.execute("send x hello")
    assert peer.recv("pub", timeout=10000) == [b"hello"]
