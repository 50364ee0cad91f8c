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
from .handle import SocketHandle
from .parser import parse
from .results import Result
from .state import SessionState
from .syntax import Command
from .tokens import split_commands

__all__ = ["Session"]


class Session(SessionState):
    # The command table, for `help` (whose handler cannot import the table that names it).
    # Not a setting: the parser and completion read the same table from commands.py.
    commands: Mapping[str, Command] = COMMANDS

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
            raise core_error(exc.message, f"see: help {command.name}") from None
        except FutureTimeout:
            raise CommandError(
                f"{command.name} did not finish", "the session engine is busy; try again"
            ) from None

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

    def dropped_peers(self, name: str) -> list[PeerDropped]:
        """The newest connections of socket ``name`` that libzmq dropped (see links.py)."""
        return list(self.entry(name).drops)

    def monitor_events(self, name: str) -> list[MonitorNotice]:
        """The newest connection events of a monitored socket."""
        return list(self.entry(name).monitor_events)
