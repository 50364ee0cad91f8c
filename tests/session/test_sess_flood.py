"""Fewer, larger reads under a flood (session/flood.py): the nap never risks the receive
queue, and a watched flood is still counted exactly, whatever the queue's size."""

from __future__ import annotations

from typing import Callable

import pytest

from tests.peers import Peer
from zmqrepl.session import Session
from zmqrepl.session.flood import (
    FLOOD_BATCH,
    MAX_NAP_S,
    MIN_NAP_S,
    QUEUE_SHARE,
    RATE_WINDOW_S,
    nap_after_read,
)

from .test_sess_live import all_in


def test_no_nap_without_a_flood() -> None:
    assert nap_after_read(FLOOD_BATCH - 1, 0.0001, 1000) == 0.0  # a few messages: read at once
    assert nap_after_read(1000, 0.0, 1000) == 0.0  # no time to measure a rate in
    assert nap_after_read(FLOOD_BATCH, 0.001, 1000) > 0.0


@pytest.mark.parametrize("rcvhwm", [1, 10, 64, 500, 1000, 5000, 100_000])
@pytest.mark.parametrize("rate", [32_000, 200_000, 500_000, 1_000_000, 5_000_000])
def test_a_nap_fills_at_most_a_quarter_of_the_queue(rcvhwm: int, rate: int) -> None:
    for count in (FLOOD_BATCH, 100, 1000):
        nap = nap_after_read(count, count / rate, rcvhwm)
        assert nap == 0.0 or MIN_NAP_S <= nap <= MAX_NAP_S
        assert nap * rate <= rcvhwm / QUEUE_SHARE * 1.000001  # what arrives meanwhile
    # The queue libzmq gives by default, at the rate the issue measures: a real nap.
    assert nap_after_read(100, 100 / 500_000, 1000) == MAX_NAP_S


@pytest.mark.parametrize("rcvhwm", [16, 100, 1000])
def test_a_burst_after_a_quiet_spell_naps_as_if_it_came_within_the_window(rcvhwm: int) -> None:
    # 1000 messages read after 10 s of silence: they may have come in the last 2 ms, so the
    # nap is that of 500k msg/s, not of 100 msg/s.
    nap = nap_after_read(1000, 10.0, rcvhwm)
    assert nap == nap_after_read(1000, RATE_WINDOW_S, rcvhwm)
    assert nap * 1000 / RATE_WINDOW_S <= rcvhwm / QUEUE_SHARE * 1.000001


@pytest.mark.parametrize("overshoot_us", [0, 50, 100, 300])
@pytest.mark.parametrize("busy", [0.0, 0.3, 0.7, 0.95])
@pytest.mark.parametrize("rate", [200_000, 500_000, 1_000_000, 3_000_000])
def test_a_nap_as_it_really_lasts_leaves_the_queue_three_quarters_free(
    rate: int, busy: float, overshoot_us: int
) -> None:
    # The engine spent `busy` of the time reading; naps last overshoot_us longer than
    # asked. What is queued at the next read, rate * real nap / (1 - busy), stays within a
    # quarter of libzmq's default queue.
    count, overshoot = 500, overshoot_us / 1e6
    since = count / rate
    nap = nap_after_read(count, since, 1000, busy * min(since, RATE_WINDOW_S), overshoot)
    assert nap == 0.0 or MIN_NAP_S <= nap <= MAX_NAP_S
    if nap:
        assert rate * (nap + overshoot) / (1 - busy) <= 1000 / QUEUE_SHARE * 1.000001


def test_no_nap_when_reading_takes_all_the_time_or_the_sleep_overshoots_the_budget() -> None:
    assert nap_after_read(1000, 0.001, 1000, read_s=0.001) == 0.0  # reading as fast as it comes
    assert nap_after_read(1000, 0.001, 1000, read_s=0.002) == 0.0  # slower than it comes
    # 3M msg/s: a quarter of the queue comes in 83 us, less than a sleep overshoots by
    assert nap_after_read(1000, 1000 / 3_000_000, 1000, overshoot_s=0.0001) == 0.0
    # 500k msg/s read in a tenth of the time, naps 100 us long: still a real nap
    nap = nap_after_read(1000, 0.002, 1000, read_s=0.0002, overshoot_s=0.0001)
    assert MIN_NAP_S <= nap < MAX_NAP_S


def test_an_unbounded_queue_naps_the_most() -> None:
    assert nap_after_read(1000, 0.0001, 0) == MAX_NAP_S


@pytest.mark.parametrize("rcvhwm", ["0", "16", "1000"])
def test_a_flood_is_counted_exactly_whatever_the_queue(start_peer: Callable[..., Peer], rcvhwm: str) -> None:
    # The pub peer never drops (sndhwm 0): every message must arrive and be counted, with
    # the engine napping between reads and a receive queue as small as 16 messages.
    n = 100_000
    session = Session(linger=0)
    try:
        peer = start_peer("pub", "--count", str(n))
        # watch before subscribe: the peer publishes once subscribed, and what the session
        # reads before a watch waits in its inbox, which holds rcvhwm messages and drops the
        # rest, as libzmq's queue would (on a loaded machine 16 filled between two commands)
        session.run(f"socket s sub; set s rcvhwm {rcvhwm}; connect s {peer.endpoint}; watch s; subscribe s")
        all_in(session, peer, n)  # the END marker after them, and exactly n + 1 counted
    finally:
        session.close()
