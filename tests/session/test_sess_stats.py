"""stats NAME (stats.py, results_stats.py) and the messages queued before a watch
(queued.py): rates from the counters, a bounded sample of sizes and first frames, and a
drain at the watch's start that is marked and kept out of every rate."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import Callable

from tests.peers import Peer
from tests.support import executed, wait_for
from zmqrepl.session import (
    STATS_TOP,
    Bound,
    PollState,
    Session,
    SocketTable,
    StatsReport,
    message_line,
    size_range,
    topic_text,
)
from zmqrepl.session.stats import SAMPLE_PER_BATCH, SAMPLE_PER_SECOND, TOPIC_LIMIT, SocketStats

from .test_sess_tap import shown, tap


def _hex(text: str) -> str:
    return text.encode().hex()


def _received(session: Session, name: str) -> int:
    table = executed(session, "sockets", SocketTable)
    return next(i.received for i in table.sockets if i.name == name)


def _has(session: Session, name: str, count: int) -> bool:
    return _received(session, name) == count


def _pushing_peer(session: Session, start_peer: Callable[..., Peer]) -> Peer:
    """An ops peer whose PUSH socket p is connected to the session's PULL socket s."""
    executed(session, "socket s pull")
    endpoint = executed(session, "bind s tcp://127.0.0.1:*", Bound).endpoint
    peer = start_peer("ops")
    peer.call("socket", name="p", type="PUSH")
    peer.call("connect", sock="p", endpoint=endpoint)
    return peer


