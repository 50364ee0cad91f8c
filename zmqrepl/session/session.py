"""A session: named sockets driven by the command language.

    >>> s = Session()
    >>> s.run("socket r rep; bind r tcp://127.0.0.1:*")
    >>> s.close()

``run``/``execute`` may be called from any thread; every socket lives in the
engine thread. Results are plain data (results.py); front ends render them.
"""

from __future__ import annotations

from concurrent.futures import TimeoutError as FutureTimeout
from typing import Mapping

from ..core import SocketType, ZMQError
from .cmd_tap import refuse_tap
from .commands import COMMANDS
from .completion import CompletionContext
from .errors import CommandError, core_error
from .events import Message, MonitorNotice, PeerDropped
from .filters import MessageFilter
from .handle import SocketHandle
from .parser import parse
from .progress import ProgressListener, follow
from .results import Result
from .state import SessionState
from .stats import RateSample
from .syntax import Command
from .tokens import split_commands
from .waiters import Waiter

__all__ = ["Session"]


class Session(SessionState):
    # The command table, for `help` (whose handler cannot import the table that names it).
    # Not a setting: the parser and completion read the same table from commands.py.
    commands: Mapping[str, Command] = COMMANDS
    # The front end's: told how long commands (send --count, replay, recv --count, ping)
    # stand, from the thread that runs them (progress.py).
    progress: ProgressListener | None = None

    def execute(self, line: str) -> Result | None:
        """Run one command; raises CommandError (one line, with a hint)."""
        parsed = parse(line, file_limit=self.file_limit)
        if parsed is None:
            return None
        command = parsed.command
        if self.closed and not command.after_close:
            raise CommandError("the session is closed", "start a new one")
        refuse_tap(self, parsed)
        try:
            return command.handler(self, parsed)
        except ZMQError as exc:
            raise core_error(exc.message, refers=command.name) from None
        except FutureTimeout:
            raise CommandError(
                f"{command.name} did not finish", "the session engine is busy; try again"
            ) from None

    def run(self, text: str) -> list[Result]:
        """Run commands separated by ';' or newlines; stops at the first error, and after a
        command stopped by Ctrl-C."""
        results = []
        for line in split_commands(text):
            result = self.execute(line)
            if result is not None:
                results.append(result)
                if result.quit or result.interrupted:
                    break
        return results

    def receive_following(
        self, name: str, count: int, timeout_ms: int | None = None, filt: MessageFilter | None = None
    ) -> tuple[list[list[bytes]], bool]:
        """``receive`` with progress for more than one message: Ctrl-C then returns what came
        (and True) instead of cancelling."""
        if count <= 1:
            return self.receive(name, count, timeout_ms, filt), False
        entry = self.entry(name)
        if entry.kind in (SocketType.PUB, SocketType.PUSH):
            return self.receive(name, count, timeout_ms, filt), False  # refused there, in one place
        waiter = Waiter(count, filt)

        def register() -> None:
            entry.waiters.append(waiter)
            self.update_reader(entry)

        def finish() -> None:
            """Engine thread: end the wait with what came (timeout, Ctrl-C)."""
            if waiter in entry.waiters:
                entry.waiters.remove(waiter)
                self.update_reader(entry)
            if not waiter.future.done():
                waiter.future.set_result(list(waiter.messages))

        def stop() -> None:
            self.engine.submit(finish)

        try:
            self.engine.call(register)
            if timeout_ms is not None:
                self.engine.submit(lambda: self.engine.call_later(timeout_ms / 1000, finish))
        except KeyboardInterrupt:  # the register may still run: a waiter left would take messages
            stop()
            raise
        messages, stopped = follow(
            waiter.future,
            self.progress,
            f"recv {entry.name}",
            count,
            lambda: len(waiter.messages),
            stop,
        )
        if not messages and not stopped:
            raise CommandError(
                f"no message on {entry.name} within {timeout_ms} ms",
                "check that a peer is sending; sockets shows the counters",
            )
        return messages, stopped

    # -- what front ends ask -----------------------------------------------------------

    def socket_names(self) -> list[str]:
        return list(self.entries)

    def socket_type(self, name: str) -> SocketType | None:
        entry = self.entries.get(name)
        return entry.kind if entry else None

    def endpoints_used(self) -> list[str]:
        return list(self.endpoints_seen)

    def completion_context(self) -> CompletionContext:
        """What completion asks of this session (names, endpoints, types), read live."""
        return CompletionContext(self.socket_names, self.endpoints_used, self.socket_type)

    def handle(self, name: str) -> SocketHandle:
        """A thread-safe Python handle on socket ``name``."""
        self.entry(name)
        return SocketHandle(self, name)

    def watch_buffer(self, name: str) -> list[Message]:
        return self.entry(name).buffer.snapshot()

    def rate_history(self, name: str) -> list[RateSample]:
        """Socket ``name``'s rates, about one sample a second, oldest first (stats.py)."""
        return self.entry(name).stats.rates()

    def dropped_peers(self, name: str) -> list[PeerDropped]:
        """The newest connections of socket ``name`` that libzmq dropped (see links.py)."""
        return list(self.entry(name).drops)

    def monitor_events(self, name: str) -> list[MonitorNotice]:
        """The newest connection events of a monitored socket."""
        return list(self.entry(name).monitor_events)
