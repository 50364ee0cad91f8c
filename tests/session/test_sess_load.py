"""Load and long commands against pyzmq peers in other processes: send --count (sequence
numbers, pacing), ping, and what Ctrl-C leaves (a progress listener that raises
KeyboardInterrupt stands for the key: it runs in the thread that waits, as Ctrl-C does)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import pytest

from tests.peers import Peer
from tests.support import executed, wait_for
from zmqrepl.session import (
    CommandError,
    Notice,
    PingReport,
    PollState,
    Progress,
    Received,
    Replayed,
    Sent,
    SentBurst,
    Session,
)


def pull_peer(start_peer: Callable[..., Peer], hwm: int = 0) -> tuple[Peer, str]:
    """An ops peer with a bound PULL ("q"), rcvhwm ``hwm`` (0: no limit)."""
    peer = start_peer()
    peer.call("socket", name="q", type="PULL", options=[["RCVHWM", hwm]])
    return peer, peer.call("bind", sock="q", endpoint="tcp://127.0.0.1:*")


def error_of(session: Session, line: str) -> str:
    with pytest.raises(CommandError) as exc:
        session.execute(line)
    return exc.value.line


class StopAfter:
    """A progress listener that presses Ctrl-C at its ``n``-th report, and keeps them all."""

    def __init__(self, n: int = 1) -> None:
        self.n = n
        self.reports: list[Progress] = []

    def __call__(self, progress: Progress) -> None:
        self.reports.append(progress)
        if len(self.reports) == self.n:
            raise KeyboardInterrupt


def test_send_count_reaches_a_pyzmq_pull_whole_and_in_order(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer, endpoint = pull_peer(start_peer)
    session.run(f"socket p push; connect p {endpoint}")
    n = 20000
    result = executed(session, "send p seq-%n 100%% 0x256e --count 20000", SentBurst)
    assert (result.sent, result.count, result.stopped) == (n, n, False)
    assert result.lines[0].startswith("p: sent 20,000 messages, ")
    got = peer.call("recv", sock="q", count=n, timeout=30000)["messages"]
    # Every number once, in order; %% is a literal %, and a hex frame is never numbered.
    assert got == [[f"seq-{i}".encode().hex(), b"100%".hex(), b"%n".hex()] for i in range(n)]
    assert session.sockets()[0].sent == n


def test_send_rate_paces_the_burst(session: Session, start_peer: Callable[..., Peer]) -> None:
    _peer, endpoint = pull_peer(start_peer)
    session.run(f"socket p push; connect p {endpoint}")
    started = time.monotonic()
    result = executed(session, "send p tick --count 2000 --rate 2000", SentBurst)
    took = time.monotonic() - started
    # 2000 messages at 2000 msg/s: the last is due after 1 s. A behaviour check (is there a
    # pace at all, and no pile-up behind it), with a generous bound, not a speed test.
    assert took >= 0.8, took
    assert result.sent == 2000 and 0.8 <= result.seconds <= 1.2, result.seconds  # within 20%
    assert "asked 2,000)" in result.lines[0]


def test_send_count_is_refused_where_it_cannot_work(session: Session) -> None:
    session.run("socket r req; socket s sub; socket p push")
    assert "r is a req socket" in error_of(session, "send r a --count 2")
    assert "ping r" in error_of(session, "send r a --count 2")
    assert "cannot send" in error_of(session, "send s a --count 2")
    assert "--rate paces a --count" in error_of(session, "send p a --rate 10")
    assert "--rate must be above 0" in error_of(session, "send p a --count 5 --rate 0")
    assert executed(session, "send p a --count 0", SentBurst).sent == 0


def test_a_burst_no_peer_takes_ends_with_what_went(session: Session) -> None:
    session.run("socket p push; bind p tcp://127.0.0.1:*")  # no peer: no queue at all
    text = error_of(session, "send p x --count 100")
    assert text.startswith("p sent 0 of 100 messages: no peer took one for 2000 ms")


def test_ctrl_c_stops_a_burst_and_says_what_went(session: Session, start_peer: Callable[..., Peer]) -> None:
    _peer, endpoint = pull_peer(start_peer)
    session.run(f"socket p push; connect p {endpoint}")
    listener = StopAfter(2)
    session.progress = listener
    (result,) = session.run("send p x --count 100000 --rate 1000; sockets")  # sockets is not run
    assert isinstance(result, SentBurst) and result.stopped and result.interrupted
    assert 0 < result.sent < 100000
    assert result.lines[0].startswith(f"p: sent {result.sent:,} of 100,000 in ")
    assert result.lines[0].endswith(", stopped")
    assert listener.reports[-1].finished and listener.reports[-1].done == result.sent
    assert [r.finished for r in listener.reports].count(True) == 1
    assert session.sockets()[0].sent == result.sent


def test_progress_reports_rate_and_time_left(session: Session, start_peer: Callable[..., Peer]) -> None:
    _peer, endpoint = pull_peer(start_peer)
    session.run(f"socket p push; connect p {endpoint}")
    reports: list[Progress] = []
    session.progress = reports.append
    executed(session, "send p x --count 1000 --rate 1000", SentBurst)
    middle = [r for r in reports if not r.finished]
    assert middle and reports[-1].finished and reports[-1].done == 1000
    assert all(r.what == "send p" and r.total == 1000 for r in reports)
    assert "msg/s eta " in middle[0].line and middle[0].line.startswith("send p: ")
    # A quick command shows no progress at all.
    reports.clear()
    executed(session, "send p x --count 10", SentBurst)
    assert reports == []


def test_ping_a_pyzmq_rep(session: Session, start_peer: Callable[..., Peer]) -> None:
    rep = start_peer("rep")
    session.run(f"socket r req; connect r {rep.endpoint}; socket d dealer; connect d {rep.endpoint}")
    for name in ("r", "d"):
        result = executed(session, f"ping {name} --count 20 --size 100", PingReport)
        assert len(result.times) == 20 and not result.timed_out
        stats = result.value
        assert 0 < stats["min"] <= stats["p50"] <= stats["p99"] <= stats["max"]
        line = result.lines[0]
        assert line.startswith(f"{name}: 20 round trips of 100 B: min ")
        assert all(word in line for word in ("p50 ", "p99 ", "max ")) and (" us" in line or " ms" in line)
    assert rep.got() == [b"p" * 100]
    # Ping's replies are its own: a watch on the socket does not take them.
    session.run("watch r")
    assert len(executed(session, "ping r --count 5", PingReport).times) == 5


def test_ping_a_service_that_does_not_answer(session: Session, start_peer: Callable[..., Peer]) -> None:
    silent = start_peer()
    silent.call("socket", name="x", type="ROUTER")
    endpoint = silent.call("bind", sock="x", endpoint="tcp://127.0.0.1:*")
    session.run(f"socket r req; connect r {endpoint}")
    text = error_of(session, "ping r --count 3 --timeout 300")
    assert text.startswith("no reply on r within 300 ms; r (req) still waits for it")
    assert silent.recv("x")  # the request got there
    session.run(f"socket d dealer; connect d {endpoint}")
    assert "no reply on d within 300 ms (hint:" in error_of(session, "ping d --timeout 300")


def test_ping_refuses_other_sockets_and_needs_a_peer(session: Session) -> None:
    session.run("socket p pub; socket r req")
    text = error_of(session, "ping p")
    assert text.startswith("ping needs a req or dealer socket; p is a pub (hint: ")
    assert "has no peer" in error_of(session, "ping r")


def test_ctrl_c_stops_a_ping_with_its_figures(session: Session, start_peer: Callable[..., Peer]) -> None:
    rep = start_peer("rep")
    session.run(f"socket r req; connect r {rep.endpoint}")
    session.progress = StopAfter(1)
    result = executed(session, "ping r --count 1000000", PingReport)
    assert result.stopped and 0 < len(result.times) < 1000000
    assert result.lines[1] == f"stopped after {len(result.times):,} of 1,000,000"
    # Stopped between a request and its reply (the REQ then waits for it), or just after one.
    assert len(result.lines) == (3 if result.waits else 2)


def test_recv_count_stopped_keeps_what_came(session: Session, start_peer: Callable[..., Peer]) -> None:
    pusher = start_peer()
    pusher.call("socket", name="p", type="PUSH")
    session.run("socket q pull")
    endpoint = executed(session, "bind q tcp://127.0.0.1:*").value
    pusher.call("connect", sock="p", endpoint=endpoint)
    pusher.call("send_many", sock="p", messages=[[f"m{i}".encode().hex()] for i in range(3)])
    session.progress = StopAfter(1)
    result = executed(session, "recv q --count 10", Received)
    assert result.stopped and result.value == [[b"m0"], [b"m1"], [b"m2"]]
    assert result.lines == ["q: received 3 of 10 messages, stopped"]
    # The waiter is gone: the next message is for the next recv.
    pusher.send("p", b"next")
    assert executed(session, "recv q --timeout 5000", Received).value == [b"next"]


def test_replay_waits_with_progress_and_stops_on_ctrl_c(
    session: Session, start_peer: Callable[..., Peer], tmp_path: Path
) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text("".join(f'{{"t": {i / 100}, "frames": [{{"text": "m{i}"}}]}}\n' for i in range(1000)))
    peer, endpoint = pull_peer(start_peer)
    session.run(f"socket p push; connect p {endpoint}")
    whole = executed(session, f"replay {path} p --speed 0", Replayed)
    assert (whole.sent, whole.count, whole.stopped) == (1000, 1000, False)
    assert whole.lines[0].startswith(f"replay of {path} to p: sent 1,000 messages in ")
    got = peer.call("recv", sock="q", count=1000, timeout=10000)["messages"]
    assert got == [[f"m{i}".encode().hex()] for i in range(1000)]
    listener = StopAfter(2)
    session.progress = listener
    stopped = executed(session, f"replay {path} p", Replayed)  # at recorded pace: 10 s
    assert stopped.stopped and 0 < stopped.sent < 1000
    assert stopped.lines[0].endswith(f"sent {stopped.sent:,} of 1,000 in {stopped.seconds:.1f} s, stopped")
    assert listener.reports[0].what == "replay feed.jsonl to p"


def test_a_burst_of_large_messages_goes_whole(session: Session, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * 4096)  # 1 MiB: four a step (CHUNK_BYTES)
    session.run("socket p push; socket q pull; bind q inproc://big; connect p inproc://big")
    result = executed(session, f"send p n-%n @{big} --count 12", SentBurst)
    assert result.sent == 12 and result.size == 12 * (1 << 20) + sum(len(f"n-{i}") for i in range(12))
    got = executed(session, "recv q --count 12 --timeout 10000", Received).value
    assert got == [[f"n-{i}".encode(), big.read_bytes()] for i in range(12)]


def test_the_engine_keeps_reading_other_sockets_during_a_burst(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    pub = start_peer("pub", "--interval", "0.002")  # about 500 msg/s, for ever
    _peer, endpoint = pull_peer(start_peer)
    session.run(f"socket s sub; connect s {pub.endpoint}; subscribe s; watch s")
    pub.event("subscribed")
    session.run(f"socket p push; connect p {endpoint}")
    seen: list[int] = []
    session.progress = lambda _p: seen.append(session.sockets()[0].received)
    # As fast as it goes, long enough for reports (FIRST_REPORT_S): s is read meanwhile,
    # between the burst's steps, so its count grows within this command's own reports.
    burst = executed(session, "send p x --count 500000", SentBurst)
    assert len(seen) >= 3 and seen[-1] > seen[0], (seen, burst.seconds)
    seen.clear()
    executed(session, "send p x --count 1500 --rate 1500", SentBurst)
    assert len(seen) >= 4 and seen[-1] > seen[0], seen  # and while a paced burst waits


def test_send_rate_refuses_rates_that_mean_nothing(session: Session) -> None:
    session.run("socket p push; socket q pull; bind q inproc://r; connect p inproc://r")
    for rate in ("inf", "1e308", "1e-300", "2e9"):
        text = error_of(session, f"send p x --count 10 --rate {rate}")
        assert text.startswith("--rate takes 0.001 to 1,000,000,000 messages per second (hint: "), text
    assert executed(session, "send p x --count 3 --rate 1e9", SentBurst).sent == 3


def test_the_no_peer_timeout_counts_from_the_first_failed_try(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    session.run("socket p push")
    endpoint = executed(session, "bind p tcp://127.0.0.1:*").value
    peer = start_peer()
    peer.call("socket", name="q", type="PULL")
    peer.call("connect", sock="q", endpoint=endpoint)
    session.run("send p hello")  # waits for the connection
    assert peer.recv("q") == [b"hello"]

    class Churn:
        """The peer goes at the first report (before message 1 is due, at 1 s) and a new
        one comes 2.2 s in: 1.2 s after the first failed try, 2.2 s after the last send."""

        back = False

        def __call__(self, progress: Progress) -> None:
            if "q" in closed:
                if not self.back and progress.elapsed >= 2.2:
                    self.back = True
                    peer.call("socket", name="q2", type="PULL")
                    peer.call("connect", sock="q2", endpoint=endpoint)
                return
            closed.append("q")
            peer.call("close", sock="q")

    closed: list[str] = []
    session.progress = Churn()
    result = executed(session, "send p tick-%n --count 4 --rate 1", SentBurst)
    assert result.sent == 4
    got = peer.call("recv", sock="q2", count=3, timeout=5000)["messages"]
    assert got == [[f"tick-{i}".encode().hex()] for i in (1, 2, 3)]
    # After the stall the pace holds: 2 and 3 go a second apart after 1 (at about 2.2 s),
    # not at once to catch up (they fell due at 2 s and 3 s). A wide bound: no speed test.
    assert result.seconds >= 3.9, result.seconds


def test_a_progress_listener_that_fails_stops_the_job(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer, endpoint = pull_peer(start_peer)
    session.run(f"socket p push; connect p {endpoint}")

    def broken(_progress: Progress) -> None:
        raise RuntimeError("the display broke")

    session.progress = broken
    with pytest.raises(RuntimeError, match="the display broke"):
        session.execute("send p x --count 3000 --rate 1000")
    sent = session.sockets()[0].sent
    assert 0 < sent < 3000
    # Nothing more goes: the peer gets what was counted, and no more within a second.
    got = peer.call("recv", sock="q", count=sent + 1, timeout=1000)["messages"]
    assert len(got) == sent and session.sockets()[0].sent == sent


def test_replay_to_a_socket_that_cannot_send_ends_with_a_reason(
    session: Session, start_peer: Callable[..., Peer], tmp_path: Path
) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text("".join(f'{{"t": {i / 100}, "frames": [{{"text": "m{i}"}}]}}\n' for i in range(3)))
    session.run("socket s sub; socket q pull; socket x xsub")
    for name, kind in (("s", "sub"), ("q", "pull"), ("x", "xsub")):
        for flags in ("", " --background"):
            text = error_of(session, f"replay {path} {name} --speed 0{flags}")
            assert text.startswith(f"{name} is a {kind} socket and cannot send (hint: "), text
    # A REQ takes one request, then must receive: the second send fails (EFSM), and the
    # replay ends there with the reason, waiting or in the background.
    rep = start_peer("rep")
    session.run(f"socket r req; connect r {rep.endpoint}")
    text = error_of(session, f"replay {path} r --speed 0")
    assert text.startswith(f"replay of {path} to r stopped after 1 of 3 messages: "), text
    session.run(f"close r; socket r2 req; connect r2 {rep.endpoint}")
    session.events.take()
    session.run(f"replay {path} r2 --speed 0 --background")

    def notices() -> list[Notice]:
        return [e for e in session.events.take().events if isinstance(e, Notice)]

    (notice,) = wait_for(notices, what="the replay's notice")
    assert notice.error and notice.text.startswith(f"replay of {path} to r2 stopped after 1 of 3 messages: ")


def test_a_dealer_ping_skips_a_late_reply_to_an_earlier_request(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    server = start_peer()
    server.call("socket", name="x", type="ROUTER")
    endpoint = server.call("bind", sock="x", endpoint="tcp://127.0.0.1:*")
    session.run(f"socket d dealer; connect d {endpoint}")
    assert "no reply on d within 200 ms" in error_of(session, "ping d --timeout 200")
    (late,) = server.call("recv", sock="x")["messages"]  # [routing id, b"ping:ID:0", b"", payload]
    assert bytes.fromhex(late[1]).startswith(b"ping:") and late[2] == ""
    server.call("send", sock="x", frames=late)  # the reply comes after its ping ended
    # poll returns as soon as d can send (always), so the reply may not be in yet at the first.
    wait_for(
        lambda: executed(session, "poll d --timeout 100", PollState).value == {"d": ["in", "out"]},
        what="the late reply queued on d",
    )
    # The next ping's request is another: the late reply is not taken for its answer.
    text = error_of(session, "ping d --timeout 200")
    assert text.startswith("no reply on d within 200 ms (1 replies to other requests skipped)"), text


def test_ctrl_c_during_a_req_ping_drops_the_late_reply(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    server = start_peer()
    server.call("socket", name="x", type="REP")
    endpoint = server.call("bind", sock="x", endpoint="tcp://127.0.0.1:*")
    session.run(f"socket r req; connect r {endpoint}")
    session.progress = StopAfter(1)
    result = executed(session, "ping r --count 5 --timeout 20000", PingReport)  # no reply yet
    assert result.stopped and result.waits and result.times == ()
    assert result.lines[-1].startswith("r (req) still waits for the reply to request 1: it is dropped if ")
    session.progress = None
    assert "r (req) still waits for the reply to the ping stopped before" in error_of(session, "ping r")
    (request,) = server.call("recv", sock="x")["messages"]
    server.call("send", sock="x", frames=request)  # the late reply
    wait_for(lambda: session.sockets()[0].received == 1, what="the late reply read")
    # Dropped, so the REQ can send again (it would fail with EFSM while it still waited).
    executed(session, "send r next", Sent)
    assert server.call("recv", sock="x")["messages"] == [[b"next".hex()]]


def test_ping_count_is_bounded(session: Session) -> None:
    session.run("socket r req")
    text = error_of(session, "ping r --count 1000001")
    assert text.startswith("ping --count takes 1 to 1,000,000 round trips (hint: ")


def test_closing_the_socket_ends_a_ping_at_once(session: Session, start_peer: Callable[..., Peer]) -> None:
    silent = start_peer()
    silent.call("socket", name="x", type="ROUTER")
    endpoint = silent.call("bind", sock="x", endpoint="tcp://127.0.0.1:*")
    session.run(f"socket r req; connect r {endpoint}")
    closed: list[str] = []

    def close(_progress: Progress) -> None:
        if not closed:
            closed.append("r")
            session.execute("close r")

    session.progress = close
    started = time.monotonic()
    assert error_of(session, "ping r --timeout 30000") == "socket r was closed"
    assert time.monotonic() - started < 20  # not the 30 s timeout


def test_recv_count_shows_only_the_newest_and_keeps_every_message(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    pusher = start_peer()
    pusher.call("socket", name="p", type="PUSH")
    session.run("socket q pull")
    pusher.call("connect", sock="p", endpoint=executed(session, "bind q tcp://127.0.0.1:*").value)
    n = 1500
    pusher.call("send_many", sock="p", messages=[[f"m{i}".encode().hex()] for i in range(n)])
    result = executed(session, f"recv q --count {n} --timeout 10000", Received)
    assert result.value == [[f"m{i}".encode()] for i in range(n)]
    assert [list(m.frames) for m in result.shown] == [[f"m{i}".encode()] for i in range(n - 100, n)]
    assert result.not_shown == n - 100
    assert (
        result.not_shown_line
        == "1,400 older messages not shown; the newest 100 follow (the value holds all 1,500)"
    )
    assert "1,000,000" in error_of(session, "recv q --count 1000001")
