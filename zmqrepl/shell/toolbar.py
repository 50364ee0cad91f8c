"""The bottom toolbar: live socket counters and the syntax of the command being typed."""

from __future__ import annotations

from prompt_toolkit.application import get_app_or_none
from prompt_toolkit.formatted_text import StyleAndTextTuples

from ..session import Session, current_command

__all__ = ["toolbar"]


def toolbar(session: Session) -> StyleAndTextTuples:
    out: StyleAndTextTuples = []
    for info in session.sockets()[:8]:
        out.append(("class:toolbar.socket", f" {info.name}"))
        # A tap counts each direction under its own labels ("c→s", "s→c"; "" for one way).
        into, back = info.directions[:2] if len(info.directions) == 2 else ("in", "out")
        text = f" {info.type} {into} {info.received} ({info.rate_in:.0f}/s)"
        if back:
            text += f" {back} {info.sent} ({info.rate_out:.0f}/s)"
        out.append(("", text + " |"))
    if not out:
        out.append(("", " no sockets | "))
    app = get_app_or_none()
    text = app.current_buffer.text if app is not None else ""
    command = current_command(text)
    hint = command.usage if command else "Tab completes, help lists commands, Ctrl-D quits"
    out.append(("class:toolbar.hint", " " + hint))
    return out
