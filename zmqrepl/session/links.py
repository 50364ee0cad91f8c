"""Telling, from a socket's monitor events, that libzmq dropped a peer on purpose.

libzmq 4.3.4 reports a message over ``maxmsgsize`` with nothing but
ZMQ_EVENT_DISCONNECTED: its decoder fails with EMSGSIZE, the engine ends with a
*protocol* error, and no handshake event or error code says why (those are for
the handshake). What does differ is what comes next on a connection the socket
made itself (``connect``):

- the peer went away (closed, crashed, network): libzmq reconnects at once, so
  CONNECT_RETRIED follows DISCONNECTED within microseconds (measured: same ms);
- a protocol error after the handshake: libzmq ends that connect for good and
  nothing follows (the endpoint stays registered, dead). Past the handshake a
  libzmq peer causes that in practice only with a message over ``maxmsgsize``;
  a hostile peer can also with malformed frames.

So a DISCONNECTED after HANDSHAKE_SUCCEEDED that no reconnect event follows
within ``GRACE`` seconds is such a drop. On a bound socket both cases end the
same way (the accepted connection is gone, nothing follows), so there it cannot
be told and nothing is said. With ``reconnect_ivl`` 0 or -1 libzmq never
reconnects (measured, 4.3.4); the session checks that before it says anything.
"""

from __future__ import annotations

import itertools

from ..core import Event

__all__ = ["GRACE", "DropDetector"]

# Seconds to wait for the reconnect that follows an ordinary disconnect. libzmq emits
# CONNECT_RETRIED right after DISCONNECTED, from the same I/O thread; one second leaves
# room for a loaded machine.
GRACE = 1.0

_RECONNECTING = Event.CONNECT_RETRIED | Event.CONNECT_DELAYED | Event.CONNECTED


class DropDetector:
    """Per socket, in the engine thread: which connected endpoints are up, which wait."""

    def __init__(self) -> None:
        self._up: set[str] = set()
        self._waiting: dict[str, int] = {}
        self._tokens = itertools.count(1)

    def observe(self, event: Event, endpoint: str, connected: list[str]) -> int | None:
        """Feed one monitor event; returns a token when ``endpoint`` must be checked
        after GRACE seconds (with ``confirm``). ``connected``: the socket's connects."""
        if event & _RECONNECTING:
            self._waiting.pop(endpoint, None)
        elif event == Event.HANDSHAKE_SUCCEEDED and endpoint in connected:
            self._up.add(endpoint)
        elif event == Event.DISCONNECTED and endpoint in self._up:
            self._up.discard(endpoint)
            token = next(self._tokens)
            self._waiting[endpoint] = token
            return token
        return None

    def confirm(self, endpoint: str, token: int) -> bool:
        """True when no reconnect came for the disconnect that gave ``token``."""
        if self._waiting.get(endpoint) != token:
            return False
        del self._waiting[endpoint]
        return True
