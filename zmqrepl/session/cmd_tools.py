"""The other commands: help, version, curve, auth, sleep, source, quit."""

from __future__ import annotations

import platform
import time

from .. import __version__
from ..core import curve_keypair
from .base import SessionCore
from .commands import COMMANDS
from .errors import CommandError
from .parser import Parsed
from .render import help_lines
from .results import (
    Result,
)
from .scripts import MAX_SCRIPT, MAX_SCRIPT_LINE, read_script

__all__ = ["MAX_SCRIPT", "MAX_SCRIPT_LINE", "MAX_SOURCE_DEPTH", "ToolCommands"]

MAX_SOURCE_DEPTH = 8
# MAX_SCRIPT and MAX_SCRIPT_LINE are defined in .scripts, which the shell shares; they are
# imported here too, where callers have always found them.


class _SourceError(CommandError):
    """An error already located at a file and line of a source file."""


class ToolCommands(SessionCore):
    def _cmd_help(self, p: Parsed) -> Result:
        name = p.args.get("CMD")
        return Result("help", None, help_lines(COMMANDS[name] if name else None))

    def _cmd_version(self, p: Parsed) -> Result:
        libzmq = ".".join(map(str, self.libzmq_version))
        value = {"zmqrepl": __version__, "libzmq": libzmq, "python": platform.python_version(),
                 "warning": self.security_warning}
        lines = [f"zmqrepl {__version__}, libzmq {libzmq}, Python {platform.python_version()}"]
        if self.security_warning:
            lines.append("warning: " + self.security_warning)
        return Result("version", value, lines)

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

    def _cmd_sleep(self, p: Parsed) -> Result:
        time.sleep(p.args["MS"] / 1000)
        return Result("sleep", None, [])

    def _cmd_source(self, p: Parsed) -> Result:
        path: str = p.args["FILE"]
        if self._source_depth >= MAX_SOURCE_DEPTH:
            raise CommandError(f"source files nest more than {MAX_SOURCE_DEPTH} deep",
                               "check for a file that sources itself")
        commands = read_script(path, f"source file {path}", "source FILE")
        out = Result("source", [])
        self._source_depth += 1
        try:
            for number, command in commands:
                try:
                    result = self.execute(command)
                except CommandError as exc:
                    # Said where once, at the innermost file: nested sources do not
                    # stack eight "a.zmq line 1:" prefixes on one line.
                    if isinstance(exc, _SourceError):
                        raise
                    raise _SourceError(f"{path} line {number}: {exc.message}", exc.hint) from None
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
