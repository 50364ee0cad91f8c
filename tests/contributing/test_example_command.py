"""CONTRIBUTING's promise: a command is one table row, one handler and one result class,
and then it is in help, completion, the shell (in a real terminal) and the magics."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from IPython.utils.capture import capture_output

from tests.magics.magic_support import complete_line
from tests.shell.pty_shell import Shell
from zmqrepl.session import COMMANDS, CommandError, Session
from zmqrepl.session.completion import complete

from .example_command import COUNTERS, Counters, install


@pytest.fixture
def installed() -> Iterator[None]:
    install()
    try:
        yield
    finally:
        COMMANDS.pop(COUNTERS.name, None)


def test_the_session_runs_it_and_help_lists_it(installed: None, session: Session) -> None:
    session.run("socket s pull")
    result = session.execute("counters s")
    assert isinstance(result, Counters) and result.value == {"in": 0, "out": 0}
    assert result.lines == ["s: 0 in, 0 out"]
    listing = "\n".join(session.execute("help").lines)  # type: ignore[union-attr]
    assert re.search(r"^  counters +show how many messages a socket received and sent$", listing, re.M)
    detail = session.execute("help counters")
    assert detail is not None and detail.lines[0] == "usage: counters NAME"
    with pytest.raises(CommandError) as info:
        session.execute("counters nope")
    assert "no socket named 'nope'" in info.value.line and "hint:" in info.value.line


def test_completion_offers_it_and_its_socket_argument(installed: None, session: Session) -> None:
    session.run("socket s pull")
    ctx = session.completion_context()
    assert "counters" in [c.text for c in complete("cou", ctx)]
    assert [c.text for c in complete("counters ", ctx)] == ["s"]


def test_the_magics_show_it(installed: None, ipython: Any) -> None:
    with capture_output() as out:
        ipython.run_line_magic("zmq", "socket s pull")
        value = ipython.run_line_magic("zmq", "counters s")
    assert value is None  # the default presenter prints the lines
    assert "s: 0 in, 0 out" in out.stdout
    assert "counters" in complete_line(ipython, "%zmq cou")


def test_the_shell_completes_runs_and_helps_with_it(tmp_path: Path) -> None:
    sh = Shell(tmp_path, module="tests.contributing.example_command")
    try:
        _use_the_shell(sh)
    finally:
        sh.kill()
    assert "Traceback" not in sh.plain()


def _use_the_shell(sh: Shell) -> None:
    sh.command("socket s pull", "s: pull socket")
    sh.wait_prompt()
    sh.child.send("cou")
    sh.wait(lambda: "counters  show how many" in sh.text(), "the completion menu offering counters")
    sh.child.send("\t")
    sh.wait(lambda: sh.typed().startswith("zmq> counters"), "counters completed on the prompt line")
    sh.child.send(" s\r")
    sh.wait(lambda: "s: 0 in, 0 out" in sh.plain(), "the counters line")
    sh.command("help", "counters")
    sh.wait_prompt()
    sh.child.send("quit\r")
    assert sh.exit_status() == 0
