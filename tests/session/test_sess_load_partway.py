"""Load that ends partway, against pyzmq peers in other processes: a burst that fails says
how many went, and the peer got exactly those; a ping whose server is killed ends with the
figures so far and one line of reason, without waiting for its timeout."""

from __future__ import annotations

import re
import time
from typing import Callable

import pytest

from tests.peers import Peer
from tests.support import executed
from zmqrepl.session import CommandError, PingReport, Progress, Session


def error_of(session: Session, line: str) -> str:
    with pytest.raises(CommandError) as exc:
        session.execute(line)
    return exc.value.line


def sent_of(pattern: str, text: str) -> int:
    """The k of "sent k of N" (or "after k of N") in ``text``, which must match ``pattern``."""
    found = re.match(pattern, text)
    assert found is not None, text
    return int(found.group(1).replace(",", ""))


def numbered(prefix: str, n: int) -> list[list[str]]:
    """Messages [prefix-0] ... [prefix-(n-1)] as the peer reports them (hex frames)."""
    return [[f"{prefix}-{i}".encode().hex()] for i in range(n)]


def test_a_burst_that_stalls_partway_sent_what_the_peer_gets(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    # The PULL reads nothing until the burst has failed, and every queue on the way is
    # small (HWMs of 100, kernel buffers of 4 KiB): the burst stalls after a few thousand.
    peer = start_peer()
    peer.call("socket", name="q", type="PULL", options=[["RCVHWM", 100], ["RCVBUF", 4096]])
    endpoint = peer.call("bind", sock="q", endpoint="tcp://127.0.0.1:*")
    session.run(f"socket p push; set p sndhwm 100; set p sndbuf 4096; connect p {endpoint}")
    text = error_of(session, "send p m-%n --count 1000000")
    k = sent_of(r"p sent ([\d,]+) of 1,000,000 messages: no peer took one for 2000 ms \(hint: ", text)
    assert 0 < k < 1000000
    assert session.sockets()[0].sent == k
    # Every message counted as sent arrives, in order, and none beyond them.
    got = peer.call("recv", sock="q", count=k + 1, timeout=3000)["messages"]
    assert len(got) == k and got == numbered("m", k)


def test_a_burst_whose_socket_is_closed_midway_sent_what_the_peer_gets(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer = start_peer()
    peer.call("socket", name="q", type="PULL", options=[["RCVHWM", 0]])
    endpoint = peer.call("bind", sock="q", endpoint="tcp://127.0.0.1:*")
    # A linger, so that what the burst queued before the close still goes out after it.
    session.run(f"socket p push; set p linger 10000; connect p {endpoint}")
    closed: list[int] = []

    def close(progress: Progress) -> None:
        if not closed:  # the first report comes from the command's thread, between steps
            closed.append(progress.done)
            session.execute("close p")

    session.progress = close
    text = error_of(session, "send p m-%n --count 100000 --rate 2000")
    k = sent_of(r"p was closed after ([\d,]+) of 100,000 messages \(hint: make it again\)", text)
    assert closed and closed[0] <= k < 100000
    got = peer.call("recv", sock="q", count=k + 1, timeout=3000)["messages"]
    assert len(got) == k and got == numbered("m", k)


def test_a_router_burst_to_a_peer_that_goes_away_stops_there(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    # ROUTER_MANDATORY: once its only peer has gone, a message to it fails at once
    # (EHOSTUNREACH) instead of being dropped, so the burst ends with the count so far.
    peer = start_peer()
    peer.call("socket", name="d", type="DEALER", options=[["ROUTING_ID", "w"], ["RCVHWM", 0]])
    session.run("socket p router; set p router_mandatory 1")
    endpoint = executed(session, "bind p tcp://127.0.0.1:*").value
    peer.call("connect", sock="d", endpoint=endpoint, send=[b"hello".hex()])
    assert executed(session, "recv p --timeout 5000").value == [b"w", b"hello"]  # the route is there
    gone: list[int] = []

    def leave(progress: Progress) -> None:
        if not gone:
            # Everything sent so far is read first; then the peer closes.
            got = peer.call("recv", sock="d", count=progress.done, timeout=5000)["messages"]
            gone.append(len(got))
            peer.call("close", sock="d")

    session.progress = leave
    text = error_of(session, "send p w m-%n --count 100000 --rate 1000")
    k = sent_of(
        r"p sent ([\d,]+) of 100,000 messages: no connected peer has that routing id "
        r"\(hint: the first frame must be a connected peer's routing id\)$",
        text,
    )
    assert gone and gone[0] <= k < 100000
    assert session.sockets()[0].sent == k  # counted as they went, no more


@pytest.mark.parametrize("kind", ["req", "dealer"])
def test_a_server_killed_mid_ping_ends_it_with_the_figures_so_far(
    kind: str, session: Session, start_peer: Callable[..., Peer]
) -> None:
    rep = start_peer("rep")
    session.run(f"socket r {kind}; connect r {rep.endpoint}")

    def kill(progress: Progress) -> None:
        if progress.done and rep.proc.poll() is None:
            rep.kill()  # SIGKILL: the connection drops with a request in flight

    session.progress = kill
    started = time.monotonic()
    result = executed(session, "ping r --count 1000000 --timeout 30000", PingReport)
    # The disconnect ends it, not the reply's 30 s timeout (a wide bound: no speed test).
    assert time.monotonic() - started < 20
    assert rep.proc.poll() is not None
    n = len(result.times)
    assert 0 < n < 1000000 and not result.stopped and not result.timed_out
    assert result.lines[0].startswith(f"r: {n:,} round trips of 16 B: min ")
    assert result.lines[1] == (
        f"the peer disconnected ({rep.endpoint}) during request {n + 1:,} of 1,000,000: stopped there"
    )
    if kind == "req":  # a REQ cannot send again before that reply, which cannot come
        assert result.lines[2:] == [
            "r (req) still waits for that reply, which cannot come now: close r and make it again"
        ]
    else:
        assert result.lines[2:] == []
        rep2 = start_peer("rep")  # a dealer goes on with another server
        session.run(f"disconnect r {rep.endpoint}; connect r {rep2.endpoint}")
        assert len(executed(session, "ping r --count 5", PingReport).times) == 5


def test_a_server_killed_before_its_first_reply(session: Session, start_peer: Callable[..., Peer]) -> None:
    server = start_peer()
    server.call("socket", name="x", type="ROUTER")
    endpoint = server.call("bind", sock="x", endpoint="tcp://127.0.0.1:*")
    session.run(f"socket d dealer; connect d {endpoint}")

    def kill(_progress: Progress) -> None:
        if server.proc.poll() is None:
            assert server.recv("x", timeout=5000)  # the request is there, never answered
            server.kill()

    session.progress = kill
    text = error_of(session, "ping d --timeout 30000")
    assert text.startswith(f"the peer of d disconnected ({endpoint}) before the first reply (hint: "), text
