"""DEALER/ROUTER with explicit identities and multipart messages with empty frames."""

from __future__ import annotations

import pytest

from zmqrepl.core import Context, ZMQError

from .zr_interop_support import Peer, h, hb, unhex, zsock

IDENTITIES = [b"alice", b"\x01bin\x00id\xff"]  # a leading NUL byte is reserved by libzmq


def test_zmqrepl_router_with_pyzmq_dealers(ctx: Context, peer: Peer, bind_endpoint: str) -> None:
    router = zsock(ctx, "router", router_mandatory=True)
    endpoint = router.bind(bind_endpoint)
    for i, ident in enumerate(IDENTITIES):
        peer.call("socket", name=f"d{i}", type="DEALER", options=[["ROUTING_ID", hb(ident)]])
        peer.call("connect", sock=f"d{i}", endpoint=endpoint)
        peer.call("send", sock=f"d{i}", frames=[h(b""), h(b"hello from %d" % i), h(b""), h(ident)])

    seen = {}
    for _ in IDENTITIES:
        ident, *body = router.recv_multipart()
        seen[ident] = body
    assert set(seen) == set(IDENTITIES)
    for i, ident in enumerate(IDENTITIES):
        assert seen[ident] == [b"", b"hello from %d" % i, b"", ident]

    # replies are routed by identity, in reverse order, and keep their empty frames
    for i, ident in reversed(list(enumerate(IDENTITIES))):
        router.send_multipart([ident, b"", b"", b"reply to %d" % i, b""])
    for i in range(len(IDENTITIES)):
        got = peer.call("recv", sock=f"d{i}", count=2, timeout=200)  # one, not two
        assert unhex(got["messages"]) == [[b"", b"", b"reply to %d" % i, b""]]

    # and routing frame by frame works too
    router.send(IDENTITIES[1], more=True)
    router.send(b"", more=True)
    router.send(b"single")
    got = peer.call("recv", sock="d1", timeout=3000)
    assert unhex(got["messages"]) == [[b"", b"single"]]

    with pytest.raises(ZMQError):  # router_mandatory: an unknown identity is an error
        router.send_multipart([b"nobody", b"", b"lost"])


def test_zmqrepl_dealer_identity_seen_by_pyzmq_router(ctx: Context, peer: Peer, bind_endpoint: str) -> None:
    dealer = zsock(ctx, "dealer")
    dealer.set("identity", b"zr-dealer\x00\x01")  # the egg's name for routing_id
    assert dealer.get("routing_id") == b"zr-dealer\x00\x01"
    endpoint = dealer.bind(bind_endpoint)
    peer.call("socket", name="router", type="ROUTER")
    peer.call("connect", sock="router", endpoint=endpoint)

    dealer.send_multipart([b"", b"request", b"", b""])
    got = peer.call("recv", sock="router", timeout=3000)
    assert unhex(got["messages"]) == [[b"zr-dealer\x00\x01", b"", b"request", b"", b""]]

    peer.call("send", sock="router", frames=[h(b"zr-dealer\x00\x01"), h(b""), h(b"answer"), h(b"")])
    assert dealer.recv_multipart() == [b"", b"answer", b""]
    assert dealer.recv_multipart(nonblocking=True) is None


def test_zmqrepl_router_replies_to_anonymous_pyzmq_dealer(ctx: Context, peer: Peer) -> None:
    router = zsock(ctx, "router")
    endpoint = router.bind("tcp://127.0.0.1:*")
    peer.call("socket", name="d", type="DEALER")
    peer.call("connect", sock="d", endpoint=endpoint)
    peer.call("send", sock="d", frames=[h(b"anon")])

    ident, body = router.recv_multipart()
    assert body == b"anon"
    assert len(ident) == 5 and ident[0] == 0  # libzmq's generated routing id
    router.send_multipart([ident, b"back"])
    assert unhex(peer.call("recv", sock="d", timeout=3000)["messages"]) == [[b"back"]]


def test_zmqrepl_dealer_connect_to_pyzmq_router_bound(ctx: Context, peer: Peer) -> None:
    """Here pyzmq binds (tcp://127.0.0.1:*) and zmqrepl connects."""
    peer.call("socket", name="router", type="ROUTER")
    endpoint = peer.call("bind", sock="router", endpoint="tcp://127.0.0.1:*")
    dealers = []
    for ident in IDENTITIES:
        d = zsock(ctx, "dealer", routing_id=ident)
        d.connect(endpoint)
        d.send_multipart([b"", ident])
        dealers.append(d)
    got = peer.call("recv", sock="router", count=len(IDENTITIES), timeout=3000)
    assert sorted(unhex(got["messages"])) == sorted([[i, b"", i] for i in IDENTITIES])
    for ident in IDENTITIES:
        peer.call("send", sock="router", frames=[h(ident), h(b"to " + ident)])
    for ident, d in zip(IDENTITIES, dealers):
        assert d.recv_multipart() == [b"to " + ident]
