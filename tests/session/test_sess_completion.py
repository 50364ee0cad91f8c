"""Completion and highlighting from the command table; help text for every command."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zmqrepl.core import SocketType
from zmqrepl.session import COMMANDS, FORMATS, Session
from zmqrepl.session.commands import ALIASES
from zmqrepl.session.completion import CompletionContext, classify, complete, current_command
from zmqrepl.session.render import help_lines


def ctx(**sockets: SocketType) -> CompletionContext:
    return CompletionContext(
        lambda: list(sockets), lambda: ["tcp://127.0.0.1:5555"], lambda name: sockets.get(name)
    )


def texts(line: str, c: CompletionContext | None = None) -> list[str]:
    return [cand.text for cand in complete(line, c or ctx())]


def test_commands() -> None:
    assert texts("soc") == ["socket", "sockets"]
    assert texts("") == list(COMMANDS) + list(ALIASES)
    assert texts("qu") == ["quit"]
    assert texts("zz") == []
    cand = complete("rec", ctx())
    assert sorted((c.text, c.start) for c in cand) == [("record", -3), ("recv", -3)]
    assert all(c.meta for c in cand)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_help_and_completes(name: str) -> None:
    cmd = COMMANDS[name]
    assert cmd.summary.strip()
    detail = help_lines(COMMANDS, cmd)
    assert detail[0] == f"usage: {cmd.usage}"
    assert cmd.summary in detail[1]
    assert any(line.split()[:1] == [name] for line in help_lines(COMMANDS))
    for prefix in (name[:1], name[:2], name):
        assert name in texts(prefix), prefix
    for flag in cmd.flags:
        assert flag.help.strip()
        assert any(f"--{flag.name}" in line for line in detail)
    assert current_command(name + " ") is cmd


def test_help_through_a_session() -> None:
    s = Session()
    try:
        for name in COMMANDS:
            (result,) = s.run(f"help {name}")
            assert result.lines[0] == f"usage: {COMMANDS[name].usage}"
        (result,) = s.run("help")
        assert len(result.lines) >= len(COMMANDS)
    finally:
        s.close()


def test_socket_names_with_types() -> None:
    c = ctx(alpha=SocketType.SUB, beta=SocketType.REQ)
    got = complete("send ", c)
    assert [(x.text, x.meta) for x in got] == [("alpha", "sub"), ("beta", "req")]
    assert texts("recv b", c) == ["beta"]
    assert texts("watch alpha ", c) == ["alpha", "beta"]  # repeat argument


def test_socket_types() -> None:
    got = texts("socket s ")
    assert {
        "pub",
        "sub",
        "req",
        "rep",
        "dealer",
        "router",
        "push",
        "pull",
        "pair",
        "xpub",
        "xsub",
        "stream",
    } <= set(got)
    assert texts("socket s de") == ["dealer"]
    assert texts("socket ") == []  # the new name is the user's choice


def test_option_names() -> None:
    got = texts("set s ", ctx(s=SocketType.SUB))
    assert {"linger", "rcvhwm", "sndhwm", "subscribe", "routing_id", "hwm"} <= set(got)
    assert "last_endpoint" not in got  # read-only options cannot be set
    assert "last_endpoint" in texts("get s ")
    assert "subscribe" not in texts("get s ")  # write-only options cannot be read
    assert texts("set s rcvh") == ["rcvhwm"]


def test_bool_values() -> None:
    assert texts("set s ipv6 ") == ["true", "false"]
    assert texts("set s immediate t") == ["true"]
    assert texts("set s linger ") == []


def test_endpoints_used_before() -> None:
    got = complete("connect s ", ctx())
    assert got[0].text == "tcp://127.0.0.1:5555" and got[0].meta == "used before"
    assert "tcp://*:" in [c.text for c in got]
    assert texts("bind s tcp://*") == ["tcp://*:"]
    assert texts("connect s tcp://127.0.0.1:55") == ["tcp://127.0.0.1:5555"]


def test_file_paths(tmp_path: Path) -> None:
    (tmp_path / "alpha.bin").write_bytes(b"x")
    (tmp_path / "alps").mkdir()
    (tmp_path / "beta.txt").write_text("x")
    base = str(tmp_path) + os.sep
    assert texts(f"send s @{base}al") == [f"@{base}alpha.bin", f"@{base}alps/"]
    cand = complete(f"send s @{base}be", ctx())
    assert [c.text for c in cand] == [f"@{base}beta.txt"]
    assert cand[0].start == -len(f"@{base}be")
    assert texts(f"source {base}al") == [f"{base}alpha.bin", f"{base}alps/"]
    assert texts(f"replay {base}b") == [f"{base}beta.txt"]
    assert texts(f"record s {base}alp") == [f"{base}alpha.bin", f"{base}alps/"]


def test_frame_prefixes() -> None:
    assert texts("send s ") == ["0x", "hex:", "b64:", "json:", "@"]
    assert texts("send s hel") == []


def test_flags() -> None:
    assert texts("recv s --") == ["--timeout", "--count", "--format", "--view", "--where", "--grep"]
    assert texts("recv s --c") == ["--count"]
    assert texts("replay f p --") == ["--speed", "--direction", "--background"]
    assert texts("record s --") == ["--stop", "--where", "--grep", "--max-size", "--files"]
    assert texts("sockets --") == []


def test_formats() -> None:
    assert texts("watch s --format ") == list(FORMATS)
    assert texts("recv s --format h") == ["hex"]
    assert texts("recv s --format=") == []  # inline values are typed, not completed


def test_help_topics_and_words() -> None:
    assert sorted(texts("help se")) == ["send", "set"]
    assert texts("curve ") == ["keypair"]
    assert texts("monitor s ") == ["off"]


def test_unknown_command_completes_nothing() -> None:
    assert texts("bogus ") == []


def test_classify() -> None:
    spans = classify('send s "text" 0xff --x', {"s"})
    assert [sp.kind for sp in spans] == ["command", "socket", "string", "frame", "error"]
    assert [(sp.start, sp.end) for sp in spans] == [(0, 4), (5, 6), (7, 13), (14, 18), (19, 22)]
    assert classify("bogus a b")[0].kind == "error"
    kinds = [sp.kind for sp in classify("send nosock hi", {"s"})]
    assert kinds == ["command", "error", "frame"]
    kinds = [sp.kind for sp in classify("recv s --timeout 10 --bad", {"s"})]
    assert kinds == ["command", "socket", "flag", "value", "error"]
    kinds = [sp.kind for sp in classify("socket s sub extra")]
    assert kinds == ["command", "socket", "type", "error"]
    kinds = [sp.kind for sp in classify("bind s tcp://*:1")]
    assert kinds == ["command", "socket", "endpoint"]
    assert classify("") == []
