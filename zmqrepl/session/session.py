"""A session: named sockets driven by the command language.

    >>> s = Session()
    >>> s.run("socket r rep; bind r tcp://127.0.0.1:*")
    >>> s.close()

``run``/``execute`` may be called from any thread; every socket lives in the
engine thread. Results are plain data (``Result``); front ends render them.
"""

from __future__ import annotations

import os
import platform
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, Callable

from .. import __version__
from ..core import Again, Event, Option, Socket, SocketType, ValueType, ZMQError, curve_keypair, zmq_version
from ..core.monitor import parse_monitor_message
from .commands import COMMANDS
from .engine import Engine, wait
from .entry import SocketEntry
from .errors import CommandError
from .events import EventLog, Message, MonitorNotice, Notice
from .frames import parse_frame
from .handle import SocketHandle
from .parser import Parsed, parse
from .records import read_records, record_line
from .render import help_lines
from .tokens import Token, split_commands
from .waiters import Waiter
from .zap import SessionAuth

__all__ = ["DEFAULT_LINGER_MS", "DEFAULT_MAXMSGSIZE", "Result", "Session", "SocketInfo"]

DEFAULT_LINGER_MS = 1000
DEFAULT_MAXMSGSIZE = 64 * 1024 * 1024
DEFAULT_SEND_TIMEOUT_MS = 2000
READ_BATCH = 1000  # messages taken from one socket before the engine looks at the others
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass
class Result:
    """What a command produced: a value for Python, text lines, messages to render."""

    command: str
    value: Any = None
    lines: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    quit: bool = False


@dataclass(frozen=True)
class SocketInfo:
    name: str
    type: str
    endpoints: str
    options: str
    received: int
    sent: int
    rate_in: float
    rate_out: float
    flags: str

    COLUMNS = ("name", "type", "endpoints", "options", "in", "out", "in/s", "out/s", "live")

    def row(self) -> tuple[object, ...]:
        return (self.name, self.type, self.endpoints, self.options, self.received, self.sent,
                f"{self.rate_in:.0f}", f"{self.rate_out:.0f}", self.flags)


