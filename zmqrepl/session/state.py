"""The session's state and machinery: the engine, named sockets, reading, waiting.

``SessionState`` holds what every command works on. Most of its public methods are for
the command handlers (cmd_sockets.py, cmd_messages.py, cmd_tools.py), which the table in
commands.py names; front ends use ``sockets()``, ``close()`` and ``closed``, and
``Session`` (session.py) adds running commands and the rest of what front ends ask.
"""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from functools import partial
from typing import Iterable, Sequence

from ..core import (
    Again,
    Event,
    MessageProperties,
    Option,
    SocketType,
    ZMQError,
    security_warning_for,
    zmq_version,
)
from ..core.monitor import parse_monitor_message
from .captured import MessageRing
from .defaults import (
    DEFAULT_HEARTBEAT_IVL_MS,
    DEFAULT_HEARTBEAT_TIMEOUT_MS,
    DEFAULT_HISTORY_BYTES,
    DEFAULT_HISTORY_SIZE,
    DEFAULT_LINGER_MS,
    DEFAULT_MAXMSGSIZE,
    DEFAULT_SEND_TIMEOUT_MS,
    DEFAULT_VIEW,
    HEARTBEAT_TYPES,
)
from .engine import Engine, wait
from .entry import SocketEntry
from .errors import CommandError, clip
from .events import EventLog, MonitorNotice, Notice, PeerDropped
from .files import human_size
from .filters import MessageFilter
from .flood import FLOOD_BATCH, nap_after_read
from .frames import FileLimit
from .handshake import MECHANISMS, is_handshake_failure
from .handshake import explain as explain_handshake
from .hidden import option_text
from .inbox import MAX_MESSAGES, SESSION_MAX_BYTES
from .links import GRACE
from .records import record_line, record_lines
from .results import SocketInfo
from .showing import SHOW_INTERVAL_S, SHOW_KEEP, Chunk, Label, in_order
from .waiters import Waiter
from .zap import SessionAuth

__all__ = ["READ_BATCH", "ROUTING_ID_FIRST", "SessionState"]

READ_BATCH = 1000  # messages taken from one socket before the engine looks at the others
# Socket types whose received messages start with the sender's routing id.
# Sockets whose received messages start with the peer's routing id (a frame libzmq adds).
ROUTING_ID_FIRST = (SocketType.ROUTER, SocketType.STREAM)


