"""The other commands: help, version, curve, auth, probe, sleep, source, quit.

Each public function is a handler named by the command table (commands.py).
"""

from __future__ import annotations

import platform
import time
from typing import TYPE_CHECKING

from .. import __version__
from ..core import curve_keypair
from .errors import CommandError
from .probe import probe_endpoint
from .render import help_lines
from .results import (
    AuthState,
    HelpText,
    KeyPair,
    ProbeReport,
    Quit,
    Result,
    ScriptRan,
    TextLines,
    VersionInfo,
)
from .scripts import read_script
from .syntax import Parsed

if TYPE_CHECKING:
    from .session import Session

__all__ = [
    "MAX_SOURCE_DEPTH",
    "auth",
    "curve",
    "help_text",
    "probe",
    "quit_session",
    "sleep",
    "source",
    "version",
]

MAX_SOURCE_DEPTH = 8


class _SourceError(CommandError):
    """An error already located at a file and line of a source file."""


def help_text(session: Session, p: Parsed) -> HelpText:
    name = p.args.get("CMD")
    table = session.commands
    command = table[name] if name else None
    return HelpText(tuple(help_lines(table, command)), tuple(table.values()), command)


def version(session: Session, p: Parsed) -> VersionInfo:
    return VersionInfo(
        __version__,
        ".".join(map(str, session.libzmq_version)),
        platform.python_version(),
        session.security_warning,
    )


def curve(session: Session, p: Parsed) -> KeyPair:
    if p.args["keypair"].lower() != "keypair":
        raise CommandError(f"curve {p.args['keypair']!r} is not a curve command", "curve keypair")
    public, secret = curve_keypair()
    return KeyPair(public, secret)


def auth(session: Session, p: Parsed) -> AuthState:
    action = (p.args.get("ACTION") or "show").lower()
    args: list[str] = p.args.get("ARGS") or []
    lines = session.engine.call(lambda: session.auth.apply(action, args))
    return AuthState(session.auth.running, tuple(lines))


def probe(session: Session, p: Parsed) -> ProbeReport:
    # A plain TCP connection, no libzmq socket: it runs here, not on the engine thread,
    # and messages keep showing meanwhile.
    timeout: int = p.flags["timeout"]
    if timeout < 1:
        raise CommandError("--timeout must be at least 1 ms", "e.g. probe tcp://127.0.0.1:5555 --timeout 500")
    return probe_endpoint(p.args["ENDPOINT"], timeout)


def sleep(session: Session, p: Parsed) -> TextLines:
    time.sleep(p.args["MS"] / 1000)
    return TextLines()


def source(session: Session, p: Parsed) -> ScriptRan:
    path: str = p.args["FILE"]
    if session.source_depth >= MAX_SOURCE_DEPTH:
        raise CommandError(
            f"source files nest more than {MAX_SOURCE_DEPTH} deep", "check for a file that sources itself"
        )
    commands = read_script(path, f"source file {path}", "source FILE")
    results: list[Result] = []
    session.source_depth += 1
    try:
        for number, command in commands:
            try:
                result = session.execute(command)
            except CommandError as exc:
                # Said where once, at the innermost file: nested sources do not
                # stack eight "a.zmq line 1:" prefixes on one line.
                if isinstance(exc, _SourceError):
                    raise
                raise _SourceError(
                    f"{path} line {number}: {exc.message}", exc.hint, refers=exc.refers, usage=exc.usage
                ) from None
            if result is not None:
                results.append(result)
                if result.quit or result.interrupted:
                    break
    finally:
        session.source_depth -= 1
    return ScriptRan(path, tuple(results))


def quit_session(session: Session, p: Parsed) -> Quit:
    session.close()
    return Quit()
