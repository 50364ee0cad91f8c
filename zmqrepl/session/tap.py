"""A tap: the session between two running programs, passing on every message, both ways.

    tap t tcp://127.0.0.1:5555 tcp://127.0.0.1:5556    # clients now connect to :5555

A tap is a front socket bound at LISTEN, where the clients connect instead of TARGET,
and a back socket connected to TARGET, by pattern:

    reqrep    ROUTER front, DEALER back. The front's routing id of the client stays the
              first frame of the request (an envelope frame, as zmq_proxy passes it), so
              a REP or ROUTER server answers with it first and the front routes the reply
              back to that client: REQ and DEALER clients both work, unchanged.
    pubsub    XPUB front, XSUB back. Subscriptions go upstream and show as events.
    pipeline  PULL front, PUSH back: one way.

Everything runs in the engine thread, which polls the tap's sockets with the others. A
wake-up takes up to READ_BATCH messages and sends them on without blocking: while nobody
watches or records, inside C from socket to socket (core.forward); otherwise as one batch
read (one call into C) and shown. When the far side cannot take more (its queue is at its
HWM, or no peer is connected yet), what was taken and not sent (one message from
core.forward, the rest of a batch otherwise) waits here and the tap stops reading that
side until the far side drains: backpressure, as zmq_proxy's blocking send gives, so
nothing is lost and memory stays bounded (that much per direction, plus libzmq's queues up
to their HWMs). After passing messages on, the engine polls for the next without sleeping
for the tap's --spin us (defaults.DEFAULT_TAP_SPIN_US).

The exception is a reply the ROUTER front cannot hand to its client: the client has gone,
or its queue is full (a slow client, at its HWM). Such a reply is dropped, as zmq_proxy's
ROUTER drops it, and counted ("dropped N" in ``sockets``), never lost silently: holding it
would hold every other client's replies behind it. A PUB-side send (pubsub) drops for a
slow subscriber exactly as the publisher itself would.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

from ..core import (
    Again,
    Errno,
    Event,
    Forwarded,
    MessageProperties,
    Monitor,
    Option,
    Socket,
    SocketType,
    ZMQError,
    forward,
    forwarded_before,
)
from ..core.monitor import parse_monitor_message
from .entry import SocketEntry
from .errors import CommandError, clip
from .events import SUBSCRIPTION
from .records import DIRECTIONS, record_line
from .showing import Showing
from .state import READ_BATCH

if TYPE_CHECKING:
    from .state import SessionState

__all__ = ["PATTERNS", "Flow", "Pattern", "Tap", "looping", "peer_text", "same_endpoint"]


@dataclass(frozen=True)
class Pattern:
    name: str
    front: SocketType
    back: SocketType
    up: str  # how a message from the clients to the server shows in watch
    down: str  # ... and from the server to the clients ("": the pattern is one way)
    columns: tuple[str, str]  # the sockets table's labels for up and down


PATTERNS = {
    "reqrep": Pattern(
        "reqrep", SocketType.ROUTER, SocketType.DEALER, "client→server", "server→client", ("c→s", "s→c")
    ),
    "pubsub": Pattern(
        "pubsub", SocketType.XPUB, SocketType.XSUB, SUBSCRIPTION, "pub→sub", ("sub→pub", "pub→sub")
    ),
    "pipeline": Pattern("pipeline", SocketType.PULL, SocketType.PUSH, "client→server", "", ("c→s", "")),
}


_ADDRESSES_KEPT = 1000  # clients whose address a tap remembers for their replies


_WILDCARDS = ("0.0.0.0", "[::]", "*")
_LOOPBACKS = ("127.0.0.1", "localhost", "[::1]")


def same_endpoint(bound: str, target: str) -> bool:
    """Whether connecting to ``target`` reaches ``bound``, as far as is cheap to tell: the
    same text, or a tcp wildcard bind and a loopback target on the same port."""
    if bound == target:
        return True
    if not (bound.startswith("tcp://") and target.startswith("tcp://")):
        return False
    host, _, port = bound[6:].rpartition(":")
    target_host, _, target_port = target[6:].rpartition(":")
    return port == target_port and host in _WILDCARDS and target_host in _LOOPBACKS


def looping(name: str, target: str) -> CommandError:
    return CommandError(
        f"tap {name}: LISTEN and TARGET are the same endpoint ({clip(target)}): the tap would "
        "send every message back to itself",
        "TARGET is where the server listens; LISTEN is a new endpoint for the clients",
    )


def peer_text(routing_id: bytes) -> str:
    """A routing id as watch shows it: printable ASCII as it is, anything else as hex."""
    if routing_id and all(32 < b < 127 for b in routing_id):
        return routing_id.decode("ascii")
    return "0x" + routing_id.hex()


class Flow:
    """One direction of a tap: read ``src``, show and record, send on ``dst``."""

    def __init__(self, tap: Tap, src: Socket, dst: Socket, label: str, record_as: str) -> None:
        self.tap = tap
        self.src = src
        self.dst = dst
        self.label = label
        self.record_as = record_as
        # The first frame names the client: read from the ROUTER front (a request) or
        # the DEALER back (the reply, which carries the client's routing id first).
        self.routed = tap.pattern.front is SocketType.ROUTER
        self.from_front = src is tap.entry.socket
        self.to_router = dst.type is SocketType.ROUTER
        self.count = 0  # messages passed on
        self.nbytes = 0
        self.dropped = 0  # replies for a client that has gone or whose queue is full
        self.pending: list[list[bytes]] = []  # taken, not yet sent: the far side was full
        self.blocked = False  # waiting for dst to drain (reading src stopped)

    def pump(self, _sock: Socket | None = None) -> None:
        """Engine thread, ``src`` readable: take a batch and pass it on."""
        # The front's messages carry the client's Peer-Address: read it only while someone
        # looks (watch, record, peers), since it costs a call into libzmq per message.
        tap = self.tap
        observed = tap.observed
        counting = self.from_front and tap.entry.peers.counting
        if not (observed or counting):
            self._pass_unseen()
            return
        batch = self.src.recv_many(
            READ_BATCH, nonblocking=True, properties=self.from_front and (observed or counting)
        )
        n = len(batch)
        if not n:
            return
        tap.engine.spin_for(tap.spin_us)
        # Passed on first, then counted, shown and recorded: whatever fails there (a
        # recording on a full disk) cannot hold back messages already taken from libzmq.
        if self.to_router:
            self._forward(list(batch))
        else:
            # Messages of one frame each (a pipeline's, usually) go as bytes: no list apiece.
            single = batch.ends[n - 1] == n
            sent = self.dst.send_many(batch.frames() if single else batch, nonblocking=True)
            self.count += sent
            if sent == n:  # the usual case: everything went, in one call into C
                self.nbytes += batch.nbytes
            else:
                rest = batch[sent:]
                self.nbytes += batch.nbytes - sum(len(f) for m in rest for f in m)
                self._hold(rest)
            tap.counted()
        if counting:  # `peers NAME`: each client's messages, as for any socket
            tap.state.count_peers(tap.entry, batch, batch.properties)
        if observed:
            tap.observe(self, batch, batch.properties)

    def _pass_unseen(self) -> None:
        """Nobody looks: the messages go from socket to socket inside C (core.forward),
        with no Python object per message."""
        try:
            moved = forward(self.src, self.dst, READ_BATCH, routed=self.to_router)
        except ZMQError as exc:  # what went before the error still counts
            done = forwarded_before(exc)
            if done is not None:
                self._count(done.count, done.nbytes, done.dropped)
            raise
        self.moved(moved)

    def unseen(self) -> bool:
        """Asked by the engine before each wait: may C pass this side's messages on by
        itself meanwhile (Engine.add_forwarder)? Only while nobody looks at them (no
        watch, recording or peer count of the front) and nothing waits to be sent."""
        tap = self.tap
        return not (tap.observed or (self.from_front and tap.entry.peers.counting) or self.pending)

    def moved(self, moved: Forwarded) -> None:
        """What was passed on inside C, by _pass_unseen or while the engine waited."""
        self._count(moved.count, moved.nbytes, moved.dropped)
        if moved.count:  # not after a hold: the far side is full, nothing comes soon
            self.tap.engine.spin_for(self.tap.spin_us)
        if moved.held is not None:
            self._hold([moved.held])

    def _count(self, count: int, nbytes: int, dropped: int) -> None:
        self.count += count
        self.nbytes += nbytes
        self.dropped += dropped
        self.tap.counted()

    def drain(self, _sock: Socket | None = None) -> None:
        """Engine thread, ``dst`` writable again: send what waited, then read again."""
        pending, self.pending = self.pending, []
        self._forward(pending)

    def _forward(self, msgs: list[list[bytes]]) -> None:
        if self.to_router:
            done = self._send_routed(msgs)
        else:
            done = self.dst.send_many(msgs, nonblocking=True)
            self.count += done
            self.nbytes += sum(len(f) for m in msgs[:done] for f in m)
        if done < len(msgs):
            self._hold(msgs[done:])
        elif self.blocked:
            self.blocked = False
            self.tap.engine.remove_writer(self.dst)
            if not self.tap.paused:
                self.tap.engine.add_reader(self.src, self.pump)
        self.tap.counted()

    def _hold(self, rest: list[list[bytes]]) -> None:
        """The far side is full: keep the rest and stop reading this side until it drains."""
        self.pending = rest
        if not self.blocked:
            self.blocked = True
            self.tap.engine.remove_reader(self.src)
            self.tap.engine.add_writer(self.dst, self.drain)

    def _send_routed(self, msgs: list[list[bytes]]) -> int:
        """Send to the ROUTER front one message at a time, so that a reply no client can
        take is counted and skipped: its client has gone (EHOSTUNREACH, with
        router_mandatory) or its queue is at the HWM (EAGAIN: a slow client). Waiting for
        the ROUTER to be writable instead would stall every other client's replies, and
        never block either: a ROUTER is writable while any one client's pipe has room.
        Returns how far it got: all of them, sent or dropped."""
        dst = self.dst
        for msg in msgs:
            try:
                dst.send_multipart(msg, nonblocking=True)
            except Again:
                self.dropped += 1
                continue
            except ZMQError as exc:
                if exc.errno != Errno.EHOSTUNREACH:
                    raise
                self.dropped += 1
                continue
            self.count += 1
            self.nbytes += sum(len(f) for f in msg)
        return len(msgs)

    def start(self) -> None:
        engine = self.tap.engine
        engine.add_forwarder(
            self.src,
            self.dst,
            routed=self.to_router,
            active=self.unseen,
            moved=self.moved,
            respin_us=self.tap.spin_us,
        )
        if self.blocked:
            engine.add_writer(self.dst, self.drain)
        else:
            engine.add_reader(self.src, self.pump)

    def stop(self) -> None:
        self.tap.engine.remove_forwarder(self.src)
        self.tap.engine.remove_reader(self.src)
        self.tap.engine.remove_writer(self.dst)


class Tap:
    """The two sockets of a tap and its flows; everything here runs in the engine thread."""

    def __init__(
        self, state: SessionState, entry: SocketEntry, back: Socket, pattern: Pattern, spin_us: int = 0
    ) -> None:
        self.state = state
        self.engine = state.engine
        self.events = state.events
        self.entry = entry  # its socket is the front
        self.back = back
        self.pattern = pattern
        self.paused = False
        self.spin_us = spin_us  # see defaults.DEFAULT_TAP_SPIN_US
        self.back_monitor: Monitor | None = None
        self.target_connected = False  # a handshake with TARGET succeeded, and it is still up
        # The newest clients' addresses by routing id, so a reply shows its client's.
        self._addresses: OrderedDict[bytes, str] = OrderedDict()
        front = entry.socket
        self.up = Flow(self, front, back, pattern.up, DIRECTIONS["client"])
        self.down = Flow(self, back, front, pattern.down, DIRECTIONS["server"]) if pattern.down else None

    @property
    def flows(self) -> list[Flow]:
        return [self.up] + ([self.down] if self.down is not None else [])

    @classmethod
    def open(
        cls,
        state: SessionState,
        name: str,
        pattern: Pattern,
        listen: str,
        target: str,
        options: dict[str, int],
        spin_us: int = 0,
    ) -> Tap:
        """Make both sockets, bind LISTEN, connect TARGET, start forwarding (engine thread)."""
        front = Socket(pattern.front, state.engine.context)
        back = Socket(pattern.back, state.engine.context)
        entry = SocketEntry(name, pattern.front, front, showing=Showing(state.show_keep))
        try:
            for sock in (front, back):  # the session's defaults (linger, heartbeats...)
                for option, value in options.items():
                    sock.set(option, value)
            if pattern.front is SocketType.ROUTER:
                front.set(Option.ROUTER_MANDATORY, True)  # a reply nobody can take: counted
            if pattern.front is SocketType.XPUB:
                front.set(Option.XPUB_VERBOSER, True)  # every subscribe and unsubscribe is shown
            bound = state.bind_watched(entry, listen)  # `peers` sees every client connect
            if same_endpoint(bound, target):  # as bound: tcp://*:P is tcp://0.0.0.0:P
                raise looping(name, target)
            # Whether TARGET is there (sockets shows it): the back's handshakes and losses.
            back_monitor = back.monitor(Event.HANDSHAKE_SUCCEEDED | Event.DISCONNECTED)
            back.connect(target)
        except BaseException:
            state.stop_monitor(entry)
            front.close(linger=0)
            back.close(linger=0)  # and its monitor, if any
            raise
        entry.changed.update(options)
        tap = cls(state, entry, back, pattern, spin_us)
        tap.back_monitor = back_monitor
        state.engine.add_reader(back_monitor.socket, tap._back_events)
        entry.tap = tap
        for flow in tap.flows:
            flow.start()
        return tap

    @property
    def target(self) -> str:
        """TARGET, and whether the back is connected to it."""
        connected = self.back.endpoints[1]
        shown = connected[0] if connected else "-"
        return shown if self.target_connected else f"{shown} (not connected)"

    @property
    def listen(self) -> str:
        bound = self.entry.socket.endpoints[0]
        return bound[0] if bound else "-"

    def pause(self) -> None:
        self.paused = True
        for flow in self.flows:
            flow.stop()

    def resume(self) -> None:
        self.paused = False
        for flow in self.flows:
            flow.start()

    def _back_events(self, _sock: Socket | None = None) -> None:
        """Engine thread: the back socket's connection to TARGET came or went."""
        mon = self.back_monitor
        for _ in range(READ_BATCH):
            frames = mon.socket.recv_multipart(nonblocking=True) if mon is not None else None
            if frames is None:
                return
            self.target_connected = parse_monitor_message(frames).event == Event.HANDSHAKE_SUCCEEDED

    def close(self) -> None:
        """Stop forwarding and close the back socket (the session closes the front)."""
        for flow in self.flows:
            flow.stop()
        if self.back_monitor is not None:
            self.engine.remove_reader(self.back_monitor.socket)
            self.back_monitor.close()
            self.back_monitor = None
        self.back.close()

    def counted(self) -> None:
        """Keep the entry's counters (the sockets table and its rates read them)."""
        self.entry.received = self.up.count
        self.entry.sent = self.down.count if self.down is not None else 0
        self.entry.bytes_in = self.up.nbytes
        self.entry.bytes_out = self.down.nbytes if self.down is not None else 0

    @property
    def observed(self) -> bool:
        """Whether someone looks at the traffic (watch, record)."""
        return self.entry.watching or self.entry.record_file is not None

    def observe(
        self, flow: Flow, batch: Iterable[list[bytes]], properties: Sequence[MessageProperties] = ()
    ) -> None:
        """Show (watch) and record a batch taken, once it is sent on.
        ``properties``: each message's, for a batch read from the front."""
        entry = self.entry
        shown = list(batch)
        peers = [self._peer(flow, m, properties[i] if properties else None) for i, m in enumerate(shown)]
        now = time.time()
        if entry.record_file is not None:  # a full disk, say, stops the recording: the tap goes on
            self.state.write_records(
                entry,
                (
                    record_line(now, entry.name, self._frames(flow, m), flow.record_as, peer)
                    for m, peer in zip(shown, peers)
                ),
            )
        if entry.watching:
            # As for any socket (state.py): shown at most every 100 ms, the newest of a burst.
            frames = [self._frames(flow, m) for m in shown] if flow.routed else shown
            self.state.show(entry, now, frames, [(flow.label, peer) for peer in peers])

    @staticmethod
    def _frames(flow: Flow, message: list[bytes]) -> list[bytes]:
        """The frames as the client sent or gets them: a ROUTER front's routing id is shown
        as the peer, not as a frame. The message passed on is unchanged."""
        return message[1:] if flow.routed and len(message) > 1 else message

    def _peer(self, flow: Flow, message: list[bytes], props: MessageProperties | None) -> str:
        """Who the client is, as far as the front knows: its routing id (ROUTER front) and
        its address (Peer-Address of its requests; a reply gets its request's)."""
        address = (props.peer_address or "") if props is not None else ""
        if not (flow.routed and len(message) > 1):
            return address  # an XPUB or PULL front knows no routing id
        rid = message[0]
        if address:
            self._addresses[rid] = address
            self._addresses.move_to_end(rid)
            if len(self._addresses) > _ADDRESSES_KEPT:
                self._addresses.popitem(last=False)
        else:
            address = self._addresses.get(rid, "")
        return f"{peer_text(rid)} {address}" if address else peer_text(rid)

    @property
    def directions(self) -> tuple[str, str]:
        return self.pattern.columns

    @property
    def dropped(self) -> int:
        return sum(f.dropped for f in self.flows)
