"""What a watched socket shows under a flood (showing.py) and how recordings are written
(records.py): the engine-side pieces of issue 13's ingest, checked on their own."""

from __future__ import annotations

import base64
import json
import threading
import time
from pathlib import Path
from typing import Callable

from tests.peers import Peer
from tests.support import executed, wait_for
from zmqrepl.session import Bound, Message, Session, SessionEvent, SocketInfo
from zmqrepl.session.records import iter_records, record_line, record_lines
from zmqrepl.session.showing import SHOW_INTERVAL_S, SHOW_MAX_BYTES, Chunk, Showing


def numbered(start: int, stop: int) -> list[list[bytes]]:
    return [[str(i).encode()] for i in range(start, stop)]


def waiting(chunks: list[Chunk]) -> list[tuple[float, list[bytes], tuple[str, str]]]:
    return [w for chunk in chunks for w in chunk.waiting()]


def test_showing_keeps_the_newest_and_counts_every_other_one() -> None:
    showing = Showing(keep=5)
    passed = 0
    for seq, start in enumerate(range(0, 1000, 100)):
        passed += showing.add(seq, float(start), numbered(start, start + 100))
    assert len(showing) == 100  # the newest batch whole: dropping whole batches costs no per-message work
    chunks, more = showing.take()
    assert [frames for _, frames, _ in waiting(chunks)] == numbered(995, 1000)
    assert [c.seq for c in chunks] == [9]
    assert {at for at, _, _ in waiting(chunks)} == {900.0}  # the time their batch was read
    assert passed + more + len(waiting(chunks)) == 1000  # shown or counted, each exactly once
    assert len(showing) == 0 and showing.take() == ([], 0)


def test_showing_takes_across_batches_in_order_with_labels() -> None:
    showing = Showing(keep=4)
    assert showing.add(1, 1.0, numbered(0, 3), [("c→s", "a")] * 3) == 0
    assert showing.add(2, 2.0, numbered(3, 5)) == 0
    chunks, passed = showing.take()
    assert passed == 1
    assert waiting(chunks) == [
        (1.0, [b"1"], ("c→s", "a")),
        (1.0, [b"2"], ("c→s", "a")),
        (2.0, [b"3"], ("", "")),
        (2.0, [b"4"], ("", "")),
    ]
    showing.add(3, 3.0, numbered(0, 2))
    assert showing.clear() == 2 and len(showing) == 0


def test_showing_holds_at_most_its_bytes_of_big_messages_and_counts_the_rest() -> None:
    big = 300
    showing = Showing(keep=200, max_bytes=1000)
    passed = 0
    for seq in range(5):  # 5 batches of 10 messages of 300 bytes: 15,000 bytes in all
        batch = [[bytes([seq]) * (big - 1), bytes([i])] for i in range(10)]
        passed += showing.add(seq, float(seq), batch, nbytes=10 * big)
        assert showing.held_bytes <= 1000 and len(showing) == 3  # 3 fit in 1000 bytes
    chunks, more = showing.take()
    assert [(frames[0][:1], frames[1]) for _, frames, _ in waiting(chunks)] == [
        (b"\x04", bytes([i])) for i in (7, 8, 9)
    ]
    assert passed + more + 3 == 50
    # The newest message is kept whatever its size; the one before it no longer fits.
    assert showing.add(9, 9.0, [[b"a" * 900], [b"b" * 2000]]) == 1
    assert [frames for _, frames, _ in waiting(showing.take()[0])] == [[b"b" * 2000]]


def test_showing_counts_a_filtered_batch_exactly_once_over_its_bound() -> None:
    """A filtered batch comes with its whole batch's bytes as a bound: only when that bound
    is over the cap are the messages counted, and then what fits is kept."""
    showing = Showing(keep=200, max_bytes=1000)
    kept = [[b"x" * 100] for _ in range(4)]  # 400 bytes passed the filter of a 5000-byte batch
    assert showing.add(1, 1.0, kept, nbytes=5000) == 0
    assert showing.held_bytes == 400 and len(showing) == 4
    assert showing.add(2, 2.0, [[b"y" * 500]], nbytes=500) == 0
    assert showing.held_bytes == 900 and len(showing) == 5


