"""PUSH/PULL between zmqrepl.core and pyzmq, both directions."""

from __future__ import annotations

import hashlib
from typing import Any

from zmqrepl.core import Context

from .zr_interop_support import Peer, h, unhex, zsock


def payloads(n: int = 500) -> list[bytes]:
    # varied sizes, empty frames included, binary content with NULs
    return [hashlib.sha256(b"%d" % i).digest() * (i % 7) + bytes([i % 256, 0]) * (i % 3) for i in range(n)]


def test_zmqrepl_push_to_pyzmq_pull(ctx: Context, peer: Peer, bind_endpoint: str) -> None:
    push = zsock(ctx, "push")
    endpoint = push.bind(bind_endpoint)
    peer.call("socket", name="pull", type="PULL")
    peer.call("connect", sock="pull", endpoint=endpoint)

    sent = payloads()
    assert b"" in sent
    for i, data in enumerate(sent):
        if i % 2:
            push.send(data)
        else:
            push.send(bytearray(data))  # any bytes-like object goes out as its bytes
    got = peer.call("recv", sock="pull", count=len(sent), timeout=5000)
    assert unhex(got["messages"]) == [[d] for d in sent]  # in order, byte for byte
    assert peer.call("recv", sock="pull", timeout=200)["messages"] == []  # and nothing more


def test_pyzmq_push_to_zmqrepl_pull(ctx: Context, peer: Peer, bind_endpoint: str) -> None:
    pull = zsock(ctx, "pull", timeout=5000)
    endpoint = pull.bind(bind_endpoint)
    peer.call("socket", name="push", type="PUSH")
    peer.call("connect", sock="push", endpoint=endpoint)

    sent = payloads()
    peer.call("send_many", sock="push", messages=[[h(d)] for d in sent])
    received: list[Any] = []  # a (frame, size) pair for a moment, then the frame
    for i in range(len(sent)):
        if i % 3 == 0:
            received.append(pull.recv())
        elif i % 3 == 1:
            received.append(pull.recv_multipart()[0])
        else:
            received.append(pull.recv(as_=lambda view, size: (bytes(view), size)))
            assert received[-1][1] == len(received[-1][0])
            received[-1] = received[-1][0]
        assert not pull.more
    assert received == sent
    assert pull.recv(nonblocking=True) is None


def test_pyzmq_push_multipart_to_zmqrepl_pull(ctx: Context, peer: Peer) -> None:
    pull = zsock(ctx, "pull")
    endpoint = pull.bind("tcp://127.0.0.1:*")
    peer.call("socket", name="push", type="PUSH")
    peer.call("connect", sock="push", endpoint=endpoint)

    message = [b"", b"a", b"", b"\x00" * 1000, b"z", b""]
    peer.call("send", sock="push", frames=[h(f) for f in message])
    peer.call("send", sock="push", frames=[h(f) for f in message])
    # frame by frame, with the more flag ...
    frames = []
    while True:
        frames.append(pull.recv())
        if not pull.more:
            break
    assert frames == message
    # ... and all at once
    assert pull.recv_multipart() == message
    assert pull.recv_multipart(nonblocking=True) is None


def test_zmqrepl_push_multipart_frame_by_frame_to_pyzmq(ctx: Context, peer: Peer) -> None:
    push = zsock(ctx, "push")
    endpoint = push.bind("tcp://127.0.0.1:*")
    peer.call("socket", name="pull", type="PULL")
    peer.call("connect", sock="pull", endpoint=endpoint)

    push.send(b"", more=True)
    push.send("h\u00e9", more=True)
    push.send(memoryview(b"xyz")[1:], more=True)
    push.send(b"")
    push.send_multipart([b""])
    got = peer.call("recv", sock="pull", count=2, timeout=5000)
    assert unhex(got["messages"]) == [[b"", "h\u00e9".encode(), b"yz", b""], [b""]]
    assert peer.call("recv", sock="pull", timeout=200)["messages"] == []


def test_pyzmq_push_many_small_frames_to_zmqrepl_pull(ctx: Context, peer: Peer, bind_endpoint: str) -> None:
    """Messages with far more frames than usual, most of them small, all arrive intact.

    Each message goes to a fresh PULL socket, so every receive starts from a
    socket that has never seen a message this long.
    """
    message = [b"%03d-small" % i for i in range(150)] + [b"", b"x" * 100, b""]
    peer.call("socket", name="push", type="PUSH")
    for trial in range(3):
        pull = zsock(ctx, "pull")
        endpoint = pull.bind(bind_endpoint if bind_endpoint.startswith("tcp") else f"{bind_endpoint}{trial}")
        peer.call("connect", sock="push", endpoint=endpoint)
        peer.call("send", sock="push", frames=[h(f) for f in message])
        received = pull.recv_multipart()
        assert len(received) == len(message)
        bad = [i for i, (got, want) in enumerate(zip(received, message)) if got != want]
        assert not bad, f"trial {trial}: frames {bad} corrupted, e.g. {received[bad[0]]!r}"
        peer.call("disconnect", sock="push", endpoint=endpoint)
        pull.close()
