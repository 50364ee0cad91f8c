"""REQ/REP between zmqrepl.core and pyzmq, each side in each role."""

from __future__ import annotations

import pytest

from zmqrepl.core import Again, Context

from .zr_interop_support import Peer, h, unhex, zsock


def test_pyzmq_req_to_zmqrepl_rep(ctx: Context, peer: Peer, bind_endpoint: str) -> None:
    rep = zsock(ctx, "rep")
    endpoint = rep.bind(bind_endpoint)
    assert not endpoint.endswith(":*")
    peer.call("socket", name="req", type="REQ")
    peer.call("connect", sock="req", endpoint=endpoint)

    for i in range(20):
        request = f"ping {i} \u00e9".encode()
        peer.call("send", sock="req", frames=[h(request)])
        assert rep.recv() == request
        assert not rep.more
        rep.send(b"pong " + request)
        got = peer.call("recv", sock="req", timeout=3000)
        assert not got["timed_out"]
        assert unhex(got["messages"]) == [[b"pong " + request]]


def test_zmqrepl_req_to_pyzmq_rep(ctx: Context, peer: Peer, bind_endpoint: str) -> None:
    req = zsock(ctx, "req")
    endpoint = req.bind(bind_endpoint)
    peer.call("socket", name="rep", type="REP")
    peer.call("connect", sock="rep", endpoint=endpoint)

    for i in range(20):
        req.send(f"question {i}")  # str goes out as UTF-8
        got = peer.call("recv", sock="rep", timeout=3000)
        assert unhex(got["messages"]) == [[f"question {i}".encode()]]
        peer.call("send", sock="rep", frames=[h(f"answer {i}".encode())])
        assert req.recv(as_=str) == f"answer {i}"


def test_multipart_request_with_empty_frames_both_ways(ctx: Context, peer: Peer) -> None:
    rep = zsock(ctx, "rep")
    endpoint = rep.bind("tcp://127.0.0.1:*")
    peer.call("socket", name="req", type="REQ")
    peer.call("connect", sock="req", endpoint=endpoint)

    request = [b"", b"head", b"", b"\x00\xff" * 100, b""]
    peer.call("send", sock="req", frames=[h(f) for f in request])
    # REQ's empty delimiter frame is stripped by REP: the application sees its own frames
    assert rep.recv_multipart() == request
    reply = [b"", b"", b"tail", b""]
    rep.send_multipart(reply)
    got = peer.call("recv", sock="req", timeout=3000)
    assert unhex(got["messages"]) == [reply]


def test_zmqrepl_req_gets_nothing_from_silent_pyzmq_rep(ctx: Context, peer: Peer) -> None:
    """A REP that never answers: the zmqrepl REQ times out instead of hanging."""
    req = zsock(ctx, "req", timeout=300)
    endpoint = req.bind("tcp://127.0.0.1:*")
    peer.call("socket", name="rep", type="REP")
    peer.call("connect", sock="rep", endpoint=endpoint)
    req.send(b"anyone?")
    assert unhex(peer.call("recv", sock="rep", timeout=3000)["messages"]) == [[b"anyone?"]]
    with pytest.raises(Again):
        req.recv()
