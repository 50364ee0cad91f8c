"""Errors are one UsageError line with a hint; tab completion for %zmq and %%zmq."""

from __future__ import annotations

import pytest
from IPython.core.completer import provisionalcompleter
from IPython.core.error import UsageError

from zmqrepl.session.commands import COMMANDS
from zmqrepl.session.completion import OPTION_NAMES

from .magic_support import Shell, complete_line


@pytest.mark.parametrize(
    "code, expected",
    [
        ("%zmq bogus", "unknown command 'bogus'"),
        ("%zmq socket x blah", "unknown socket type 'blah'"),
        ("%zmq send nosock hi", "no socket named 'nosock'"),
        ("%zmq send q 0xzz", "invalid hex frame '0xzz'"),
        ("%zmq send q {missing}", "no variable 'missing'"),
        ("%zmq recv q", "cannot receive"),
        ("%%zmq\nsocket z pub\nbogus line", "unknown command 'bogus'"),
    ],
)
def test_errors_are_one_usage_error_line_with_a_hint(shell: Shell, code: str, expected: str) -> None:
    shell.ok("%zmq socket q push")
    shown_before = len(shell.pub.records)
    ran = shell.run(code)
    assert isinstance(ran.error, UsageError)
    assert expected in str(ran.error)
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1, ran.stderr
    assert "hint:" in lines[0] and expected in lines[0]
    everything = ran.stdout + ran.stderr
    assert "Traceback" not in everything and 'File "' not in everything
    assert len(shell.pub.records) == shown_before  # no rich traceback either
    if code.startswith("%%zmq"):
        assert "z: pub socket" in ran.stdout  # lines before the bad one ran
    else:
        assert ran.stdout == ""


def _complete(shell: Shell, line: str) -> list[str]:
    return complete_line(shell.ip, line)


def _cell(shell: Shell, text: str) -> list[tuple[str, int, int]]:
    with provisionalcompleter():
        return [(c.text, c.start, c.end) for c in shell.ip.Completer.completions(text, len(text))]


def test_line_magic_completion(shell: Shell) -> None:
    shell.ok("%zmq socket alpha pub\n%zmq socket beta sub")
    assert set(COMMANDS) <= set(_complete(shell, "%zmq "))
    assert set(_complete(shell, "%zmq sock")) == {"socket", "sockets"}
    assert set(_complete(shell, "%zmq send ")) == {"alpha", "beta"}
    assert _complete(shell, "%zmq send al") == ["alpha"]
    options = _complete(shell, "%zmq set alpha ")
    assert {"linger", "sndhwm", "rcvhwm"} <= set(options)
    assert set(options) <= set(OPTION_NAMES)
    partial = _complete(shell, "%zmq set beta rcvh")
    assert partial == ["rcvhwm"]
    # Python completion is left alone outside %zmq
    shell["alphabet_soup"] = 1
    assert [c[0] for c in _cell(shell, "alphabet_s")] == ["alphabet_soup"]


def test_cell_magic_completion_after_the_first_line(shell: Shell) -> None:
    shell.ok("%zmq socket alpha pub\n%zmq socket beta sub")
    text = "%%zmq\nsocket gamma pub\nsend al"
    assert _cell(shell, text) == [("alpha", len(text) - 2, len(text))]
    text = "%%zmq socket gamma pub\nset beta sndh"
    assert [c[0] for c in _cell(shell, text)] == ["sndhwm"]
    text = "%%zmq\nconnect beta\nsubscribe "
    assert {c[0] for c in _cell(shell, text)} == {"alpha", "beta"}
    text = "%%zmq\nsockets\nsock"
    assert {c[0] for c in _cell(shell, text)} == {"socket", "sockets"}
    text = "%%zmq sen"
    assert [c[0] for c in _cell(shell, text)] == ["send"]
    # the same line outside a %%zmq cell is Python, not zmq
    text = "x = 1\nsend al"
    assert "alpha" not in [c[0] for c in _cell(shell, text)]
