"""A 50 MB message each way between zmqrepl.core and pyzmq, checked by SHA-256."""

from __future__ import annotations

import hashlib
import os

from zmqrepl.core import Context

from .zr_interop_support import Peer, h, zsock

SIZE = 50 * 1024 * 1024


def test_50mb_zmqrepl_to_pyzmq(ctx: Context, peer: Peer) -> None:
    push = zsock(ctx, "push", timeout=10000)
    endpoint = push.bind("tcp://127.0.0.1:*")
    peer.call("socket", name="pull", type="PULL")
    peer.call("connect", sock="pull", endpoint=endpoint)

    data = os.urandom(SIZE)
    push.send(data)
    got = peer.call("recv_digest", sock="pull", timeout=15000)
    assert not got["timed_out"]
    assert got["frames"] == [[SIZE, hashlib.sha256(data).hexdigest()]]


def test_50mb_pyzmq_to_zmqrepl(ctx: Context, peer: Peer) -> None:
    pull = zsock(ctx, "pull", timeout=15000)
    endpoint = pull.bind("tcp://127.0.0.1:*")
    peer.call("socket", name="push", type="PUSH")
    peer.call("connect", sock="push", endpoint=endpoint)

    sent = peer.call("send_random", sock="push", size=SIZE)
    # hash the frame in place through the zero-copy view
    digest = pull.recv(as_=lambda view, size: (size, hashlib.sha256(view).hexdigest()))
    assert digest == (SIZE, sent["sha256"])
    assert not pull.more


def test_50mb_multipart_with_empty_frames_both_ways(ctx: Context, peer: Peer) -> None:
    pair = zsock(ctx, "pair", timeout=15000)
    endpoint = pair.bind("tcp://127.0.0.1:*")
    peer.call("socket", name="pair", type="PAIR")
    peer.call("connect", sock="pair", endpoint=endpoint)

    big = os.urandom(SIZE)
    pair.send_multipart([b"", big, b""])
    got = peer.call("recv_digest", sock="pair", timeout=15000)
    empty = hashlib.sha256(b"").hexdigest()
    assert got["frames"] == [[0, empty], [SIZE, hashlib.sha256(big).hexdigest()], [0, empty]]

    sent = peer.call("send_random", sock="pair", size=SIZE)
    received = pair.recv_multipart()
    assert len(received) == 1
    assert len(received[0]) == SIZE
    assert hashlib.sha256(received[0]).hexdigest() == sent["sha256"]
    # the pair still works for small messages afterwards
    peer.call("send", sock="pair", frames=[h(b""), h(b"done")])
    assert pair.recv_multipart() == [b"", b"done"]
