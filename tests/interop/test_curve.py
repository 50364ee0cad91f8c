"""CURVE encryption between a pyzmq server and a zmqrepl.core client.

The pyzmq peer runs a ZAP handler that records the client key of every CURVE
handshake, so the tests see that CURVE really ran, with the client's key.
"""

from __future__ import annotations

import pytest

from zmqrepl.core import Again, Context, Socket, curve_keypair, curve_public, has, z85_decode

from .zr_interop_support import Peer, h, unhex, zsock


def start_curve_server(peer: Peer, key_source: str) -> tuple[str, bytes]:
    """A pyzmq CURVE REP server on tcp://127.0.0.1:*; returns (endpoint, server public key)."""
    if key_source == "zmqrepl":
        public, secret = curve_keypair()
        assert curve_public(secret) == public
    else:
        public_s, secret_s = peer.call("curve_keypair")
        public, secret = public_s.encode(), secret_s.encode()
    assert len(public) == 40 and len(secret) == 40
    peer.call("zap_start")
    peer.call(
        "socket",
        name="server",
        type="REP",
        options=[["CURVE_SERVER", 1], ["CURVE_SECRETKEY", secret.decode()], ["ZAP_DOMAIN", "interop"]],
    )
    endpoint = peer.call("bind", sock="server", endpoint="tcp://127.0.0.1:*")
    assert peer.call("get", sock="server", opt="MECHANISM") == 2  # ZMQ_CURVE
    return endpoint, public


def curve_client(
    ctx: Context, server_public: bytes, key_form: str = "z85", timeout: int = 5000
) -> tuple[Socket, bytes]:
    public, secret = curve_keypair()
    client = zsock(ctx, "req", timeout=timeout)
    if key_form == "raw":  # 32 binary bytes are accepted as well as 40 Z85 characters
        client.set("curve_serverkey", z85_decode(server_public))
        client.set("curve_publickey", z85_decode(public))
        client.set("curve_secretkey", z85_decode(secret))
    elif key_form == "str":
        client.set("curve_serverkey", server_public.decode())
        client.set("curve_publickey", public.decode())
        client.set("curve_secretkey", secret.decode())
    else:
        client.set("curve_serverkey", server_public)
        client.set("curve_publickey", public)
        client.set("curve_secretkey", secret)
    assert client.get("curve_publickey") == public
    return client, public


def test_curve_available() -> None:
    assert has("curve"), "this libzmq lacks CURVE; the interop suite requires it"


@pytest.mark.parametrize("key_source", ["zmqrepl", "pyzmq"])
@pytest.mark.parametrize("key_form", ["z85", "raw", "str"])
def test_curve_pyzmq_server_zmqrepl_client(ctx: Context, peer: Peer, key_source: str, key_form: str) -> None:
    endpoint, server_public = start_curve_server(peer, key_source)
    client, client_public = curve_client(ctx, server_public, key_form)
    client.connect(endpoint)

    for i in range(3):
        client.send_multipart([b"secret %d" % i, b""])
        got = peer.call("recv", sock="server", timeout=5000)
        assert unhex(got["messages"]) == [[b"secret %d" % i, b""]]
        peer.call("send", sock="server", frames=[h(b"sealed %d" % i)])
        assert client.recv() == b"sealed %d" % i

    log = peer.call("zap_log")
    assert len(log) == 1, log
    assert log[0]["mechanism"] == "CURVE"
    assert log[0]["domain"] == "interop"
    assert log[0]["credentials"] == [client_public.decode()]


@pytest.mark.parametrize("bad_client", ["wrong_server_key", "no_curve"])
def test_curve_client_without_right_server_key_gets_nothing(
    ctx: Context, peer: Peer, bad_client: str
) -> None:
    endpoint, server_public = start_curve_server(peer, "pyzmq")
    if bad_client == "wrong_server_key":
        other_public, _ = curve_keypair()
        client, _ = curve_client(ctx, other_public, timeout=1000)
    else:
        client = zsock(ctx, "req", timeout=1000)
    client.connect(endpoint)
    client.send(b"let me in")  # queued: REQ send does not wait for the handshake
    with pytest.raises(Again):
        client.recv()
    assert peer.call("recv", sock="server", timeout=200)["messages"] == []
    assert peer.call("zap_log") == []  # the handshake never got as far as authentication
    client.close()

    # the server itself is fine: a client with the right key gets through
    good, good_public = curve_client(ctx, server_public)
    good.connect(endpoint)
    good.send(b"right key")
    got = peer.call("recv", sock="server", timeout=5000)
    assert unhex(got["messages"]) == [[b"right key"]]
    peer.call("send", sock="server", frames=[h(b"welcome")])
    assert good.recv() == b"welcome"
    assert [e["credentials"] for e in peer.call("zap_log")] == [[good_public.decode()]]


def test_curve_zmqrepl_server_pyzmq_client(ctx: Context, peer: Peer) -> None:
    """The other way round: zmqrepl serves CURVE, pyzmq connects as client."""
    server_public, server_secret = curve_keypair()
    server = zsock(ctx, "rep", curve_server=True, curve_secretkey=server_secret)
    assert server.get("curve_server") is True
    endpoint = server.bind("tcp://127.0.0.1:*")
    client_public, client_secret = peer.call("curve_keypair")
    peer.call(
        "socket",
        name="client",
        type="REQ",
        options=[
            ["CURVE_SERVERKEY", server_public.decode()],
            ["CURVE_PUBLICKEY", client_public],
            ["CURVE_SECRETKEY", client_secret],
        ],
    )
    peer.call("connect", sock="client", endpoint=endpoint)
    peer.call("send", sock="client", frames=[h(b"hi from pyzmq")])
    assert server.recv() == b"hi from pyzmq"
    server.send(b"hi from zmqrepl")
    got = peer.call("recv", sock="client", timeout=5000)
    assert unhex(got["messages"]) == [[b"hi from zmqrepl"]]
