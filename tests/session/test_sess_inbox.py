"""A socket with heartbeats is read by the session as messages come (session/inbox.py):
what nobody reads waits in order, bounded, with the time it came; the rest is dropped and
counted. Without heartbeats libzmq's queue holds them and the sender waits."""

from __future__ import annotations

import time
from typing import Callable, Sequence

from tests.peers import Peer
from tests.support import executed, wait_for
from zmqrepl.session import Message, Notice, PollState, Received, Session
from zmqrepl.session.inbox import Inbox


def flags(session: Session, name: str) -> str:
    return next(s.flags for s in session.sockets() if s.name == name)


def pull_fed_by(session: Session, start_peer: Callable[..., Peer], setup: str, n: int) -> Peer:
    """``q``, a PULL (after ``setup``), bound; a PUSH peer that sends it m0 ... m<n-1>."""
    session.run(f"socket q pull; {setup}" if setup else "socket q pull")
    pusher = start_peer()
    pusher.call("socket", name="p", type="PUSH")
    pusher.call("connect", sock="p", endpoint=executed(session, "bind q tcp://127.0.0.1:*").value)
    pusher.call("send_many", sock="p", messages=[[f"m{i}".encode().hex()] for i in range(n)])
    return pusher


def texts(messages: Sequence[list[bytes]]) -> list[str]:
    return [b"".join(m).decode() for m in messages]


