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

__all__ = ["FLOOD_BATCH", "MAX_NAP_S", "MIN_NAP_S", "QUEUE_SHARE", "RATE_WINDOW_S", "nap_after_read"]

FLOOD_BATCH = 32  # messages in one read: the stream outruns the engine's wake-ups
MAX_NAP_S = 0.0004  # at 500k msg/s, 200 messages gather: a fifth of libzmq's default rcvhwm
MIN_NAP_S = 0.00005  # shorter than this a nap saves less than it costs (a sleep's own overhead)
QUEUE_SHARE = 4  # a nap may fill at most 1/QUEUE_SHARE of the receive queue
# The rate is measured over at most this long: a read after a quiet spell (a burst that has
# just begun) would otherwise see a low rate and nap long into the burst.
RATE_WINDOW_S = 0.002


def nap_after_read(count: int, since_s: float, rcvhwm: int) -> float:
    """Seconds the engine may nap after a read of ``count`` messages that came in
    ``since_s`` (since the read before), from a socket whose receive queue holds ``rcvhwm``
    messages (0: no limit); 0.0 when this is no flood. A read capped before the queue was
    empty, or ``since_s`` cut to RATE_WINDOW_S, overstates the rate, which only shortens
    the nap."""
    if count < FLOOD_BATCH or since_s <= 0.0:
        return 0.0
    rate = count / min(since_s, RATE_WINDOW_S)
    nap = MAX_NAP_S if rcvhwm <= 0 else min(MAX_NAP_S, rcvhwm / QUEUE_SHARE / rate)
    return nap if nap >= MIN_NAP_S else 0.0
