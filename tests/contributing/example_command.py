"""The example of CONTRIBUTING.md as code: a ``counters`` command, added the way it says.

In zmqrepl itself the row goes into ``_TABLE`` in zmqrepl/session/commands.py, the
handler into a cmd_*.py module and the result class into results.py. Here ``install()``
adds the same row to the running table, so the tests can show that one row, one handler
and one result class are all it takes to appear in help, completion, the shell and the
magics.

    python -m tests.contributing.example_command      # the shell, with `counters` in it
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from zmqrepl.session import COMMANDS, Arg, ArgKind, Command, Parsed, Result, Session

__all__ = ["COUNTERS", "Counters", "counters", "install"]


@dataclass(frozen=True)
class Counters(Result):
    """What ``counters`` answers: messages received and sent by one socket."""

    socket: str
    received: int
    sent: int

    @property
    def lines(self) -> list[str]:
        return [f"{self.socket}: {self.received} in, {self.sent} out"]

    @property
    def value(self) -> dict[str, int]:
        return {"in": self.received, "out": self.sent}


def counters(session: Session, p: Parsed) -> Counters:
    entry = session.entry(p.args["NAME"])  # a CommandError naming the open sockets if unknown
    return Counters(entry.name, entry.received, entry.sent)


COUNTERS = Command(
    "counters",
    "show how many messages a socket received and sent",
    counters,
    (Arg("NAME", ArgKind.SOCKET),),
    examples=("counters s",),
)


def install() -> None:
    COMMANDS[COUNTERS.name] = COUNTERS


if __name__ == "__main__":
    install()
    from zmqrepl.shell.app import main

    sys.exit(main())
