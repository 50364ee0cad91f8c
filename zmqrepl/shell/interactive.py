"""The interactive loop: prompt_toolkit prompt with live output above it."""

from __future__ import annotations

import sys

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.history import History
from prompt_toolkit.output import ColorDepth
from prompt_toolkit.patch_stdout import patch_stdout

from ..session import CommandError, DemoPublisher, Session
from .completer import SessionCompleter
from .config import Settings, history_path
from .history import SecretFreeMemoryHistory, ShellHistory
from .lexer import SessionLexer
from .printer import Colours, EventPrinter
from .progress import ProgressView
from .runner import run_line
from .style import STYLE
from .toolbar import toolbar

__all__ = ["interactive"]

DEMO_HINT = (
    "Watching the demo publisher. Try: help | sockets | show | history | "
    "watch demo --view line | watch demo --format hex | unwatch | Ctrl-D quits"
)


def _history() -> History:
    path = history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return ShellHistory(path)
    except OSError:
        return SecretFreeMemoryHistory()


def interactive(session: Session, settings: Settings, *, demo: bool = False, colour: bool = True) -> int:
    colours = Colours(colour)
    prompt: PromptSession[str] = PromptSession(
        history=_history(),
        auto_suggest=AutoSuggestFromHistory(),
        completer=SessionCompleter(session),
        complete_while_typing=True,
        lexer=SessionLexer(session.socket_names),
        bottom_toolbar=lambda: toolbar(session),
        refresh_interval=0.5,
        style=STYLE,
        include_default_pygments_style=False,
        # Without colour, prompt_toolkit still draws bold, underline and reverse video.
        color_depth=None if colour else ColorDepth.MONOCHROME,
    )
    publisher = None
    session.progress = ProgressView()  # long commands draw a bar (progress.py)
    with patch_stdout(raw=True):
        printer = EventPrinter(
            session, lambda text: print(text, end="", flush=True), colours, max_messages=settings.max_messages
        )
        printer.start()
        try:
            print("zmqrepl — type help for commands, Tab to complete, Ctrl-D to quit")
            if demo:
                publisher = DemoPublisher().start()
                try:
                    session.run(
                        f"socket demo sub; connect demo {publisher.endpoint}; subscribe demo; watch demo"
                    )
                    print(DEMO_HINT)
                except CommandError as exc:
                    print("error: " + exc.line)
            while not session.closed:
                try:
                    line = prompt.prompt([("class:prompt", "zmq> ")])
                except KeyboardInterrupt:
                    continue  # Ctrl-C drops the line being typed
                except EOFError:
                    break
                # A command's answer goes straight to the terminal, before the next prompt
                # is drawn: through patch_stdout's proxy it is written by a thread of its
                # own, which can land it after that prompt, with no redraw (the prompt then
                # looks gone). Events, printed while a prompt is up, go through the proxy.
                out = sys.__stdout__ or sys.stdout
                _, quit_ = run_line(session, line, out, out, colours, printer)
                if quit_:
                    break
        finally:
            printer.stop()
            if publisher is not None:
                publisher.stop()
    session.close()
    return 0
