"""Fewer, larger reads of a flooded socket: the same messages for less CPU.

Under a flood, without naps, the engine is woken for every few dozen messages (at 500k msg/s of 16 B over
tcp, about 5,700 reads a second of about 80 messages each), and each wake-up costs a poll, a
read and the session's bookkeeping. When a read finds a flood, the engine naps a little
before it polls again, so the next read takes more at once. The nap is kept short enough
that what arrives meanwhile fills at most a quarter of the socket's receive queue
(``rcvhwm``) at the rate the read just saw: while that rate holds, a nap cannot make
the queue overflow.

Measured with bench/ingest.py on a quiet 2-core machine (500k msg/s, default HWMs, paired
with a bare pyzmq loop): with the nap the shell counted 97.4-97.8 % of the stream with
32-36 % of a core (the loop: 97.7-98.2 %, 36-40 %); without it, 96.8-97.5 % with 52-58 %. A
message on another socket, or a command, waits at most one nap (MAX_NAP_S) longer while a flood lasts.
"""

from __future__ import annotations

__all__ = [
    "FLOOD_BATCH",
    "MAX_NAP_S",
    "MIN_NAP_S",
    "QUEUE_SHARE",
    "RATE_WINDOW_S",
    "SLEEP_OVERSHOOT_S",
    "nap_after_read",
]

FLOOD_BATCH = 32  # messages in one read: the stream outruns the engine's wake-ups
MAX_NAP_S = 0.0004  # at 500k msg/s, 200 messages gather: a fifth of libzmq's default rcvhwm
MIN_NAP_S = 0.00005  # shorter than this a nap saves less than it costs (a sleep's own overhead)
QUEUE_SHARE = 4  # a nap may fill at most 1/QUEUE_SHARE of the receive queue
# The rate is measured over at most this long: a read after a quiet spell (a burst that has
# just begun) would otherwise see a low rate and nap long into the burst.
RATE_WINDOW_S = 0.002
# How much longer a nap lasts than asked, until the engine has measured its own: on Linux,
# 50 us of timer slack and the wake-up (time.sleep(83e-6) took 173 us, p50, on the 2-core
# machine of the benchmarks).
SLEEP_OVERSHOOT_S = 0.0001


def nap_after_read(
    count: int, since_s: float, rcvhwm: int, read_s: float = 0.0, overshoot_s: float = 0.0
) -> float:
    """Seconds the engine may nap after a read of ``count`` messages that came in
    ``since_s`` (since the read before) and took ``read_s`` to take, from a socket whose
    receive queue holds ``rcvhwm`` messages (0: no limit); 0.0 when this is no flood.
    ``overshoot_s``: how much longer than asked the engine's naps last (Engine measures
    it). A read capped before the queue was empty, or ``since_s`` cut to RATE_WINDOW_S,
    overstates the rate, which only shortens the nap.

    Messages go on arriving while the engine reads, so what is queued when it next reads
    is rate * nap / (1 - rate / drain), drain being how fast it reads (count / read_s):
    the nap, as it really lasts, is cut by that share. Without it, at 3M msg/s a nap asked
    for 83 us lasted 173 us and the queue filled faster than the engine emptied it: a
    Session counted 72-75 % of what a pyzmq loop, which never sleeps, counted 96-98 %
    of."""
    if count < FLOOD_BATCH or since_s <= 0.0:
        return 0.0
    window = min(since_s, RATE_WINDOW_S)
    rate = count / window
    if rcvhwm <= 0:
        nap = MAX_NAP_S
    else:
        free = 1.0 - read_s / window  # = 1 - rate / drain: the share of time not spent reading
        if free <= 0.0:
            return 0.0
        nap = min(MAX_NAP_S, rcvhwm / QUEUE_SHARE / rate * free - overshoot_s)
    return nap if nap >= MIN_NAP_S else 0.0
