"""Who is connected to a socket: a bounded book of its peers, fed by its monitor and reads.

Two sources feed it, both in the engine thread:

- the socket's monitor (state.py starts one at the first bind or connect): what libzmq 4.3
  says of each connection. On a socket that connected, every event names the endpoint
  connected to; on a bound one every event names the *bind* endpoint, and only ACCEPTED
  and DISCONNECTED carry the connection's file descriptor as value (measured, 4.3.4:
  HANDSHAKE_SUCCEEDED carries 0, the failures a code). So on a bound socket a handshake
  success goes to the oldest accepted connection still in its handshake, and a failure to
  the connection whose DISCONNECTED follows it (libzmq reports both from the one I/O
  thread that runs the connection, one after the other);
- the read path (``on_message``): per message the routing id (a ROUTER's first frame), its
  size and, once the core gives message properties, the Peer-Address. Without properties
  a routing id seen for the first time is matched to the oldest handshaken connection
  that has none yet: exact when peers connect and speak one after another, a guess when
  several connect at once (the file descriptor of a message, ZMQ_SRCFD, would make it
  exact). A socket type without routing ids gets its messages counted per peer only while
  one connection is up (then they can only come from it).

Counting per message starts with the first ``peers NAME`` (``counting``): the per-message
work (a dict lookup and three additions) is then paid only by sockets someone asked about.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict, deque
from dataclasses import dataclass

from .handshake import ENDED_IN_HANDSHAKE

__all__ = ["PEER_LIMIT", "PeerBook", "PeerRecord"]

PEER_LIMIT = 1000  # peers kept per socket: the most recently active ones


@dataclass(eq=False)
class PeerRecord:
    serial: int
    endpoint: str  # as the monitor named it ("" when the monitor never saw it)
    first_seen: float
    last_seen: float
    state: str  # connecting, handshaking, connected, disconnected, handshake failed, "" (unknown)
    state_time: float
    fd: int | None = None
    routing_id: bytes | None = None
    address: str = ""  # Peer-Address, from message properties
    reason: str = ""  # why the handshake failed
    failures: int = 0  # handshakes failed for that reason (a refused client retries)
    messages: int = 0
    bytes_in: int = 0


class PeerBook:
    """Per socket, engine thread only."""

    def __init__(self, limit: int = PEER_LIMIT) -> None:
        self.limit = limit
        self.evicted = 0  # records dropped to stay within ``limit``
        self.counting = False
        self.counting_since = 0.0
        self._records: OrderedDict[int, PeerRecord] = OrderedDict()  # least recently active first
        self._serials = itertools.count(1)
        self._by_connect: dict[str, PeerRecord] = {}  # endpoint connected to -> its record
        self._by_fd: dict[int, PeerRecord] = {}  # accepted connections that are up
        self._by_rid: dict[bytes, PeerRecord] = {}
        self._handshaking: deque[PeerRecord] = deque()  # accepted, no handshake event yet
        self._live: dict[int, PeerRecord] = {}  # connected, in the order they became so
        self._failure = ""  # a bound socket's handshake failure, until its DISCONNECTED
        self._failed_by_reason: dict[str, PeerRecord] = {}

    def start_counting(self, now: float) -> None:
        if not self.counting:
            self.counting, self.counting_since = True, now

    @property
    def connected(self) -> int:
        """Peers whose handshake succeeded and that have not disconnected since."""
        return len(self._live)

    def records(self) -> list[PeerRecord]:
        """Newest activity first."""
        return list(reversed(self._records.values()))

    # -- the monitor ---------------------------------------------------------------------

    def on_event(
        self, event: str, endpoint: str, value: int, is_connect: bool, reason: str, now: float
    ) -> None:
        """One monitor event; ``is_connect``: ``endpoint`` is one the socket connected to."""
        if is_connect:
            self._on_connect_event(event, endpoint, value, reason, now)
        else:
            self._on_bound_event(event, endpoint, value, reason, now)

    def _on_connect_event(self, event: str, endpoint: str, value: int, reason: str, now: float) -> None:
        rec = self._by_connect.get(endpoint)
        if rec is None or rec.serial not in self._records:
            if event not in ("connect_delayed", "connect_retried", "connected"):
                return
            rec = self._new(endpoint, now, "connecting")
            self._by_connect[endpoint] = rec
        if event in ("connect_delayed", "connect_retried"):
            if rec.state != "handshake failed":  # keep saying why it fails while it retries
                self._set(rec, "connecting", now)
        elif event == "connected":
            rec.fd = value
            self._set(rec, "handshaking", now)
        elif event == "handshake_succeeded":
            rec.reason = ""
            self._set(rec, "connected", now)
        elif reason:
            self._fail(rec, reason, now)
        elif event == "disconnected" and rec.state == "handshaking":
            self._fail(rec, ENDED_IN_HANDSHAKE, now)
        elif event == "disconnected" and rec.state != "handshake failed":
            self._set(rec, "disconnected", now)

    def _on_bound_event(self, event: str, endpoint: str, value: int, reason: str, now: float) -> None:
        if event == "accepted":
            rec = self._new(endpoint, now, "handshaking")
            rec.fd = value
            self._by_fd[value] = rec
            self._handshaking.append(rec)
        elif event == "handshake_succeeded":
            while self._handshaking:
                rec = self._handshaking.popleft()
                if rec.state == "handshaking" and rec.serial in self._records:
                    self._set(rec, "connected", now)
                    break
        elif reason:
            self._failure = reason
        elif event == "disconnected":
            failure, self._failure = self._failure, ""
            if value not in self._by_fd:
                return
            rec = self._by_fd.pop(value)
            if rec in self._handshaking:
                self._handshaking.remove(rec)
            if not failure and rec.state == "handshaking":
                failure = ENDED_IN_HANDSHAKE
            if failure:
                self._failed(rec, failure, now)
            else:
                self._set(rec, "disconnected", now)

    def _failed(self, rec: PeerRecord, reason: str, now: float) -> None:
        """A bound socket's connection failed its handshake. A refused client retries
        (every 100 ms by default, on a new connection): one row per reason says it all."""
        same = self._failed_by_reason.get(reason)
        if same is not None and same.serial in self._records and same.state == "handshake failed":
            self._records.pop(rec.serial)
            self._forget(rec)
            rec = same
        self._failed_by_reason[reason] = rec
        self._fail(rec, reason, now)

    def _fail(self, rec: PeerRecord, reason: str, now: float) -> None:
        rec.failures = rec.failures + 1 if rec.reason == reason else 1
        rec.reason = reason
        self._set(rec, "handshake failed", now)

    # -- the read path -----------------------------------------------------------------

    def on_message(
        self, routing_id: bytes | None, size: int, now: float, address: str = "", fd: int | None = None
    ) -> None:
        """One message read (only while ``counting``). ``address``: its Peer-Address;
        ``fd``: the connection it came on, which would make the match exact (no caller gives it
        yet: libzmq 4.3 has it only as the deprecated ZMQ_SRCFD)."""
        rec = self._by_fd.get(fd) if fd is not None else None
        if rec is not None:
            if routing_id is not None and rec.routing_id != routing_id:
                rec.routing_id = routing_id
                self._by_rid[routing_id] = rec
        else:
            rec = self._for_message(routing_id, now)
        if rec is None:
            return
        rec.messages += 1
        rec.bytes_in += size
        rec.last_seen = now
        if address:
            rec.address = address
        self._records.move_to_end(rec.serial)

    def _for_message(self, routing_id: bytes | None, now: float) -> PeerRecord | None:
        if routing_id is None:
            return next(iter(self._live.values())) if len(self._live) == 1 else None
        known = self._by_rid.get(routing_id)
        if known is not None and known.state in ("connected", ""):
            return known
        # The first message of this routing id, or the first since its connection went: it
        # belongs to a connection that has no routing id yet, if there is one.
        rec = next((r for r in self._live.values() if r.routing_id is None), None)
        if rec is None:
            if known is not None:
                return known  # read after its connection went (it was queued)
            rec = self._new("", now, "")  # a peer the monitor never saw (inproc, say)
        rec.routing_id = routing_id
        self._by_rid[routing_id] = rec
        return rec

    # -- keeping it bounded ------------------------------------------------------------

    def _new(self, endpoint: str, now: float, state: str) -> PeerRecord:
        rec = PeerRecord(next(self._serials), endpoint, now, now, state, now)
        self._records[rec.serial] = rec
        while len(self._records) > self.limit:
            _, old = self._records.popitem(last=False)
            self.evicted += 1
            self._forget(old)
        return rec

    def _forget(self, rec: PeerRecord) -> None:
        if rec.fd is not None and self._by_fd.get(rec.fd) is rec:
            del self._by_fd[rec.fd]
        if rec.routing_id is not None and self._by_rid.get(rec.routing_id) is rec:
            del self._by_rid[rec.routing_id]
        if self._by_connect.get(rec.endpoint) is rec:
            del self._by_connect[rec.endpoint]
        if rec in self._handshaking:
            self._handshaking.remove(rec)
        self._live.pop(rec.serial, None)
        if self._failed_by_reason.get(rec.reason) is rec:
            del self._failed_by_reason[rec.reason]

    def _set(self, rec: PeerRecord, state: str, now: float) -> None:
        rec.state, rec.state_time = state, now
        if state == "connected":
            self._live[rec.serial] = rec
        else:
            self._live.pop(rec.serial, None)
        rec.last_seen = max(rec.last_seen, now)
        self._records.move_to_end(rec.serial)