def _as_json_dumps(t: float, socket: str, frames: list[bytes], direction: str = "", peer: str = "") -> str:
    """The record line as json.dumps of the dict gives it: what record_lines must match."""
    obj: dict[str, object] = {"t": round(t, 6), "socket": socket}
    if direction:
        obj["direction"] = direction
    if peer:
        obj["peer"] = peer
    out = []
    for f in frames:
        try:
            out.append({"text": f.decode("utf-8")})
        except UnicodeDecodeError:
            out.append({"b64": base64.b64encode(f).decode("ascii")})
    obj["frames"] = out
    return json.dumps(obj, ensure_ascii=False) + "\n"


def test_record_lines_are_json_dumps_byte_for_byte_and_read_back(tmp_path: Path) -> None:
    messages = [
        [b"hello"],
        [b"", b"\xff\x00", 'é\u2028"\\\n\x00\t'.encode()],
        [b"\xed\xa0\x80"],  # a UTF-16 surrogate in UTF-8: not valid UTF-8, so base64
        ["\U0001f600 ok".encode(), b"x" * 300],
    ]
    lines: list[str] = []
    for direction, peer in (("", ""), ("client->server", 'c1 "x" 127.0.0.1')):
        lines += list(record_lines(1796195414.7786667, 's"q', messages, direction, peer))
        expected = [_as_json_dumps(1796195414.7786667, 's"q', m, direction, peer) for m in messages]
        assert lines[-len(messages) :] == expected
        assert [record_line(1796195414.7786667, 's"q', m, direction, peer) for m in messages] == expected
    path = tmp_path / "r.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    assert [frames for _, frames in iter_records(str(path))] == messages * 2


# -- against pyzmq peers in other processes -------------------------------------------------


def _info(session: Session, name: str) -> SocketInfo:
    return next(i for i in session.sockets() if i.name == name)


def _messages(events: list[SessionEvent]) -> list[Message]:
    return [e for e in events if isinstance(e, Message)]


def test_numbers_follow_arrival_across_two_watched_sockets(start_peer: Callable[..., Peer]) -> None:
    """Two publishers at once, each watched: the numbers go up in the order the messages are
    shown, that order is the order they were read (by time), and each socket's stay in its
    own order."""
    n = 1500
    session = Session(linger=0, event_capacity=4 * n)
    try:
        peers = {name: start_peer("pub", "--count", str(n), "--interval", "0.0005") for name in "ab"}
        for name, peer in peers.items():
            session.run(f"socket {name} sub; set {name} rcvhwm 0; connect {name} {peer.endpoint}")
        session.run("watch a b; subscribe a; subscribe b")  # each publisher starts when subscribed

        def ended(name: str) -> Callable[[], bool]:
            return lambda: [m.frames for m in session.watch_buffer(name)[-1:]] == [(b"t", b"end")]

        for name, peer in peers.items():
            peer.expect("DONE", timeout=30)
            peer.publish(b"t", b"end")
            wait_for(ended(name), 20, f"the end of {name} shown")
        session.execute("get a type")  # an engine round trip: the take that showed them is over
        batch = session.events.take()
        msgs = _messages(batch.events)
        numbers = [m.number for m in msgs]
        assert numbers == list(range(numbers[0], numbers[0] + len(msgs)))
        times = [m.time for m in msgs]
        assert times == sorted(times)  # read times: the order of arrival across sockets
        switches = sum(1 for x, y in zip(msgs, msgs[1:]) if x.socket != y.socket)
        assert switches >= 2, "the two streams did not overlap"
        for name in "ab":
            mine = [m.frames[1] for m in msgs if m.socket == name]
            assert mine[-1] == b"end"
            seqs = [int(f[4:]) for f in mine[:-1]]
            assert seqs == sorted(set(seqs))
            assert len(mine) + batch.dropped.get(name, 0) == n + 1
    finally:
        session.close()


def _flooded(session: Session, start_peer: Callable[..., Peer], name: str, *commands: str) -> Peer:
    """Socket ``name`` on a pyzmq publisher of 300,000 messages, with ``commands`` given before
    it subscribes; returns once 20,000 are read (the publisher is still sending)."""
    peer = start_peer("pub", "--count", "300000")
    session.run(f"socket {name} sub; connect {name} {peer.endpoint}")
    for line in commands:
        session.execute(line)
    session.execute(f"subscribe {name}")
    wait_for(lambda: _info(session, name).received >= 20_000, 30, f"20,000 messages on {name}")
    return peer


