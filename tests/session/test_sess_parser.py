"""The parser, driven by the command table."""

from __future__ import annotations

import pytest

from zmqrepl.core import SocketType
from zmqrepl.session import COMMANDS, CommandError
from zmqrepl.session.commands import ALIASES, lookup
from zmqrepl.session.parser import parse

EXAMPLES = [(name, ex) for name, cmd in COMMANDS.items() for ex in cmd.examples]


def test_every_command_has_an_example_or_no_arguments() -> None:
    # Commands without examples must be parsable from their bare usage (checked below).
    for cmd in COMMANDS.values():
        assert cmd.examples or cmd.args or cmd.name in ("version", "sockets", "quit")


@pytest.mark.parametrize(("name", "example"), EXAMPLES, ids=[e for _, e in EXAMPLES])
def test_examples_parse(name: str, example: str) -> None:
    parsed = parse(example)
    assert parsed is not None
    assert parsed.command.name == name


SIMPLE = {
    "version": "version",
    "unbind": "unbind s tcp://127.0.0.1:5555",
    "disconnect": "disconnect s tcp://127.0.0.1:5555",
    "unsubscribe": "unsubscribe s news",
    "unwatch": "unwatch",
    "close": "close s",
    "sockets": "sockets",
    "sleep": "sleep 10",
    "source": "source cmds.zmq",
    "quit": "quit",
}


def test_every_command_parses_a_valid_line() -> None:
    for name, cmd in COMMANDS.items():
        line = cmd.examples[0] if cmd.examples else SIMPLE[name]
        parsed = parse(line)
        assert parsed is not None and parsed.command is cmd, name


def test_blank_and_comment_lines() -> None:
    assert parse("") is None
    assert parse("   # nothing") is None


def test_argument_values() -> None:
    p = parse("socket s1 SUB")
    assert p is not None and p.args == {"NAME": "s1", "TYPE": SocketType.SUB}
    p = parse("recv s --count 5 --timeout=2000 --format hex")
    assert p is not None and p.flags == {
        "count": 5,
        "timeout": 2000,
        "format": "hex",
        "view": None,
        "where": None,
        "grep": None,
    }
    p = parse("recv s")
    assert p is not None and p.flags == {
        "count": 1,
        "timeout": None,
        "format": "auto",
        "view": None,
        "where": None,
        "grep": None,
    }
    p = parse("watch a b c")
    assert p is not None and p.args["NAME"] == ["a", "b", "c"]
    p = parse("replay f.jsonl p --speed 2.5")
    assert p is not None and p.flags["speed"] == 2.5
    p = parse("record s --stop")
    assert p is not None and p.flags["stop"] is True and p.args["FILE"] is None
    p = parse("subscribe s")
    assert p is not None and p.args["TOPIC"] is None
    p = parse("help send")
    assert p is not None and p.args["CMD"] == "send"


def test_aliases() -> None:
    for alias, name in ALIASES.items():
        p = parse(alias)
        assert p is not None and p.command.name == name
    assert lookup("LS") is COMMANDS["sockets"]
    assert parse("exit") is not None


def check_error(line: str, *words: str) -> CommandError:
    with pytest.raises(CommandError) as info:
        parse(line)
    err = info.value
    assert "\n" not in err.line
    assert "hint:" in err.line
    assert err.hint
    for w in words:
        assert w in err.line, (w, err.line)
    return err


def test_unknown_command_suggests() -> None:
    check_error("sokcet a pub", "unknown command", "did you mean", "socket")
    check_error("subscirbe s", "did you mean subscribe")
    check_error("zzzzzz", "unknown command", "help")


@pytest.mark.parametrize(
    ("line", "word"),
    [
        ("socket", "needs NAME"),
        ("socket a", "needs TYPE"),
        ("socket a pub extra", "one too many"),
        ("bind s", "needs ENDPOINT"),
        ("set s linger", "needs VALUE"),
        ("send s", "needs FRAME"),
        ("version now", "one too many"),
        ("close", "needs NAME"),
        ("sleep", "needs MS"),
        ("replay f.jsonl", "needs NAME"),
        ("get s", "needs OPTION"),
    ],
)
def test_wrong_argument_counts(line: str, word: str) -> None:
    err = check_error(line, word)
    assert "usage:" in err.hint


def test_bad_socket_type() -> None:
    check_error("socket a pubb", "unknown socket type", "sub")


def test_bad_socket_name() -> None:
    check_error("socket 1a pub", "not a valid socket name")


@pytest.mark.parametrize("ep", ["foo", "tcp://", "http://x:1", "127.0.0.1:5555", "inproc://"])
def test_bad_endpoint(ep: str) -> None:
    check_error(f"bind s {ep}", "not an endpoint")
    check_error(f"connect s {ep}", "not an endpoint")


def test_unknown_flag() -> None:
    check_error("recv s --bogus 1", "no option --bogus", "--timeout")
    check_error("sockets --all", "no option --all", "none")


def test_flag_without_value() -> None:
    check_error("recv s --timeout", "needs a value")


@pytest.mark.parametrize(
    "line",
    [
        "recv s --timeout abc",
        "recv s --count 1.5",
        "sleep ten",
        "recv s --timeout -5",
        "poll s --timeout x",
        "sleep -1",
        "sleep 99999999999999999999999999",
        "recv s --count 2147483648",
    ],
)
def test_bad_ints(line: str) -> None:
    check_error(line)


def test_bad_number_and_format() -> None:
    check_error("replay f p --speed fast", "number")
    check_error("replay f p --speed -1", "0 or more")
    check_error("watch s --format weird", "unknown format", "msgpack")


def test_bad_option_and_help_topic() -> None:
    check_error("set s nosuchopt 1", "unknown socket option")
    check_error("help nosuch", "no command")


def test_bad_frame_literals_in_send() -> None:
    check_error("send s 0xzz", "invalid hex")
    check_error("send s json:{bad", "invalid JSON")
