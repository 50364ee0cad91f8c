"""The session's defaults, in one place.

The session applies them, the shell's settings file and the magics' traits start from
them, and ``help socket`` quotes them.
"""

from __future__ import annotations

from ..core import SocketType

__all__ = [
    "DEFAULT_HEARTBEAT_IVL_MS",
    "DEFAULT_HEARTBEAT_TIMEOUT_MS",
    "DEFAULT_HISTORY_BYTES",
    "DEFAULT_HISTORY_SIZE",
    "DEFAULT_LINGER_MS",
    "DEFAULT_MAXMSGSIZE",
    "DEFAULT_PROBE_TIMEOUT_MS",
    "DEFAULT_SEND_TIMEOUT_MS",
    "DEFAULT_TAP_SPIN_US",
    "DEFAULT_VIEW",
    "HEARTBEAT_TYPES",
    "HEARTBEAT_WARNING",
    "MAX_TAP_SPIN_US",
    "VIEWS",
]

# libzmq's own linger is -1 (wait for ever): a closed socket with queued messages and no
# peer would hang close and shutdown. A second bounds both.
DEFAULT_LINGER_MS = 1000
# libzmq's own maxmsgsize is -1 (no limit): one bad peer could make it allocate any size.
DEFAULT_MAXMSGSIZE = 64 * 1024 * 1024
# How long `send` (and a handle's send) waits for a peer to take a message.
DEFAULT_SEND_TIMEOUT_MS = 2000
# How long `probe` may take in all: a name lookup, a connect and two reads on a network.
DEFAULT_PROBE_TIMEOUT_MS = 2000
# ZMTP heartbeats: a PING to each peer every heartbeat_ivl ms, and a connection that
# brings nothing within heartbeat_timeout ms of one is dropped, so a stopped peer (SIGSTOP,
# a hung host) shows as disconnected in `monitor` and `peers` within the timeout (libzmq
# sends none by default). The session gives them to every socket it can keep read as
# messages come (HEARTBEAT_TYPES): libzmq 4.3.4 can abort the process when a heartbeat
# socket's receive queue stays full (inbox.py says when, and how the session prevents it).
# libzmq reads them when a connection starts: a change applies to new connections.
DEFAULT_HEARTBEAT_IVL_MS = 5000
DEFAULT_HEARTBEAT_TIMEOUT_MS = 15000
# PUSH receives nothing, so no queue of it can fill. Not REQ and REP: their lockstep (a
# request, then its reply) lets the session read only one message per exchange, so what a
# peer sends beyond it stays in libzmq's queue; not PUB, whose queue of subscriptions libzmq
# reads only when the socket is used; not a tap's sockets, which stop reading a side while
# the other is full (backpressure) or the tap is paused.
HEARTBEAT_TYPES = frozenset(
    {
        SocketType.PAIR,
        SocketType.SUB,
        SocketType.XSUB,
        SocketType.XPUB,
        SocketType.PULL,
        SocketType.PUSH,
        SocketType.DEALER,
        SocketType.ROUTER,
        SocketType.STREAM,
    }
)
HEARTBEAT_WARNING = (
    "libzmq 4.3 can abort the whole process when a peer leaves while a heartbeat socket's "
    "receive queue is full and unread, and the session cannot keep this socket read as messages "
    "come (rcvhwm 0 avoids it: a queue without limit)"
)
# After passing a message on, a tap polls for the next one without sleeping this long (us):
# in a request/reply exchange the answer usually comes within it, and is then taken without
# the engine thread being woken. Measured with bench/tap.py on a 2-core machine (BENCHMARKS.md):
# with it, a tap added 16 and 60 us to the REQ/REP round trip's p50 in two runs; without it
# (--spin 0), 206 and 258 us.
# The cost is a core kept busy while it polls: a pipeline tap passing a message every
# millisecond polls a fifth of the time, and a request/reply tap polls after the request
# and after the reply. `tap ... --spin 0` turns it off. At most MAX_TAP_SPIN_US, less
# than one wait slice (50 ms), so Ctrl-C and commands are never held up by it.
DEFAULT_TAP_SPIN_US = 200
MAX_TAP_SPIN_US = 10_000
# How many of the messages shown (watch, recv) the session keeps for `show N` and
# `history`, newest last, and the most bytes they may hold in all (each frame is kept up
# to 16 KiB, DISPLAY_PREFIX in events.py): whichever is reached first drops the oldest.
DEFAULT_HISTORY_SIZE = 1000
DEFAULT_HISTORY_BYTES = 32 * 1024 * 1024
# How watch and recv show a message: "full" (a header, then a line per frame) or "line"
# (time, socket, direction, part sizes and a preview in one line).
VIEWS = ("full", "line")
DEFAULT_VIEW = "full"