def test_unwatch_and_close_count_what_waited_to_be_shown(
    start_peer: Callable[..., Peer], tmp_path: Path
) -> None:
    """Each message read while watched is shown or counted as not shown ("+N more"), those
    still waiting when the watch stops or the socket closes too."""
    session = Session(linger=0, event_capacity=300)
    try:
        _flooded(session, start_peer, "s", "watch s")
        session.execute("unwatch s")
        received = _info(session, "s").received  # final: nothing reads s any more
        batch = session.events.take()
        assert len(_messages(batch.events)) + batch.dropped.get("s", 0) == received
        assert _info(session, "s").received == received

        path = tmp_path / "c.jsonl"
        _flooded(session, start_peer, "c", f"record c {path}", "watch c")
        session.execute("close c")  # the recording holds every message c read
        written = len(path.read_text(encoding="utf-8").splitlines())
        batch = session.events.take()
        shown = [m for m in _messages(batch.events) if m.socket == "c"]
        assert written >= 20_000
        assert len(shown) + batch.dropped.get("c", 0) == written
    finally:
        session.close()


def test_watch_with_a_new_filter_shows_nothing_the_old_one_let_through(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    low, high = "\"frames[1][-1:] < b'5'\"", "\"frames[1][-1:] >= b'5'\""
    _flooded(session, start_peer, "s", f"watch s --where {low}")
    session.execute(f"watch s --where {high}")
    session.events.take()  # what was shown before the new watch (and perhaps some since)
    mark = session.captured.state()[1]  # the newest number given so far

    def shown_since() -> bool:
        newest = session.watch_buffer("s")[-1:]
        return bool(newest) and newest[0].number > mark

    wait_for(shown_since, 30, "a message shown after the new watch")
    session.execute("unwatch s")
    since = _messages(session.events.take().events)
    assert since and all(m.frames[1][-1:] >= b"5" for m in since), [m.frames for m in since[:5]]


def test_a_flood_of_large_messages_holds_a_bounded_number_of_bytes(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    """300 messages of 256 KiB (75 MiB) against the pull socket: what waits for display stays
    within SHOW_MAX_BYTES (and the newest message) whenever the engine is asked, while every
    message is shown or counted."""
    count, pad = 300, 256 * 1024
    session.run("socket q pull")
    endpoint = executed(session, "bind q tcp://127.0.0.1:*", Bound).endpoint
    session.execute("watch q")
    pusher = start_peer()
    pusher.call("socket", name="p", type="PUSH")
    pusher.call("connect", sock="p", endpoint=endpoint)
    held: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            held.append(session.engine.call(lambda: session.entry("q").showing.held_bytes))

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        assert pusher.call("flood", sock="p", frames=["62"], count=count, pad=pad, timeout=10000) == count
        pusher.send("p", b"end")
        wait_for(lambda: [m.frames for m in session.watch_buffer("q")[-1:]] == [(b"end",)], 30, "end shown")
    finally:
        done.set()
        sampler.join(timeout=10)
    assert held and max(held) <= SHOW_MAX_BYTES + pad + 1, max(held)
    session.execute("get q type")  # an engine round trip: the take that showed the end is over
    batch = session.events.take()
    msgs = _messages(batch.events)
    assert len(msgs) + batch.dropped.get("q", 0) == count + 1
    assert msgs[-2].sizes == (1, pad) and msgs[-1].frames == (b"end",)
    assert all(sum(m.sizes) == pad + 1 for m in msgs[:-1])


def test_show_keep_bounds_the_display_objects_made_each_interval(start_peer: Callable[..., Peer]) -> None:
    """A front end that shows 10 messages per 100 ms says so (show_keep=10): under a flood
    the session makes at most that many display objects per interval, numbered without
    gaps, and every message read is still made or counted as not shown."""
    keep = 10
    session = Session(linger=0, show_keep=keep, event_capacity=100_000)
    try:
        started = time.monotonic()
        _flooded(session, start_peer, "s", "watch s")
        time.sleep(0.5)  # more intervals of the flood
        session.execute("unwatch s")
        elapsed = time.monotonic() - started
        received = _info(session, "s").received
        batch = session.events.take()
        msgs = _messages(batch.events)
        numbers = [m.number for m in msgs]
        assert numbers == list(range(1, len(msgs) + 1))
        # One take at once, then at most one every SHOW_INTERVAL_S (and the one at unwatch
        # counts what waited, making none).
        assert 0 < len(msgs) <= keep * (elapsed / SHOW_INTERVAL_S + 2), (len(msgs), elapsed)
        assert len(msgs) + batch.dropped.get("s", 0) == received
        assert session.captured.state()[1] == len(msgs)  # history holds only what was made
    finally:
        session.close()
