"""The session's help and hints, worded for a notebook: ``%zmq help CMD`` where the shell
says "help CMD", examples as ``%zmq`` lines and ``%%zmq`` cells, help as an HTML table.

The session says which command a hint refers to (CommandError.refers, .usage) and gives
help as rows (HelpText); the wording is chosen here, not rewritten from the shell's.
"""

from __future__ import annotations

import html
import re

from ..session import FRAMES_LINE, HELP_EXAMPLE, Command, CommandError, HelpText
from .html import _CSS

__all__ = ["HelpView", "help_cell_lines", "notebook_hint", "notebook_line"]


def notebook_hint(exc: CommandError) -> str:
    if exc.usage:
        return f"usage: %zmq {exc.usage}; %zmq help {exc.refers} says more"
    if exc.refers is None:
        return exc.hint
    return f"%zmq help {exc.refers}" if exc.refers else "%zmq help lists the commands"


def notebook_line(exc: CommandError) -> str:
    """The error in one line, its hint in the notebook's words."""
    hint = notebook_hint(exc)
    return f"{exc.message} (hint: {hint})" if hint else exc.message


def help_cell_lines() -> list[str]:
    """help's first session, as a cell."""
    return ["%%zmq", *HELP_EXAMPLE]


class HelpView:
    """What ``%zmq help [CMD]`` returns: the help, as HTML and as notebook text."""

    def __init__(self, result: HelpText) -> None:
        self.result = result

    def _repr_html_(self) -> str:
        command = self.result.command
        if command is None:
            return _list_html(self.result.commands)
        return _command_html(command)

    def __repr__(self) -> str:
        command = self.result.command
        if command is None:
            width = max(len(c.name) for c in self.result.commands)
            lines = ["Commands (%zmq help CMD for details):"]
            lines += [f"  {c.name.ljust(width)}  {c.summary}" for c in self.result.commands]
            lines += [FRAMES_LINE, "Example cell:", *help_cell_lines()]
            return "\n".join(lines)
        lines = [f"usage: %zmq {command.usage}", f"  {command.summary}"]
        if command.aliases:
            lines.append("  also: " + ", ".join(command.aliases))
        if command.details:
            lines.append("  " + command.details)
        lines += [f"  --{flag.name}: {flag.help}" for flag in command.flags]
        if command.examples:
            lines += ["examples:", *(f"%zmq {e}" for e in command.examples)]
        return "\n".join(lines)


def _usage_html(usage: str) -> str:
    """A usage line that wraps between its parts, never inside one ("[--count N]")."""
    return re.sub(r"\[[^\]]*\]", lambda m: m.group(0).replace(" ", "&nbsp;"), html.escape(usage))


def _list_html(commands: tuple[Command, ...]) -> str:
    rows = "".join(
        f"<tr><td><b>{html.escape(c.name)}</b></td><td><code>{_usage_html(c.usage)}</code></td>"
        f"<td>{html.escape(c.summary)}</td></tr>"
        for c in commands
    )
    cell = html.escape("\n".join(help_cell_lines()))
    return (
        f"{_CSS}<div class='zmqrepl'><b>Commands</b> <span class='dim'>(%zmq help CMD for details)</span>"
        f"<table class='zmqrepl'><tr><th>command</th><th>usage</th><th>what it does</th></tr>{rows}</table>"
        f"<div>{html.escape(FRAMES_LINE)}</div><div>Example cell:</div><pre>{cell}</pre></div>"
    )


def _command_html(command: Command) -> str:
    parts = [
        f"{_CSS}<div class='zmqrepl'><div><b>usage:</b> <code>%zmq {html.escape(command.usage)}</code></div>",
        f"<div>{html.escape(command.summary)}</div>",
    ]
    if command.aliases:
        parts.append(f"<div class='dim'>also: {html.escape(', '.join(command.aliases))}</div>")
    if command.details:
        parts.append(f"<p>{html.escape(command.details)}</p>")
    if command.flags:
        rows = "".join(
            f"<tr><td><code>--{html.escape(f.name)}</code></td><td>{html.escape(f.help)}</td></tr>"
            for f in command.flags
        )
        parts.append(f"<table class='zmqrepl'><tr><th>option</th><th>what it does</th></tr>{rows}</table>")
    if command.examples:
        lines = html.escape("\n".join(f"%zmq {e}" for e in command.examples))
        parts.append(f"<div>examples:</div><pre>{lines}</pre>")
    return "".join(parts) + "</div>"