def test_an_unread_socket_keeps_its_rcvhwm_in_order_and_counts_the_rest(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    pull_fed_by(session, start_peer, "set q rcvhwm 100", 300)
    wait_for(lambda: flags(session, "q") == "queued 100,dropped 200", 10, "the inbox full")
    assert session.sockets()[0].received == 0  # received: what a recv, watch or record took
    assert executed(session, "poll q", PollState).ready["q"] == ["in"]  # libzmq's is empty
    notices = [e.text for e in session.events.take().events if isinstance(e, Notice)]
    assert len(notices) == 1 and notices[0].startswith(
        "q: 100 messages wait unread; what comes now is dropped"
    )
    got = executed(session, "recv q --count 100 --timeout 5000", Received)
    assert texts(got.messages) == [f"m{i}" for i in range(100)]
    assert flags(session, "q") == "dropped 200" and session.sockets()[0].received == 100


def test_the_defaults_keep_what_a_sender_queued_before_the_recv(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    # More than libzmq's default rcvhwm (1,000): the inbox holds up to 100,000 unless set.
    pull_fed_by(session, start_peer, "", 3000)
    wait_for(lambda: flags(session, "q") == "queued 3000", 10, "all of them queued")
    got = executed(session, "recv q --count 3000 --timeout 5000", Received)
    assert texts(got.messages) == [f"m{i}" for i in range(3000)]


def test_a_recv_takes_the_oldest_and_a_watch_the_rest_stamped_when_they_came(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    pusher = pull_fed_by(session, start_peer, "", 10)
    wait_for(lambda: flags(session, "q") == "queued 10", 10, "ten queued")
    came = time.time()
    time.sleep(1.0)  # the condition under test: they wait a second unread
    assert texts(executed(session, "recv q --count 3", Received).messages) == ["m0", "m1", "m2"]
    session.events.take()
    session.execute("watch q")
    shown: list[Message] = []

    def seen(n: int) -> bool:
        shown.extend(e for e in session.events.take().events if isinstance(e, Message))
        return len(shown) >= n

    wait_for(lambda: seen(7), 10, "the seven left")
    assert [b"".join(m.frames).decode() for m in shown] == [f"m{i}" for i in range(3, 10)]
    assert all(m.time <= came + 0.5 for m in shown)  # when they came, not when watch began
    pusher.send("p", b"later")
    wait_for(lambda: seen(8), 10, "a live one")
    assert shown[-1].frames == (b"later",)
    assert shown[-1].time > came + 0.9
    assert flags(session, "q") == "watch" and session.sockets()[0].received == 11


def test_heartbeat_ivl_0_before_bind_keeps_libzmq_queue_and_its_backpressure(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    pull_fed_by(session, start_peer, "set q heartbeat_ivl 0; set q rcvhwm 100", 300)
    # Nothing is read until asked: the sender's own queue held what libzmq's could not.
    got = executed(session, "recv q --count 300 --timeout 5000", Received)
    assert texts(got.messages) == [f"m{i}" for i in range(300)]
    assert flags(session, "q") == "-"


def test_the_inbox_is_bounded_by_bytes_too() -> None:
    inbox = Inbox(max_bytes=100)
    assert inbox.add(1.0, [[b"x" * 40], [b"y" * 40], [b"z" * 40]], 120, capacity=0) == 1
    assert (len(inbox), inbox.nbytes, inbox.dropped) == (2, 80, 1)
    assert inbox.take_one() == [b"x" * 40]
    assert inbox.add(2.0, [[b"w" * 60]], 60, capacity=0) == 0  # room again: 40 + 60
    chunks = inbox.take_all()
    assert [(c.at, c.messages) for c in chunks] == [(1.0, [[b"y" * 40]]), (2.0, [[b"w" * 60]])]
    assert (len(inbox), inbox.nbytes) == (0, 0)


def test_room_bytes_bounds_an_inbox_below_its_own_bytes() -> None:
    inbox = Inbox(max_bytes=1000)
    assert inbox.add(1.0, [[b"x" * 40]] * 3, 120, capacity=0, room_bytes=100) == 1
    assert (len(inbox), inbox.nbytes) == (2, 80)
    assert inbox.add(2.0, [[b"y" * 40]], 40, capacity=0, room_bytes=0) == 1  # none left
    assert inbox.add(3.0, [[b"z" * 40]], 40, capacity=0, room_bytes=-5) == 1  # others took more
    assert inbox.add(4.0, [[b"w" * 40]] * 2, 80, capacity=0, room_bytes=10_000) == 0  # own bound: 1000
    assert (len(inbox), inbox.nbytes, inbox.dropped) == (4, 160, 3)


def test_the_inboxes_of_a_session_are_bounded_together(start_peer: Callable[..., Peer]) -> None:
    """Three unread sockets (heartbeats: the session reads them into their inboxes), each sent
    100 messages of 64 KiB (6.4 MiB): with 8 MiB for the session, what all three hold stays
    within it, the rest is dropped and counted, each socket says so once, and reading one
    makes room for the others again."""
    pad, count, cap = 64 * 1024, 100, 8 * 1024 * 1024
    session = Session(linger=0, inbox_bytes=cap)
    try:
        pushers = {}
        for name in "abc":
            session.run(f"socket {name} pull")
            endpoint = executed(session, f"bind {name} tcp://127.0.0.1:*").value
            pushers[name] = start_peer()
            pushers[name].call("socket", name="p", type="PUSH")
            pushers[name].call("connect", sock="p", endpoint=endpoint)
        for peer in pushers.values():
            assert peer.call("flood", sock="p", frames=["6d"], count=count, pad=pad, timeout=10000) == count

        def held_and_dropped() -> list[tuple[int, int]]:
            def read() -> list[tuple[int, int]]:
                return [(len(session.entry(n).inbox), session.entry(n).inbox.dropped) for n in "abc"]

            return session.engine.call(read)

        wait_for(
            lambda: all(k + d == count for k, d in held_and_dropped()), 20, "every message kept or dropped"
        )
        held = session.engine.call(lambda: sum(session.entry(n).inbox.nbytes for n in "abc"))
        assert held <= cap and held > cap - 3 * (pad + 1), held  # filled, as far as whole messages go
        assert sum(d for _, d in held_and_dropped()) > 0
        notices = [e.text for e in session.events.take().events if isinstance(e, Notice)]
        bound = [t for t in notices if "fill the 8 MiB the session keeps for them" in t]
        assert bound and len(bound) == len({t.split(":")[0] for t in bound}), notices  # once a socket
        got = executed(session, f"recv a --count {held_and_dropped()[0][0]} --timeout 5000", Received)
        assert got.messages and all(len(m[1]) == pad for m in got.messages)
        # Room again: b's next messages are kept.
        before = held_and_dropped()[1][0]
        assert pushers["b"].call("flood", sock="p", frames=["6d"], count=3, pad=pad, timeout=10000) == 3
        wait_for(lambda: held_and_dropped()[1][0] == before + 3, 10, "b keeps what comes now")
    finally:
        session.close()
