"""PUB/SUB with topic filters between zmqrepl.core and pyzmq, both directions.

The slow joiner is handled by a handshake: the publisher repeats a probe on
every subscribed topic (and on an unsubscribed one) until the subscriber has
seen a probe on each subscribed topic; only then is the real sequence sent.
"""

from __future__ import annotations

import time

from zmqrepl.core import Again, Context

from .zr_interop_support import Peer, h, hb, unhex, zsock

SUBSCRIBED = [b"news", b"weather."]
PROBES = [[b"news.probe", b"probe"], [b"weather.probe", b"probe"], [b"sports.probe", b"probe"]]
END = [b"news.end", b"end"]


def sequence() -> list[list[bytes]]:
    msgs = []
    for i in range(30):
        topic = [b"news.world", b"weather.nyc", b"sports.golf", b"new", b"weather", b"newsflash"][i % 6]
        msgs.append([topic, f"item {i}".encode(), b""])
    msgs.append([b"", b"empty topic: only an empty subscription takes it"])
    msgs.append(END)
    return msgs


def wanted(msgs: list[list[bytes]]) -> list[list[bytes]]:
    return [m for m in msgs if any(m[0].startswith(t) for t in SUBSCRIBED)]


def test_zmqrepl_pub_to_pyzmq_sub(ctx: Context, peer: Peer, bind_endpoint: str) -> None:
    pub = zsock(ctx, "pub")
    endpoint = pub.bind(bind_endpoint)
    peer.call("socket", name="sub", type="SUB", options=[["SUBSCRIBE", hb(t)] for t in SUBSCRIBED])
    peer.call("connect", sock="sub", endpoint=endpoint)

    seen: set[bytes] = set()
    deadline = time.monotonic() + 10
    while seen != {b"news.probe", b"weather.probe"}:
        assert time.monotonic() < deadline, f"subscriber never joined; saw probes {seen}"
        for probe in PROBES:
            pub.send_multipart(probe)
        for msg in unhex(peer.call("recv", sock="sub", count=10, timeout=50)["messages"]):
            assert msg[0] != b"sports.probe", "an unsubscribed topic arrived"
            seen.add(msg[0])

    msgs = sequence()
    for msg in msgs:
        pub.send_multipart(msg)
    got = peer.call("recv_until", sock="sub", last=[h(f) for f in END], timeout=5000)
    assert not got["timed_out"], f"end marker never arrived; got {got['messages']}"
    received = [m for m in unhex(got["messages"]) if m[1:] != [b"probe"]]
    assert received == wanted(msgs)
    assert not any(m[0].startswith(b"sports") for m in received)
    assert len(received) == 16  # 15 of the 30 items, and the end marker


def test_pyzmq_pub_to_zmqrepl_sub(ctx: Context, peer: Peer, bind_endpoint: str) -> None:
    sub = zsock(ctx, "sub", timeout=50)
    for topic in SUBSCRIBED:
        sub.set("subscribe", topic)
    endpoint = sub.bind(bind_endpoint)  # the SUB binds, the PUB connects: also legal
    peer.call("socket", name="pub", type="PUB")
    peer.call("connect", sock="pub", endpoint=endpoint)

    seen: set[bytes] = set()
    deadline = time.monotonic() + 10
    while seen != {b"news.probe", b"weather.probe"}:
        assert time.monotonic() < deadline, f"subscriber never joined; saw probes {seen}"
        peer.call("send_many", sock="pub", messages=[[h(f) for f in p] for p in PROBES])
        while True:
            try:
                msg = sub.recv_multipart()
            except Again:
                break
            assert msg[0] != b"sports.probe", "an unsubscribed topic arrived"
            seen.add(msg[0])

    msgs = sequence()
    peer.call("send_many", sock="pub", messages=[[h(f) for f in m] for m in msgs])
    sub.set("rcvtimeo", 5000)
    received = []
    while True:
        msg = sub.recv_multipart()
        if msg[1:] == [b"probe"]:
            continue
        received.append(msg)
        if msg == END:
            break
    assert received == wanted(msgs)
    assert len(received) == 16
    sub.set("rcvtimeo", 100)
    assert sub.recv(nonblocking=True) is None  # nothing after the end marker


def test_zmqrepl_sub_unsubscribe_stops_topic(ctx: Context, peer: Peer) -> None:
    """After unsubscribe("news"), news stops arriving from a pyzmq PUB; weather goes on."""
    sub = zsock(ctx, "sub", timeout=100)
    sub.set("subscribe", b"news")
    sub.set("subscribe", "weather")  # str subscriptions are UTF-8
    endpoint = sub.bind("tcp://127.0.0.1:*")
    peer.call("socket", name="pub", type="PUB")
    peer.call("connect", sock="pub", endpoint=endpoint)

    def round_trip(i: int) -> list[bytes]:
        peer.call("send_many", sock="pub", messages=[[h(b"news %d" % i)], [h(b"weather %d" % i)]])
        topics = []
        while True:
            try:
                topics.append(sub.recv().split()[0])
            except Again:
                return topics

    deadline = time.monotonic() + 10
    i = 0
    while round_trip(i) != [b"news", b"weather"]:
        assert time.monotonic() < deadline, "subscriber never joined"
        i += 1

    sub.set("unsubscribe", b"news")
    while (topics := round_trip(i)) != [b"weather"]:
        assert time.monotonic() < deadline, f"news kept coming after unsubscribe: {topics}"
        assert b"weather" in topics
        i += 1
    for j in range(3):  # once dropped, it stays dropped
        assert round_trip(i + 1 + j) == [b"weather"]