class SessionState:
    def __init__(
        self,
        *,
        linger: int = DEFAULT_LINGER_MS,
        maxmsgsize: int = DEFAULT_MAXMSGSIZE,
        heartbeat_ivl: int = DEFAULT_HEARTBEAT_IVL_MS,
        heartbeat_timeout: int = DEFAULT_HEARTBEAT_TIMEOUT_MS,
        event_capacity: int = 500,
        history_size: int = DEFAULT_HISTORY_SIZE,
        history_bytes: int = DEFAULT_HISTORY_BYTES,
        view: str = DEFAULT_VIEW,
        show_keep: int = SHOW_KEEP,
        inbox_bytes: int = SESSION_MAX_BYTES,
        libzmq_version: tuple[int, int, int] | None = None,
    ) -> None:
        """``libzmq_version``: the version the session reports and judges for security
        warnings; by default the one loaded (another lets tests see an old one's warning).
        ``history_size``: messages kept for show and history, ``history_bytes``: the most
        bytes of frames they hold (the newest is kept even past it); ``view``: how watch and recv
        show messages unless told (full or line); ``show_keep``: display objects made per
        watched socket every 100 ms under a flood (the rest are counted as not shown): a front
        end that shows fewer says how many, and none are made only to be passed over;
        ``inbox_bytes``: the most bytes of frames all sockets' inboxes hold together
        (inbox.py)."""
        self.libzmq_version = libzmq_version or zmq_version()
        self.security_warning = security_warning_for(self.libzmq_version)
        self.curve_server_warned = False
        self.linger = linger
        self.maxmsgsize = maxmsgsize
        self.heartbeat_ivl = heartbeat_ivl  # 0: new sockets send no heartbeats
        self.heartbeat_timeout = heartbeat_timeout
        self.events = EventLog(event_capacity)
        self.captured = MessageRing(history_size, history_bytes)  # numbered messages: show N, history
        self.view = view
        self.show_keep = max(1, show_keep)
        self.inbox_bytes = inbox_bytes
        self.engine = Engine(on_error=self._background_error)
        self.entries: dict[str, SocketEntry] = {}
        self.endpoints_seen: list[str] = []
        self.source_depth = 0
        self._closed = False
        self.drops: deque[PeerDropped] = deque(maxlen=100)  # newest last, every socket
        # Disconnects that were checked, or are to be, for a drop (see links.py): exact
        # counts, so that "nothing was dropped" can be told from "nothing was checked".
        self.drop_checks_scheduled = 0
        self.drop_checks_done = 0
        self._tick_at = time.monotonic()
        # Display objects (showing.py): reads numbered in order, one take for every socket.
        self._show_seq = 0
        self._show_due = False  # a take is due (the engine has a timer for it)
        self._shown_at = float("-inf")  # monotonic time of the last take
        self.auth = SessionAuth(self.engine)
        self.engine.submit(lambda: self.engine.call_later(1.0, self._tick))

    def sockets(self) -> list[SocketInfo]:
        """A snapshot of every socket and its counters (safe from any thread)."""
        out = []
        for e in list(self.entries.values()):
            opts = ", ".join(f"{_option_label(k)}={option_text(k, v)}" for k, v in e.changed.items()) or "-"
            out.append(
                SocketInfo(
                    e.name,
                    f"tap {e.tap.pattern.name}" if e.tap else e.kind.name.lower(),
                    e.endpoint_text,
                    opts,
                    e.received,
                    e.sent,
                    e.rate_in,
                    e.rate_out,
                    e.flags_text,
                    e.tap.directions if e.tap else (),
                    e.watch_matched if e.watching and e.watch_filter is not None else None,
                    e.record_matched if e.record_file is not None and e.record_filter is not None else None,
                )
            )
        return out

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.engine.stop(cleanup=self._close_all)

    @property
    def closed(self) -> bool:
        return self._closed

    def new_socket_options(self, heartbeats: bool = True) -> dict[str, int]:
        """What a socket the session makes is set to, where it differs from libzmq's
        defaults: linger and maxmsgsize, and heartbeats if ``heartbeats`` and not turned
        off (libzmq sends none, so a stopped peer would stay connected)."""
        options = {"linger": self.linger, "maxmsgsize": self.maxmsgsize}
        if heartbeats and self.heartbeat_ivl > 0:
            options.update(heartbeat_ivl=self.heartbeat_ivl, heartbeat_timeout=self.heartbeat_timeout)
        return options

    def note_heartbeats(self, entry: SocketEntry) -> None:
        """Engine thread, after a bind or connect: libzmq gives the connections it makes
        the heartbeat options set at that moment; once one may have heartbeats, the engine
        reads the socket as messages come, into its inbox (inbox.py says why)."""
        kind = entry.kind
        if entry.drained or entry.tap is not None or kind not in HEARTBEAT_TYPES or kind is SocketType.PUSH:
            return  # PUSH: nothing to read
        ivl = entry.socket.get(Option.HEARTBEAT_IVL)
        if isinstance(ivl, int) and ivl > 0:
            entry.drained = True
            self.update_reader(entry)

    def bind_watched(self, entry: SocketEntry, endpoint: str) -> str:
        """Engine thread: bind with the session's monitor on from before, so `peers` sees
        every connection. A failed bind makes libzmq send a BIND_FAILED event to that
        monitor, which overwrites errno (EAGAIN: "nothing to receive"); the reason is then
        learnt by binding once more without the monitor."""
        self.watch_connections(entry)
        try:
            bound = entry.socket.bind(endpoint)
        except Again:
            shown = entry.monitoring
            self.stop_monitor(entry)
            try:
                bound = entry.socket.bind(endpoint)  # raises the true error, or binds after all
            finally:
                self.watch_connections(entry)
                entry.monitoring = shown
        self.note_heartbeats(entry)
        return bound

    def note_endpoint(self, endpoint: str) -> None:
        """Remember an endpoint bound or connected to, for completion."""
        if endpoint not in self.endpoints_seen:
            self.endpoints_seen.append(endpoint)

    def entry(self, name: str) -> SocketEntry:
        entry = self.entries.get(name)
        if entry is None:
            names = ", ".join(self.entries) or "none yet"
            raise CommandError(
                f"no socket named {clip(name)} (open: {names})", f"make one with: socket {name} TYPE"
            )
        return entry

    def file_limit(self, name: str) -> FileLimit:
        """The most an @path frame for socket ``name`` may hold: its maxmsgsize, if set."""
        entry = self.entries.get(name)
        return FileLimit.for_socket(name, entry.changed.get("maxmsgsize") if entry else None)

    def _background_error(self, exc: BaseException) -> None:
        text = exc.message if isinstance(exc, (ZMQError, CommandError)) else repr(exc)
        self.events.push(Notice(text, error=True))

    def _tick(self) -> None:
        now = time.monotonic()
        seconds, self._tick_at = now - self._tick_at, now
        for entry in list(self.entries.values()):
            entry.tick(seconds)
            if entry.record_file is not None:
                try:
                    entry.record_file.flush()
                except (OSError, ValueError) as exc:
                    self.recording_failed(entry, exc)
        if not self._closed:
            self.engine.call_later(1.0, self._tick)

    def update_reader(self, entry: SocketEntry) -> None:
        if entry.tap is not None:
            return  # a tap's front is read by the tap (tap.py), for watch and record too
        if entry.needs_reading and not entry.socket.closed:
            self.engine.add_reader(entry.socket, lambda _sock: self._read(entry))
            if len(entry.inbox) and entry.reads_for_someone:
                self._serve_inbox(entry)  # a recv, watch or record just began: the oldest first
        else:
            self.engine.remove_reader(entry.socket)

    def _read(self, entry: SocketEntry) -> None:
        if len(entry.inbox) and entry.reads_for_someone and not self._serve_inbox(entry):
            return  # the recvs waiting took all they asked for: the rest stays, in order
        if entry.waiters:
            self._read_for_waiters(entry)
            return
        # Watching, recording or keeping: take everything queued in one call into C (with
        # each message's properties only once `peers` counts, since they cost a call per
        # message).
        counting = entry.peers.counting
        began = time.monotonic()
        batch = entry.socket.recv_many(READ_BATCH, nonblocking=True, properties=counting)
        count = len(batch)
        if not count:
            return
        read_at = time.monotonic()
        since, entry.read_at = read_at - entry.read_at, read_at
        if count >= FLOOD_BATCH:
            nap = nap_after_read(
                count, since, self._rcvhwm(entry), read_at - began, self.engine.nap_overshoot_s
            )
            self.engine.nap(nap)
        if counting:
            self.count_peers(entry, batch, batch.properties)
        if not entry.reads_for_someone:
            self._keep(entry, batch, batch.nbytes)  # counted as received once taken from there
            return
        self._take_counted(entry, time.time(), batch, batch.nbytes)

    def _take_counted(self, entry: SocketEntry, at: float, batch: Sequence[list[bytes]], nbytes: int) -> None:
        try:
            self._take_batch(entry, at, batch, nbytes)
        finally:
            # Counted last: other threads read the counters (sockets()) without the engine,
            # and one that sees this batch counted then sees its matched and recorded too.
            entry.received += len(batch)
            entry.bytes_in += nbytes

    @staticmethod
    def _rcvhwm(entry: SocketEntry) -> int:
        rcvhwm = entry.socket.get(Option.RCVHWM)
        return rcvhwm if isinstance(rcvhwm, int) else 0

    def _keep(self, entry: SocketEntry, messages: Sequence[list[bytes]], nbytes: int) -> None:
        """Engine thread: messages nobody reads yet, into the socket's inbox (inbox.py)."""
        inbox = entry.inbox
        set_by_user = any(_option_label(k).strip().lower() in ("rcvhwm", "hwm") for k in entry.changed)
        capacity = self._rcvhwm(entry) if set_by_user else MAX_MESSAGES
        held = sum(e.inbox.nbytes for e in self.entries.values())  # a few sockets: cheap
        own_bound = (0 < capacity < inbox.count + len(messages)) or inbox.nbytes + nbytes > inbox.max_bytes
        room = self.inbox_bytes - held
        if not inbox.add(time.time(), messages, nbytes, capacity, room_bytes=room) or inbox.full_said:
            return
        inbox.full_said = True
        if not own_bound:  # the session's bound over all its sockets
            waiting = sorted(e.name for e in self.entries.values() if len(e.inbox))
            names = ", ".join(waiting[:5]) + (f" and {len(waiting) - 5} more" if len(waiting) > 5 else "")
            self.events.push(
                Notice(
                    f"{entry.name}: messages nobody has read ({names}) fill the "
                    f"{human_size(self.inbox_bytes)} the session keeps for them; what comes now is "
                    "dropped and counted (sockets: dropped) (hint: recv, watch or close the sockets "
                    "that wait)",
                    error=True,
                )
            )
        else:
            self.events.push(
                Notice(
                    f"{entry.name}: {len(inbox):,} messages wait unread; what comes now is dropped "
                    f"and counted (sockets: dropped) (hint: recv or watch {entry.name} reads them; "
                    f"set {entry.name} rcvhwm N keeps more; a socket made with heartbeat_ivl 0 keeps "
                    "libzmq's queue, where the sender waits instead)",
                    error=True,
                )
            )

    def _take_batch(self, entry: SocketEntry, at: float, batch: Sequence[list[bytes]], nbytes: int) -> None:
        """Engine thread: messages read at ``at`` (time.time()), ``nbytes`` bytes of frames
        in all, to the recording and the watch."""
        # Recorded first, and each stage guarded on its own: a watch's filter that fails can
        # never empty a recording, nor a recording's filter a watch.
        recorded: Sequence[list[bytes]] | None = None
        rf = entry.record_filter
        if entry.record_file is not None:
            recorded = batch if rf is None else self._select(entry, rf, batch)
            if rf is not None:
                entry.record_matched += len(recorded)
            self.write_records(entry, record_lines(at, entry.name, recorded))
        if entry.watching:
            wf = entry.watch_filter
            watched: Sequence[list[bytes]] = batch
            if wf is not None:
                # The same filter as the recording's (one command gave both): tested once.
                same = recorded is not None and rf is not None and rf.same_as(wf)
                watched = recorded if same and recorded is not None else self._select(entry, wf, batch)
                entry.watch_matched += len(watched)
            # The batch's bytes: exact for the batch, a bound for what a filter let through.
            self.show(entry, at, watched, nbytes=nbytes)

    def show(
        self,
        entry: SocketEntry,
        at: float,
        messages: Sequence[list[bytes]],
        labels: Sequence[Label] | None = None,
        nbytes: int | None = None,
    ) -> None:
        """Engine thread: messages of a watched socket, read at ``at``, for the display.
        (A tap's come with a label each: direction and peer; ``nbytes``: their bytes, or a
        bound on them, if known.) They wait in ``entry.showing`` (a reference to the batch,
        no per-message work) and become display objects at most every SHOW_INTERVAL_S
        (showing.py), those of every watched socket together in the order they were read:
        under a flood only the newest are made, the rest are counted as not shown."""
        self._show_seq += 1
        # A few of the batch, for stats NAME (stats.py); a tap's by peer.
        entry.stats.sample(messages, labels)
        passed = entry.showing.add(self._show_seq, at, messages, labels, nbytes)
        if passed:
            self.events.count_dropped(entry.name, passed)
        if self._show_due or not len(entry.showing):
            return
        wait = self._shown_at + SHOW_INTERVAL_S - time.monotonic()
        if wait <= 0:
            self._show_now()
        else:
            self._show_due = True
            self.engine.call_later(wait, self._show_now)

    def _show_now(self) -> None:
        """Engine thread: what waits on every socket becomes display objects, numbered in
        the order it was read (one socket's in its own order, sockets interleaved by read)."""
        self._show_due = False
        self._shown_at = time.monotonic()
        chunks: list[tuple[Chunk, SocketEntry]] = []
        for entry in list(self.entries.values()):
            if not len(entry.showing):
                continue
            if not entry.watching or entry.socket.closed:
                self.not_shown(entry)
                continue
            taken, passed = entry.showing.take()
            if passed:
                self.events.count_dropped(entry.name, passed)
            chunks.extend((chunk, entry) for chunk in taken)
        # A chunk at a time, not a message at a time: under a flood this runs every 100 ms
        # for a few hundred messages, and one long run of this thread holds a CPU that a
        # peer's I/O thread on this machine may be waiting for (bench/ingest.py: at 500k
        # msg/s a publisher's I/O thread waited up to 3.5 ms behind it, and its SNDHWM
        # dropped what came meanwhile).
        for chunk, entry in in_order(chunks):
            messages = self.captured.capture_many(entry, chunk.waiting(), queued=chunk.queued)
            entry.buffer.add_many(messages)
            self.events.push_many(messages)

    def not_shown(self, entry: SocketEntry) -> None:
        """Engine thread: forget what waits to be shown on ``entry`` (its watch stopped or
        changed, or it closes), counted as not shown: the front ends say "+N more"."""
        count = entry.showing.clear()
        if count:
            self.events.count_dropped(entry.name, count)

    def _select(
        self, entry: SocketEntry, filt: MessageFilter, messages: Sequence[list[bytes]]
    ) -> list[list[bytes]]:
        """The messages ``filt`` lets through; the first time its expression raises, a
        notice. Should the filter itself fail (not one message: each message's failure is
        caught in it), none match and the session says so in a line."""
        try:
            out = filt.select(messages)
        except Exception as exc:  # noqa: BLE001 - told in a notice; the read goes on
            if not filt.warned:
                filt.warned = True
                text = (
                    f"{entry.name}: {clip(filt.text, 60, quoted=False)} failed ({type(exc).__name__}) "
                    f"on a batch of {len(messages):,}: none of them matched; give a simpler filter"
                )
                self.events.push(Notice(text, error=True))
            return []
        for warning in (filt.warning(), filt.grep_warning()):
            if warning:
                self.events.push(Notice(f"{entry.name}: {warning}", error=True))
        return out

    def _read_for_waiters(self, entry: SocketEntry) -> None:
        """While a recv waits: read up to READ_BATCH messages one at a time, so that
        reading stops as soon as the last waiter has all it asked for; what comes after
        stays queued (in libzmq, or the inbox, for the next recv, or the batched read of
        watch and record). Each message read is counted, then given (_give)."""
        sock = entry.socket
        for _ in range(READ_BATCH):
            props: MessageProperties | None = None
            if entry.peers.counting:
                got = sock.recv_multipart(nonblocking=True, properties=True)
                frames, props = got if got is not None else (None, None)
            else:
                frames = sock.recv_multipart(nonblocking=True)
            if frames is None:
                return
            entry.received += 1
            entry.bytes_in += sum(len(f) for f in frames)
            if props is not None:
                self.count_peers(entry, (frames,), (props,))
            if self._give(entry, frames):
                self.update_reader(entry)
                return

    def _serve_inbox(self, entry: SocketEntry) -> bool:
        """Engine thread: the inbox's messages to whoever reads now, counted as received
        now (`peers` counted them when they came). True once the inbox is empty; False
        when the recvs waiting took all they asked for first."""
        if not entry.waiters:
            for chunk in entry.inbox.take_all():
                self._take_counted(entry, chunk.at, chunk.messages, chunk.nbytes)
            return True
        while True:
            frames = entry.inbox.take_one()
            if frames is None:
                return True
            entry.received += 1
            entry.bytes_in += sum(map(len, frames))
            if self._give(entry, frames):
                self.update_reader(entry)  # a watch or record may take the rest, in order
                return not len(entry.inbox)

    def _give(self, entry: SocketEntry, frames: list[bytes]) -> bool:
        """Engine thread: one message read while a recv waits: recorded (through the
        recording's filter) and counted as matched by the watch's filter, but not shown;
        it goes to the first waiter whose filter lets it through, and one that no waiter
        takes is dropped (still counted as received). True once no waiter is left."""
        wf = entry.watch_filter
        if entry.watching and wf is not None and self._select(entry, wf, (frames,)):
            entry.watch_matched += 1  # counted, though recv takes it (watch shows none meanwhile)
        if entry.record_file is not None:
            rf = entry.record_filter
            if rf is None or self._select(entry, rf, (frames,)):
                entry.record_matched += rf is not None
                self.write_records(entry, (record_line(time.time(), entry.name, frames),))
        # The first waiter whose filter (recv --where/--grep) takes it; a message none
        # takes is passed over (it counts as received).
        for i, waiter in enumerate(entry.waiters):
            if waiter.filter is not None and not self._select(entry, waiter.filter, (frames,)):
                continue
            if waiter.offer(frames):
                entry.waiters.pop(i)
                return not entry.waiters
            break
        return False

    def count_peers(
        self, entry: SocketEntry, messages: Sequence[list[bytes]], properties: Sequence[MessageProperties]
    ) -> None:
        """The one place the read paths (these and a tap's, tap.py) tell the peer book
        (peerbook.py) of messages, with each message's properties (the core's, read only
        while `peers` counts): its Peer-Address fills the address column."""
        # A connection's HANDSHAKE_SUCCEEDED is queued on the monitor before its first
        # message can be read, but the engine may read the message first: the book must
        # know the connection to give it the message.
        self._read_monitor(entry)
        book = entry.peers
        now = time.time()
        first = entry.kind in ROUTING_ID_FIRST
        for frames, props in zip(messages, properties):
            address = props.peer_address or ""
            if first and frames:  # the routing id frame is the socket's, not the peer's bytes
                book.on_message(frames[0], sum(map(len, frames)) - len(frames[0]), now, address)
            else:
                book.on_message(None, sum(map(len, frames)), now, address)

    def close_entry(self, entry: SocketEntry) -> None:
        if entry.tap is not None:
            entry.tap.close()
        self.engine.remove_reader(entry.socket)
        self.stop_monitor(entry)
        self.stop_record(entry)
        self.not_shown(entry)
        for waiter in entry.waiters:
            waiter.fail(CommandError(f"socket {entry.name} was closed"))
        entry.waiters.clear()
        entry.inbox.clear()
        entry.socket.close()
        self.entries.pop(entry.name, None)

    def _close_all(self) -> None:
        for entry in list(self.entries.values()):
            self.close_entry(entry)
        self.auth.stop()

    # -- connection events: one monitor per socket, shared by `monitor` and links.py --------
    # libzmq allows one monitor per socket, so the user's `monitor NAME` only shows what
    # this one reads. It starts at a socket's first bind or connect (the peer book of
    # `peers` needs both; only a connect's drops can be told, see links.py) or `monitor`,
    # and costs two file descriptors (measured: 3 per
    # socket instead of 1) and a poll item; it carries connection events only (a few per
    # peer, or 10 a second while a connect retries).

    def watch_connections(self, entry: SocketEntry) -> None:
        """Engine thread: start the socket's monitor unless it runs already."""
        if entry.monitor is not None:
            return
        try:
            mon = entry.socket.monitor(Event.ALL)
        except ZMQError:
            return  # out of file descriptors, say: the socket still works, drops go untold
        entry.monitor = mon
        self.engine.add_reader(mon.socket, lambda _sock: self._read_monitor(entry))

    def _read_monitor(self, entry: SocketEntry) -> None:
        mon = entry.monitor
        for _ in range(READ_BATCH):
            if mon is None or mon.socket.closed:
                return
            frames = mon.socket.recv_multipart(nonblocking=True)
            if frames is None:
                return
            ev = parse_monitor_message(frames)
            now = time.time()
            name = (ev.event.name or str(int(ev.event))).lower()
            reason = self._handshake_reason(entry, name, ev.value) if is_handshake_failure(name) else ""
            connects = entry.connected_endpoints()
            entry.peers.on_event(name, ev.endpoint, ev.value, ev.endpoint in connects, reason, now)
            if name == "disconnected" and entry.waiters and not entry.peers.connected:
                for waiter in list(entry.waiters):  # a ping ends here (and leaves the list)
                    waiter.peer_gone(ev.endpoint)
            if entry.monitoring:
                notice = MonitorNotice(entry.name, now, name, ev.endpoint, ev.value, reason)
                entry.monitor_events.append(notice)
                self.events.push(notice)
            token = entry.links.observe(ev.event, ev.endpoint, connects)
            if token is not None:
                self.drop_checks_scheduled += 1
                self.engine.call_later(GRACE, partial(self._check_drop, entry, ev.endpoint, token))

    def _handshake_reason(self, entry: SocketEntry, event: str, value: int) -> str:
        """A handshake failure in words, with what this socket and the session's ZAP
        handler know (rare: read per failure, not per message)."""
        try:
            mechanism = MECHANISMS.get(int(entry.socket.get(Option.MECHANISM)), "")
        except ZMQError:
            mechanism = ""
        zap_reason = ""
        log = self.auth.policy.log
        if event == "handshake_failed_auth" and self.auth.running and log and self._is_server(entry):
            # The session's handler answers for its own server sockets only: its newest
            # refusal for this mechanism is this one (a client refused by a remote ZAP
            # handler gets no reason of ours).
            last = log[-1]
            if not last.allowed and last.mechanism.upper() == mechanism.upper():
                zap_reason = last.reason
        return explain_handshake(event, value, mechanism, zap_reason)

    @staticmethod
    def _is_server(entry: SocketEntry) -> bool:
        """Whether the socket is the server side of CURVE or PLAIN (ZAP asks about its peers)."""
        try:
            return bool(entry.socket.get(Option.CURVE_SERVER)) or bool(entry.socket.get(Option.PLAIN_SERVER))
        except ZMQError:
            return False

    def _check_drop(self, entry: SocketEntry, endpoint: str, token: int) -> None:
        try:
            self._confirm_drop(entry, endpoint, token)
        finally:
            self.drop_checks_done += 1

    def _confirm_drop(self, entry: SocketEntry, endpoint: str, token: int) -> None:
        if entry.socket.closed or not entry.links.confirm(endpoint, token):
            return
        if endpoint not in entry.connected_endpoints() or int(entry.socket.get(Option.RECONNECT_IVL)) <= 0:
            return  # disconnected by the user, or libzmq was never going to reconnect
        drop = PeerDropped(entry.name, endpoint, int(entry.socket.get(Option.MAXMSGSIZE)))
        entry.drops.append(drop)
        self.drops.append(drop)
        self.events.push(drop)

    def stop_monitor(self, entry: SocketEntry) -> None:
        if entry.monitor is not None:
            self.engine.remove_reader(entry.monitor.socket)
            entry.monitor.close()
            entry.monitor = None
        entry.monitoring = False

    def stop_record(self, entry: SocketEntry) -> None:
        if entry.record_file is not None:
            fh, entry.record_file = entry.record_file, None
            try:
                fh.close()  # closed even when its last flush fails
            except (OSError, ValueError) as exc:
                self._recording_lost(entry, exc)
            self.update_reader(entry)

    def write_records(self, entry: SocketEntry, lines: Iterable[str]) -> None:
        """Write lines to ``entry``'s recording; a failed write stops it, never the read
        (the messages taken from libzmq still go to watch and to waiting recvs)."""
        fh = entry.record_file
        if fh is None:
            return
        try:
            fh.writelines(lines)
        except (OSError, ValueError) as exc:
            self.recording_failed(entry, exc)
            return
        if fh.rotation_failure and not fh.rotation_told:  # it records on, in the open file
            fh.rotation_told = True
            text = f"{entry.name}: recording to {entry.record_path}: {fh.rotation_failure}"
            self.events.push(Notice(text, error=True))

    def recording_failed(self, entry: SocketEntry, exc: OSError | ValueError) -> None:
        """Engine thread: writing ``entry``'s recording failed (a full disk, say). Stop it
        and say so once; the socket goes on (a tap forwards, watch shows)."""
        fh, entry.record_file = entry.record_file, None
        if fh is not None:
            try:
                fh.close()
            except (OSError, ValueError):
                pass  # the same failure again, for what was still buffered
        self._recording_lost(entry, exc, fh.lost if fh is not None else 0)
        self.update_reader(entry)

    def _recording_lost(self, entry: SocketEntry, exc: OSError | ValueError, lost: int = 0) -> None:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        # How many messages the failed write lost (rotation.py counts them): never silent.
        unwritten = f"; {lost:,} messages could not be written" if lost else ""
        entry.record_ended = f"recording to {entry.record_path} stopped: {reason}{unwritten}"
        self.events.push(Notice(f"{entry.name}: {entry.record_ended}", error=True))

    def send_frames(self, name: str, frames: list[bytes], timeout_ms: int = DEFAULT_SEND_TIMEOUT_MS) -> None:
        """Send one message; waits (without blocking the engine) up to ``timeout_ms``."""
        entry = self.entry(name)
        done: Future[None] = Future()
        deadline = time.monotonic() + timeout_ms / 1000

        def attempt() -> None:
            if done.done():
                return
            try:
                entry.socket.send_multipart(frames, nonblocking=True)
            except Again:
                if time.monotonic() < deadline:
                    self.engine.call_later(0.005, attempt)
                else:
                    done.set_exception(
                        CommandError(
                            f"{entry.name} could not send within {timeout_ms} ms: no peer is ready "
                            "to take the message",
                            "connect or bind a peer first; sockets shows endpoints",
                        )
                    )
                return
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
                done.set_exception(exc)
                return
            entry.sent += 1
            entry.bytes_out += sum(len(f) for f in frames)
            done.set_result(None)

        self.engine.submit(attempt)
        try:
            wait(done)
        except KeyboardInterrupt:
            done.cancel()
            raise

    def receive(
        self, name: str, count: int = 1, timeout_ms: int | None = None, filt: MessageFilter | None = None
    ) -> list[list[bytes]]:
        """Wait for ``count`` messages (that ``filt`` lets through, if given); Ctrl-C
        (KeyboardInterrupt) cancels and re-raises."""
        entry = self.entry(name)
        if entry.kind in (SocketType.PUB, SocketType.PUSH):
            raise CommandError(
                f"{entry.name} is a {entry.kind.name.lower()} socket and cannot receive",
                "receive on a sub, pull, rep, req, dealer, router or pair socket",
            )
        waiter = Waiter(count, filt)

        def register() -> None:
            entry.waiters.append(waiter)
            self.update_reader(entry)

        def unregister() -> None:
            if waiter in entry.waiters:
                entry.waiters.remove(waiter)
                self.update_reader(entry)

        self.engine.call(register)
        try:
            return wait(waiter.future, None if timeout_ms is None else timeout_ms / 1000)
        except FutureTimeout:
            self.engine.call(unregister)
            if waiter.messages:
                return list(waiter.messages)
            raise CommandError(
                f"no message on {entry.name} within {timeout_ms} ms",
                "check that a peer is sending; sockets shows the counters",
            ) from None
        except KeyboardInterrupt:
            self.engine.call(unregister)
            raise


def _option_label(option: object) -> str:
    """An option as the user names it (a handle's set may pass an Option)."""
    return option.name.lower() if isinstance(option, Option) else str(option)
