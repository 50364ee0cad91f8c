"""The prompt_toolkit pieces (completer, lexer, toolbar) with pipe input and a dummy output."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from prompt_toolkit import PromptSession
from prompt_toolkit.application import create_app_session, get_app
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import fragment_list_to_text
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from zmqrepl.session import COMMANDS, Session
from zmqrepl.shell.completer import SessionCompleter
from zmqrepl.shell.lexer import SessionLexer
from zmqrepl.shell.style import STYLE
from zmqrepl.shell.toolbar import toolbar


def run_prompt(session: Session, keys: str, pre_run: Callable[[], None] | None = None, **kwargs: Any) -> str:
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        inp.send_text(keys)
        prompt: PromptSession[str] = PromptSession(
            completer=SessionCompleter(session),
            lexer=SessionLexer(session.socket_names),
            style=STYLE,
            **kwargs,
        )
        return prompt.prompt("zmq> ", pre_run=pre_run)


def tab_complete(session: Session, typed: str, expected: str) -> str:
    """Type ``typed``, press Tab (the menu opens), Tab again (the first candidate is taken),
    then Enter once the buffer reads ``expected`` (or after a bounded wait).

    Completion runs asynchronously in prompt_toolkit, so each key waits for the one before."""
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        prompt: PromptSession[str] = PromptSession(
            completer=SessionCompleter(session), lexer=SessionLexer(session.socket_names), style=STYLE
        )

        def press_enter_when_done() -> None:
            buffer = prompt.app.current_buffer
            deadline = time.monotonic() + 5
            while buffer.complete_state is None and time.monotonic() < deadline:
                time.sleep(0.01)
            inp.send_text("\t")
            while buffer.text != expected and time.monotonic() < deadline:
                time.sleep(0.01)
            inp.send_text("\r")

        waiter = threading.Thread(target=press_enter_when_done, daemon=True)
        inp.send_text(typed + "\t")
        waiter.start()
        try:
            return prompt.prompt("zmq> ")
        finally:
            waiter.join(timeout=6)


def completions(session: Session, text: str) -> list[str]:
    doc = Document(text, len(text))
    return [c.text for c in SessionCompleter(session).get_completions(doc, CompleteEvent())]


def test_tab_completes_a_command(session: Session) -> None:
    assert tab_complete(session, "versi", "version") == "version"
    assert tab_complete(session, "help subs", "help subscribe") == "help subscribe"


def test_tab_completes_socket_names_and_types(session: Session) -> None:
    session.run("socket alpha sub; socket beta req")
    assert tab_complete(session, "recv al", "recv alpha") == "recv alpha"
    assert tab_complete(session, "socket g deal", "socket g dealer") == "socket g dealer"
    assert completions(session, "send ") == ["alpha", "beta"]


def test_completer_candidates(session: Session) -> None:
    session.run("socket s sub; bind s tcp://127.0.0.1:*")
    used = session.endpoints_used()[0]
    assert completions(session, "soc") == ["socket", "sockets"]
    assert used in completions(session, "connect s ")
    assert completions(session, "set s ipv6") == ["ipv6"]
    assert completions(session, "set s ipv6 ") == ["true", "false"]
    assert completions(session, "watch s --format j") == ["json"]
    assert completions(session, "recv s --t") == ["--timeout"]
    doc = Document("recv s --t", 10)
    (comp,) = SessionCompleter(session).get_completions(doc, CompleteEvent())
    assert comp.start_position == -3
    assert fragment_list_to_text(comp.display_meta) == "give up after this many milliseconds"


def test_every_command_completes_in_prompt_toolkit(session: Session) -> None:
    for name in COMMANDS:
        assert name in completions(session, name[:2]), name


def lexed(session: Session, text: str) -> list[tuple[str, str]]:
    get_line = SessionLexer(session.socket_names).lex_document(Document(text))
    return [(style, frag) for style, frag, *_ in get_line(0)]


def test_lexer(session: Session) -> None:
    session.run("socket s sub")
    assert lexed(session, 'send s "hi there" 0xff --x') == [
        ("class:command", "send"),
        ("", " "),
        ("class:socket", "s"),
        ("", " "),
        ("class:string", '"hi there"'),
        ("", " "),
        ("class:frame", "0xff"),
        ("", " "),
        ("class:error", "--x"),
    ]
    assert lexed(session, "send nosuch x")[2] == ("class:error", "nosuch")
    assert lexed(session, "bogus")[0] == ("class:error", "bogus")
    assert lexed(session, "recv s --timeout 5  ")[-1] == ("", "  ")
    assert lexed(session, "") == []


def test_lexer_in_a_running_prompt(session: Session) -> None:
    # The lexer must never raise on any partial input, e.g. an open quote or a lone backslash.
    for text in ['send s "open', "send s \\", "set s ipv6 ", "--", "'", "json:'"]:
        assert run_prompt(session, text + "\r") == text
        assert "".join(frag for _, frag in lexed(session, text)) == text


def toolbar_text(session: Session) -> str:
    return fragment_list_to_text(toolbar(session))


def test_toolbar_without_an_app(session: Session) -> None:
    assert toolbar_text(session) == " no sockets |  Tab completes, help lists commands, Ctrl-D quits"


def test_toolbar_counters_and_command_hint(session: Session) -> None:
    session.run("socket src push; socket dst pull; bind dst inproc://tb; connect src inproc://tb; watch dst")
    for i in range(7):
        session.run(f"send src m{i}")
    deadline = time.monotonic() + 10
    while session.sockets()[1].received < 7 and time.monotonic() < deadline:
        time.sleep(0.01)
    seen: list[str] = []

    def capture() -> None:
        app = get_app()
        app.current_buffer.text = "recv dst --co"
        seen.append(toolbar_text(session))
        app.current_buffer.text = ""
        seen.append(toolbar_text(session))

    assert run_prompt(session, "\r", pre_run=capture, bottom_toolbar=lambda: toolbar(session)) == ""
    with_command, idle = seen
    assert " src push in 0 (0/s) out 7 (" in with_command
    assert " dst pull in 7 (" in with_command and "out 0 (0/s)" in with_command
    assert with_command.endswith(" " + COMMANDS["recv"].usage)
    assert idle.endswith("Tab completes, help lists commands, Ctrl-D quits")