def test_messages_queued_before_the_watch_are_marked_and_kept_out_of_the_rates(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer = _pushing_peer(session, start_peer)
    peer.call("send_many", sock="p", messages=[[_hex(f"early-{i}")] for i in range(30)])
    # Nothing takes s's messages: they wait (in the session's inbox: heartbeats) until the watch.
    wait_for(lambda: "in" in executed(session, "poll s", PollState).ready["s"], what="s readable")
    assert _received(session, "s") == 0
    executed(session, "watch s")
    drained = _received(session, "s")  # taken in the watch's own step, before it returned
    assert 1 <= drained <= 30
    peer.call("send_many", sock="p", messages=[[_hex(f"late-{i}")] for i in range(10)])
    wait_for(lambda: _received(session, "s") == 40, what="all 40 received")

    def counted_in_rates() -> int:
        report = executed(session, "stats s", StatsReport)
        return round(sum(r.msgs_in * r.seconds for r in report.rates))

    # Every message after the drain is in some second's rate, and none of the drained ones.
    wait_for(lambda: counted_in_rates() == 40 - drained, 10, "the rates to count the later messages")
    assert counted_in_rates() == 40 - drained

    shown = wait_for(lambda: len(b := session.watch_buffer("s")) == 40 and b, what="40 shown")
    assert [m.queued for m in shown] == [True] * drained + [False] * (40 - drained)
    assert shown[0].frames == (b"early-0",)
    assert "queued ≤" in message_line(shown[0]) and "queued" not in message_line(shown[-1])


def test_a_socket_already_read_has_nothing_queued_at_its_watch(
    session: Session, start_peer: Callable[..., Peer], tmp_path: Path
) -> None:
    peer = _pushing_peer(session, start_peer)
    executed(session, f"record s {tmp_path / 'feed.jsonl'}")
    peer.call("send_many", sock="p", messages=[[_hex("read-by-record")]])
    wait_for(lambda: _received(session, "s") == 1, what="the recording read it")
    executed(session, "watch s")
    peer.call("send_many", sock="p", messages=[[_hex("after")]])
    shown = wait_for(lambda: session.watch_buffer("s"), what="a shown message")
    assert [(m.frames, m.queued) for m in shown] == [((b"after",), False)]


def test_stats_counts_sizes_and_topics_of_a_sample(session: Session, start_peer: Callable[..., Peer]) -> None:
    peer = _pushing_peer(session, start_peer)
    executed(session, "watch s")
    # One message at a time, each read on its own: every one is in the sample.
    for i in range(12):
        topic = "weather" if i % 3 else "prices"
        peer.call("send_many", sock="p", messages=[[_hex(topic), "00" * (100 if i % 2 else 3)]])
        wait_for(partial(_has, session, "s", i + 1), what=f"message {i + 1}")
    report = wait_for(
        lambda: (r := executed(session, "stats s", StatsReport)).sampled == 12 and r, what="12 sampled"
    )
    assert report.offered == 12 and report.received == 12
    assert report.key == "first frame"  # a PULL's first frame is the sender's own
    assert dict(report.topics) == {b"weather": 8, b"prices": 4} and report.others == 0
    # weather/prices + 3 bytes: 10 and 9 bytes; + 100 bytes: 107 and 106.
    assert dict(report.sizes) == {4: 6, 7: 6}
    assert [r[0] for r in report.size_rows()] == [size_range(4), size_range(7)] == ["8-16 B", "64-128 B"]
    text = "\n".join(report.lines)
    assert report.head.startswith("stats s (pull): 12 received") and "read by watch" in report.head
    assert "12 of the 12 messages shown (every one)" in text
    assert re.search(r"^weather +8 +67%$", text, re.M) and re.search(r"^prices +4 +33%$", text, re.M)
    assert report.value["topics"] == {b"weather": 8, b"prices": 4}


def test_stats_samples_a_flood_within_its_bounds(session: Session, start_peer: Callable[..., Peer]) -> None:
    peer = _pushing_peer(session, start_peer)
    executed(session, "set s rcvhwm 100000")
    executed(session, "watch s")
    n = 200_000
    sent = peer.call(
        "flood", sock="p", frames=[_hex("flood")], count=n, pad=32, timeout=5000, reply_within=60
    )
    assert sent == n
    wait_for(lambda: _received(session, "s") == n, 30, "the flood counted")
    report = executed(session, "stats s", StatsReport)
    assert report.received == n
    assert 0 < report.sampled < report.offered <= n
    seconds = sum(r.seconds for r in report.rates) + 2  # the flood's seconds, and parts at each end
    assert report.sampled <= SAMPLE_PER_SECOND * seconds
    assert "sampled)" in report.sample_note
    assert dict(report.topics) == {b"flood": report.sampled}
    assert dict(report.sizes) == {6: report.sampled}  # 5 + 32 bytes


def test_a_router_counts_per_peer_with_the_rest_as_others(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    executed(session, "socket r router")
    endpoint = executed(session, "bind r tcp://127.0.0.1:*", Bound).endpoint
    executed(session, "watch r")
    peers = []
    for i in range(STATS_TOP + 2):
        peer = start_peer("ops")
        peer.call("socket", name="d", type="DEALER", options=[["ROUTING_ID", f"peer-{i:02d}"]])
        peer.call("connect", sock="d", endpoint=endpoint)
        peers.append(peer)
    total = 0
    for i, peer in enumerate(peers):
        for _ in range(i + 1):  # peer-11 sends the most
            peer.call("send", sock="d", frames=[_hex("hi")])
            total += 1
            # One read each: a batch of more than SAMPLE_PER_BATCH would be sampled in part
            # (seen on PyPy, whose engine was slower than these sends).
            wait_for(partial(_has, session, "r", total), what=f"peer {i}'s message {total}")
    report = wait_for(
        lambda: (r := executed(session, "stats r", StatsReport)).sampled == r.received and r,
        what="all sampled",
    )
    assert report.key == "peer"
    assert [t for t, _ in report.topics][:2] == [b"peer-11", b"peer-10"]
    assert len(report.topics) == STATS_TOP
    assert report.others == 1 + 2  # peer-00 and peer-01, past the top ten
    rows = report.topic_rows()
    assert rows[-1][0] == "others" and rows[-1][1] == 3


def test_the_topic_table_stays_bounded() -> None:
    stats = SocketStats()
    stats.tick(1.0, 1.0, 0, 0, 0, 0)
    for i in range(10 * TOPIC_LIMIT):
        stats.tick(float(i + 2), 1.0, 0, 0, 0, 0)  # a new second: the sample's budget again
        stats.sample([[b"common"], [f"rare-{i}".encode()]])
    topics = stats.topics()
    assert len(topics) <= 2 * TOPIC_LIMIT
    assert topics[b"common"] == 10 * TOPIC_LIMIT  # the most seen is never pruned
    assert stats.others + sum(topics.values()) == stats.sampled == 20 * TOPIC_LIMIT
    batch = [[b"x"]] * 1000
    stats.sample(batch)
    assert stats.sampled == 20 * TOPIC_LIMIT + SAMPLE_PER_BATCH


def test_topic_text_keeps_both_ends_of_a_long_topic() -> None:
    assert topic_text(b"") == "(empty)" and topic_text(b"\xff\x00") == "0xff00"
    long = topic_text(b"kernel.f775c199-1b47-4d8a-b53a-0123456789ab.execute_result")
    assert long.startswith("kernel.") and long.endswith(".execute_result") and len(long) == 32


def test_a_watch_on_a_req_that_must_send_first_reads_nothing(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    rep = start_peer("rep")
    executed(session, "socket r req")
    executed(session, f"connect r {rep.endpoint}")
    executed(session, "watch r")  # a REQ that has sent nothing cannot receive: no drain, no error
    executed(session, "send r hello")
    shown = wait_for(lambda: session.watch_buffer("r"), what="the reply watched")
    assert [m.queued for m in shown] == [False]


def test_a_tap_counts_per_peer(session: Session, start_peer: Callable[..., Peer]) -> None:
    server = start_peer()
    server.call("socket", name="r", type="ROUTER")
    listen = tap(session, server.call("bind", sock="r", endpoint="tcp://127.0.0.1:*"))
    executed(session, "watch t")
    for ident, count in (("alice", 3), ("bob", 1)):
        client = start_peer()
        client.call("socket", name="d", type="DEALER", options=[["ROUTING_ID", ident]])
        client.call("connect", sock="d", endpoint=listen)
        for _ in range(count):
            client.send("d", b"hi")
    shown(session, "t", 4)
    report = executed(session, "stats t", StatsReport)
    assert report.kind == "tap reqrep" and report.key == "peer"
    assert dict(report.topics) == {b"alice 127.0.0.1": 3, b"bob 127.0.0.1": 1}
    assert report.sampled == 4