class Session:
    def __init__(self, *, linger: int = DEFAULT_LINGER_MS, maxmsgsize: int = DEFAULT_MAXMSGSIZE,
                 event_capacity: int = 500) -> None:
        self.linger = linger
        self.maxmsgsize = maxmsgsize
        self.events = EventLog(event_capacity)
        self.engine = Engine(on_error=self._background_error)
        self._entries: dict[str, SocketEntry] = {}
        self._endpoints: list[str] = []
        self._source_depth = 0
        self._closed = False
        self._tick_at = time.monotonic()
        self.auth = SessionAuth(self.engine)
        self.engine.submit(lambda: self.engine.call_later(1.0, self._tick))

    # -- for front ends --------------------------------------------------------

    def execute(self, line: str) -> Result | None:
        """Run one command; raises CommandError (one line, with a hint)."""
        parsed = parse(line)
        if parsed is None:
            return None
        if self._closed and parsed.command.name not in ("help", "version", "quit"):
            raise CommandError("the session is closed", "start a new one")
        handler: Callable[[Parsed], Result] = getattr(self, "_cmd_" + parsed.command.name)
        try:
            return handler(parsed)
        except ZMQError as exc:
            raise _core_error(exc.message, f"see: help {parsed.command.name}") from None
        except FutureTimeout:
            raise CommandError(f"{parsed.command.name} did not finish",
                               "the session engine is busy; try again") from None

    def run(self, text: str) -> list[Result]:
        """Run commands separated by ';' or newlines; stops at the first error."""
        results = []
        for line in split_commands(text):
            result = self.execute(line)
            if result is not None:
                results.append(result)
                if result.quit:
                    break
        return results

    def socket_names(self) -> list[str]:
        return list(self._entries)

    def socket_type(self, name: str) -> SocketType | None:
        entry = self._entries.get(name)
        return entry.kind if entry else None

    def endpoints_used(self) -> list[str]:
        return list(self._endpoints)

    def sockets(self) -> list[SocketInfo]:
        """A snapshot of every socket and its counters (safe from any thread)."""
        out = []
        for e in list(self._entries.values()):
            opts = ", ".join(f"{k}={_short(v)}" for k, v in e.changed.items()) or "-"
            out.append(SocketInfo(e.name, e.kind.name.lower(), e.endpoint_text, opts, e.received,
                                  e.sent, e.rate_in, e.rate_out, e.flags_text))
        return out

    def handle(self, name: str) -> SocketHandle:
        """A thread-safe Python handle on socket ``name``."""
        self._entry(name)
        return SocketHandle(self, name)

    def watch_buffer(self, name: str) -> list[Message]:
        return self._entry(name).buffer.snapshot()

    def monitor_events(self, name: str) -> list[MonitorNotice]:
        """The newest connection events of a monitored socket."""
        return list(self._entry(name).monitor_events)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.engine.stop(cleanup=self._close_all)

    @property
    def closed(self) -> bool:
        return self._closed

    # -- engine-side helpers ---------------------------------------------------

    def _entry(self, name: str) -> SocketEntry:
        entry = self._entries.get(name)
        if entry is None:
            names = ", ".join(self._entries) or "none yet"
            raise CommandError(f"no socket named {name!r} (open: {names})",
                               f"make one with: socket {name} TYPE")
        return entry

    def _background_error(self, exc: BaseException) -> None:
        text = exc.message if isinstance(exc, (ZMQError, CommandError)) else repr(exc)
        self.events.push(Notice(text, error=True))

    def _tick(self) -> None:
        now = time.monotonic()
        seconds, self._tick_at = now - self._tick_at, now
        for entry in list(self._entries.values()):
            entry.tick(seconds)
            if entry.record_file is not None:
                entry.record_file.flush()
        if not self._closed:
            self.engine.call_later(1.0, self._tick)

    def _update_reader(self, entry: SocketEntry) -> None:
        if entry.needs_reading and not entry.socket.closed:
            self.engine.add_reader(entry.socket, lambda _sock: self._read(entry))
        else:
            self.engine.remove_reader(entry.socket)

    def _read(self, entry: SocketEntry) -> None:
        if entry.waiters:
            self._read_for_waiters(entry)
            return
        # Watching or recording only: take everything queued in one call into C.
        batch = entry.socket.recv_many(READ_BATCH, nonblocking=True)
        count = len(batch)
        if not count:
            return
        entry.received += count
        entry.bytes_in += batch.nbytes
        if entry.record_file is not None:
            now = time.time()
            entry.record_file.writelines(record_line(now, entry.name, frames) for frames in batch)
        if entry.watching:
            # The event log keeps only its newest `capacity` events anyway: older
            # messages of a burst are counted as dropped without being captured.
            shown = min(count, self.events.capacity)
            if count > shown:
                self.events.count_dropped(entry.name, count - shown)
            for frames in batch[count - shown:]:
                msg = Message.capture(entry.name, frames, entry.fmt)
                entry.buffer.add(msg)
                self.events.push(msg)

    def _read_for_waiters(self, entry: SocketEntry) -> None:
        """One message at a time: what no waiter takes must stay queued in libzmq."""
        sock = entry.socket
        for _ in range(READ_BATCH):
            frames = sock.recv_multipart(nonblocking=True)
            if frames is None:
                return
            entry.received += 1
            entry.bytes_in += sum(len(f) for f in frames)
            if entry.record_file is not None:
                entry.record_file.write(record_line(time.time(), entry.name, frames))
            if entry.waiters[0].offer(frames):
                entry.waiters.pop(0)
                if not entry.waiters:
                    self._update_reader(entry)
                    return

    def _close_entry(self, entry: SocketEntry) -> None:
        self.engine.remove_reader(entry.socket)
        self._stop_monitor(entry)
        self._stop_record(entry)
        for waiter in entry.waiters:
            if not waiter.future.done():
                waiter.future.set_exception(CommandError(f"socket {entry.name} was closed"))
        entry.waiters.clear()
        entry.socket.close()
        self._entries.pop(entry.name, None)

    def _close_all(self) -> None:
        for entry in list(self._entries.values()):
            self._close_entry(entry)
        self.auth.stop()

    def _stop_monitor(self, entry: SocketEntry) -> None:
        if entry.monitor is not None:
            self.engine.remove_reader(entry.monitor.socket)
            entry.monitor.close()
            entry.monitor = None

    def _stop_record(self, entry: SocketEntry) -> None:
        if entry.record_file is not None:
            entry.record_file.close()
            entry.record_file = None
            self._update_reader(entry)

    # -- commands ----------------------------------------------------------------

    def _cmd_help(self, p: Parsed) -> Result:
        name = p.args.get("CMD")
        return Result("help", None, help_lines(COMMANDS[name] if name else None))

    def _cmd_version(self, p: Parsed) -> Result:
        libzmq = ".".join(map(str, zmq_version()))
        value = {"zmqrepl": __version__, "libzmq": libzmq, "python": platform.python_version()}
        return Result("version", value, [f"zmqrepl {__version__}, libzmq {libzmq}, "
                                         f"Python {platform.python_version()}"])

    def _cmd_socket(self, p: Parsed) -> Result:
        name: str = p.args["NAME"]
        kind: SocketType = p.args["TYPE"]
        if name in self._entries:
            raise CommandError(f"a socket named {name!r} exists already",
                               f"pick another name, or close {name} first")

        def create() -> SocketEntry:
            sock = Socket(kind, self.engine.context)
            sock.set(Option.LINGER, self.linger)
            sock.set(Option.MAXMSGSIZE, self.maxmsgsize)
            entry = SocketEntry(name, kind, sock)
            # Session defaults that differ from libzmq's show in the sockets table.
            entry.changed.update(linger=self.linger, maxmsgsize=self.maxmsgsize)
            self._entries[name] = entry
            return entry

        self.engine.call(create)
        return Result("socket", name, [f"{name}: {kind.name.lower()} socket "
                                       f"(linger {self.linger} ms, maxmsgsize {self.maxmsgsize})"])

    def _endpoint_cmd(self, p: Parsed, op: str) -> Result:
        entry = self._entry(p.args["NAME"])
        endpoint: str = p.args["ENDPOINT"]

        def act() -> str:
            if op == "bind":
                resolved = entry.socket.bind(endpoint)
                entry.bound.append(resolved)
                return resolved
            getattr(entry.socket, op)(endpoint)
            target = entry.connected if op in ("connect", "disconnect") else entry.bound
            if op == "connect":
                target.append(endpoint)
            elif endpoint in target:
                target.remove(endpoint)
            return endpoint

        done = self.engine.call(act)
        if op in ("bind", "connect") and done not in self._endpoints:
            self._endpoints.append(done)
        past = {"bind": "bound to", "connect": "connecting to", "unbind": "unbound from",
                "disconnect": "disconnected from"}[op]
        return Result(op, done, [f"{entry.name} {past} {done}"])

    def _cmd_bind(self, p: Parsed) -> Result:
        return self._endpoint_cmd(p, "bind")

    def _cmd_connect(self, p: Parsed) -> Result:
        return self._endpoint_cmd(p, "connect")

    def _cmd_unbind(self, p: Parsed) -> Result:
        return self._endpoint_cmd(p, "unbind")

    def _cmd_disconnect(self, p: Parsed) -> Result:
        return self._endpoint_cmd(p, "disconnect")

    def _cmd_set(self, p: Parsed) -> Result:
        entry = self._entry(p.args["NAME"])
        option: str = p.args["OPTION"]
        value = _option_value(option, p.args["VALUE"])

        def act() -> None:
            entry.socket.set(option, value)
            entry.changed[option] = value

        try:
            self.engine.call(act)
        except (TypeError, ValueError) as exc:
            raise _core_error(str(exc), "see: help set") from None
        return Result("set", value, [f"{entry.name}.{option} = {_short(value)}"])

    def _cmd_get(self, p: Parsed) -> Result:
        entry = self._entry(p.args["NAME"])
        option: str = p.args["OPTION"]
        try:
            value = self.engine.call(lambda: entry.socket.get(option))
        except ValueError as exc:
            raise CommandError(str(exc), "options you set show in: sockets") from None
        shown = _short(value)
        if option == "type" and isinstance(value, int):
            shown = SocketType(value).name.lower()
        elif option == "events" and isinstance(value, int):
            shown = " ".join(w for w, bit in (("in", 1), ("out", 2)) if value & bit) or "none"
        return Result("get", value, [f"{entry.name}.{option} = {shown}"])

    def _subscription(self, p: Parsed, on: bool) -> Result:
        entry = self._entry(p.args["NAME"])
        topic: bytes = p.args.get("TOPIC") or b""
        verb = "subscribe" if on else "unsubscribe"
        if entry.kind not in (SocketType.SUB, SocketType.XSUB):
            raise CommandError(f"{entry.name} is a {entry.kind.name.lower()} socket; only sub and "
                               f"xsub sockets {verb}", "make one with: socket NAME sub")

        def act() -> None:
            if entry.kind is SocketType.SUB:
                entry.socket.set(Option.SUBSCRIBE if on else Option.UNSUBSCRIBE, topic)
            else:
                entry.socket.send((b"\x01" if on else b"\x00") + topic, nonblocking=True)
            key = "subscribe" if on else "unsubscribe"
            entry.changed[key] = topic

        self.engine.call(act)
        shown = repr(topic.decode("utf-8", "replace")) if topic else "everything"
        return Result(verb, topic, [f"{entry.name} {verb}d to {shown}"
                                    if on else f"{entry.name} unsubscribed from {shown}"])

    def _cmd_subscribe(self, p: Parsed) -> Result:
        return self._subscription(p, True)

    def _cmd_unsubscribe(self, p: Parsed) -> Result:
        return self._subscription(p, False)

    def _cmd_send(self, p: Parsed) -> Result:
        entry = self._entry(p.args["NAME"])
        frames: list[bytes] = p.args["FRAME"]
        self.send_frames(entry.name, frames)
        total = sum(len(f) for f in frames)
        return Result("send", None, [f"{entry.name}: sent {len(frames)} part"
                                     f"{'s' if len(frames) != 1 else ''}, {total} bytes"])

    def send_frames(self, name: str, frames: list[bytes],
                    timeout_ms: int = DEFAULT_SEND_TIMEOUT_MS) -> None:
        """Send one message; waits (without blocking the engine) up to ``timeout_ms``."""
        entry = self._entry(name)
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
                    done.set_exception(CommandError(
                        f"{entry.name} could not send within {timeout_ms} ms: no peer is ready "
                        "to take the message", "connect or bind a peer first; sockets shows endpoints"))
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

    def _cmd_recv(self, p: Parsed) -> Result:
        entry = self._entry(p.args["NAME"])
        count: int = p.flags["count"]
        timeout: int | None = p.flags["timeout"]
        messages = self.receive(entry.name, count, timeout)
        fmt = p.flags["format"]
        shown = [Message.capture(entry.name, m, fmt) for m in messages]
        lines: list[str] = []
        if len(messages) < count:
            lines.append(f"{entry.name}: {len(messages)} of {count} messages before the timeout")
        value: Any = messages[0] if count == 1 and messages else messages
        return Result("recv", value, lines, shown)

    def receive(self, name: str, count: int = 1, timeout_ms: int | None = None) -> list[list[bytes]]:
        """Wait for ``count`` messages; Ctrl-C (KeyboardInterrupt) cancels and re-raises."""
        entry = self._entry(name)
        if entry.kind in (SocketType.PUB, SocketType.PUSH):
            raise CommandError(f"{entry.name} is a {entry.kind.name.lower()} socket and cannot receive",
                               "receive on a sub, pull, rep, req, dealer, router or pair socket")
        waiter = Waiter(count)

        def register() -> None:
            entry.waiters.append(waiter)
            self._update_reader(entry)

        def unregister() -> None:
            if waiter in entry.waiters:
                entry.waiters.remove(waiter)
                self._update_reader(entry)

        self.engine.call(register)
        try:
            return wait(waiter.future, None if timeout_ms is None else timeout_ms / 1000)
        except FutureTimeout:
            self.engine.call(unregister)
            if waiter.messages:
                return list(waiter.messages)
            raise CommandError(f"no message on {entry.name} within {timeout_ms} ms",
                               "check that a peer is sending; sockets shows the counters") from None
        except KeyboardInterrupt:
            self.engine.call(unregister)
            raise

    def _cmd_watch(self, p: Parsed) -> Result:
        entries = [self._entry(n) for n in p.args["NAME"]]
        fmt: str = p.flags["format"]

        def act() -> None:
            for entry in entries:
                entry.watching = True
                entry.fmt = fmt
                self._update_reader(entry)

        self.engine.call(act)
        names = " ".join(e.name for e in entries)
        return Result("watch", [e.name for e in entries], [f"watching {names} (unwatch to stop)"])

    def _cmd_unwatch(self, p: Parsed) -> Result:
        name = p.args.get("NAME")
        entries = [self._entry(name)] if name else list(self._entries.values())

        def act() -> None:
            for entry in entries:
                entry.watching = False
                self._update_reader(entry)

        self.engine.call(act)
        names = " ".join(e.name for e in entries) or "nothing"
        return Result("unwatch", [e.name for e in entries], [f"stopped watching {names}"])

    def _cmd_monitor(self, p: Parsed) -> Result:
        entry = self._entry(p.args["NAME"])
        off = p.args.get("off")
        if off is not None and off.lower() != "off":
            raise CommandError(f"monitor takes 'off' after the name, not {off!r}", "monitor NAME [off]")
        if off:
            self.engine.call(lambda: self._stop_monitor(entry))
            return Result("monitor", (False, entry.name), [f"{entry.name}: monitor off"])

        def start() -> None:
            if entry.monitor is not None:
                return
            mon = entry.socket.monitor(Event.ALL)
            entry.monitor = mon

            def read(_sock: Socket) -> None:
                for _ in range(READ_BATCH):
                    frames = mon.socket.recv_multipart(nonblocking=True)
                    if frames is None:
                        return
                    ev = parse_monitor_message(frames)
                    name = (ev.event.name or str(int(ev.event))).lower()
                    notice = MonitorNotice(entry.name, time.time(), name, ev.endpoint, ev.value)
                    entry.monitor_events.append(notice)
                    self.events.push(notice)

            self.engine.add_reader(mon.socket, read)

        self.engine.call(start)
        return Result("monitor", (True, entry.name), [f"{entry.name}: monitoring connection events (monitor "
                                        f"{entry.name} off to stop)"])

    def _cmd_poll(self, p: Parsed) -> Result:
        entries = [self._entry(n) for n in p.args["NAME"]]
        timeout: int = p.flags["timeout"] or 0
        deadline = time.monotonic() + timeout / 1000

        def check() -> dict[str, list[str]]:
            state = {}
            for e in entries:
                events = e.socket.events
                state[e.name] = [w for w, bit in (("in", 1), ("out", 2)) if int(events) & bit]
            return state

        while True:
            state = self.engine.call(check)
            if any(state.values()) or time.monotonic() >= deadline:
                break
            time.sleep(0.01)
        lines = [f"{name}: {' '.join(ready) if ready else 'nothing ready'}" for name, ready in state.items()]
        return Result("poll", state, lines)

    def _cmd_close(self, p: Parsed) -> Result:
        entry = self._entry(p.args["NAME"])
        self.engine.call(lambda: self._close_entry(entry))
        return Result("close", entry.name, [f"{entry.name} closed"])

    def _cmd_sockets(self, p: Parsed) -> Result:
        from .render import table_lines

        infos = self.sockets()
        if not infos:
            return Result("sockets", infos, ["no sockets yet (make one with: socket NAME TYPE)"])
        return Result("sockets", infos, table_lines(SocketInfo.COLUMNS, [i.row() for i in infos]))

    def _cmd_curve(self, p: Parsed) -> Result:
        if p.args["keypair"].lower() != "keypair":
            raise CommandError(f"curve {p.args['keypair']!r} is not a curve command", "curve keypair")
        public, secret = curve_keypair()
        # Quoted: a Z85 key may start with # or @, which the command language reads
        # as a comment or a file; quoted, it pastes back into a command as it is.
        return Result("curve", (public, secret), [f"public '{public.decode()}'",
                                                  f"secret '{secret.decode()}'"])

    def _cmd_auth(self, p: Parsed) -> Result:
        action = (p.args.get("ACTION") or "show").lower()
        args: list[str] = p.args.get("ARGS") or []
        lines = self.engine.call(lambda: self.auth.apply(action, args))
        return Result("auth", self.auth.running, lines)

    def _cmd_record(self, p: Parsed) -> Result:
        entry = self._entry(p.args["NAME"])
        path = p.args.get("FILE")
        if p.flags["stop"]:
            self.engine.call(lambda: self._stop_record(entry))
            return Result("record", None, [f"{entry.name}: recording stopped"])
        if not path:
            raise CommandError("record needs a FILE (or --stop)", "record NAME FILE")
        try:
            fh = open(os.path.expanduser(path), "a", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror}", "pick a writable path") from None

        def start() -> None:
            self._stop_record(entry)
            entry.record_file = fh
            entry.record_path = path
            self._update_reader(entry)

        self.engine.call(start)
        return Result("record", path, [f"{entry.name}: recording incoming messages to {path}"])

    def _cmd_replay(self, p: Parsed) -> Result:
        entry = self._entry(p.args["NAME"])
        path: str = p.args["FILE"]
        speed: float = p.flags["speed"]
        try:
            with open(os.path.expanduser(path), encoding="utf-8") as fh:
                records = read_records(fh, path)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}", "replay FILE NAME") from None
        if not records:
            return Result("replay", 0, [f"{path} holds no messages"])
        start_t = records[0][0]
        plan = [((t - start_t) / speed if speed > 0 else 0.0, frames) for t, frames in records]
        self.engine.submit(lambda: self._replay_step(entry, plan, 0, time.monotonic(), path))
        span = plan[-1][0]
        return Result("replay", len(plan), [f"replaying {len(plan)} messages from {path} to "
                                            f"{entry.name} over {span:.1f} s"])

    def _replay_step(self, entry: SocketEntry, plan: list[tuple[float, list[bytes]]], index: int,
                     started: float, path: str) -> None:
        now = time.monotonic()
        while index < len(plan) and started + plan[index][0] <= now:
            if entry.socket.closed:
                self.events.push(Notice(f"replay of {path} stopped: {entry.name} was closed", True))
                return
            try:
                entry.socket.send_multipart(plan[index][1], nonblocking=True)
            except Again:
                break  # no room now: try again shortly, keeping the order
            entry.sent += 1
            index += 1
        if index >= len(plan):
            self.events.push(Notice(f"replay of {path} to {entry.name} done: {len(plan)} messages sent"))
            return
        delay = max(0.002, started + plan[index][0] - time.monotonic())
        self.engine.call_later(delay, lambda: self._replay_step(entry, plan, index, started, path))

    def _cmd_sleep(self, p: Parsed) -> Result:
        time.sleep(p.args["MS"] / 1000)
        return Result("sleep", None, [])

    def _cmd_source(self, p: Parsed) -> Result:
        path: str = p.args["FILE"]
        if self._source_depth >= 8:
            raise CommandError("source files nest more than 8 deep", "check for a file that sources itself")
        try:
            with open(os.path.expanduser(path), encoding="utf-8") as fh:
                text = fh.read()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}", "source FILE") from None
        out = Result("source", [])
        self._source_depth += 1
        try:
            for number, line in enumerate(text.splitlines(), 1):
                for command in split_commands(line):
                    try:
                        result = self.execute(command)
                    except CommandError as exc:
                        raise CommandError(f"{path}:{number}: {exc.message}", exc.hint) from None
                    if result is not None:
                        out.value.append(result)
                        out.lines.extend(result.lines)
                        out.messages.extend(result.messages)
                        if result.quit:
                            out.quit = True
                            return out
        finally:
            self._source_depth -= 1
        return out

    def _cmd_quit(self, p: Parsed) -> Result:
        self.close()
        return Result("quit", None, [], quit=True)


def _core_error(text: str, fallback_hint: str) -> CommandError:
    """A CommandError from a zmqrepl.core message, keeping its own "(hint: ...)" if it has one."""
    message, sep, hint = text.partition(" (hint: ")
    if sep and hint.endswith(")"):
        return CommandError(message, hint[:-1])
    return CommandError(text, fallback_hint)


def _short(value: Any) -> str:
    if isinstance(value, bytes):
        text = value.decode("utf-8", "replace")
        return repr(text if len(text) <= 24 else text[:23] + "…")
    return str(value)


def _option_value(option: str, token: Token) -> Any:
    """The Python value for ``set``, by the option's type."""
    vt = ValueType.INT if option == "hwm" else Option.from_name(option).value_type
    text = token.text
    if vt in (ValueType.INT, ValueType.INT64, ValueType.UINT64):
        try:
            return int(text, 0)
        except ValueError:
            raise CommandError(f"option {option} takes a whole number, not {text!r}",
                               f"e.g. set NAME {option} 1000") from None
    if vt is ValueType.BOOL:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise CommandError(f"option {option} takes true or false, not {text!r}",
                           f"e.g. set NAME {option} true")
    if vt is ValueType.STR:
        return text
    if vt is ValueType.CURVE_KEY and not token.quoted and len(text) == 40:
        return text  # a Z85 key as curve keypair prints it, even one starting with @ or 0x
    return parse_frame(token)


