"""Parsing stays linear in the line's length: megabyte lines of every shape are answered
(accepted or refused) at once; long words are cut in errors; odd code points are named."""

from __future__ import annotations

import time

import pytest

from zmqrepl.session import CommandError, Session
from zmqrepl.session.completion import CompletionContext, classify, complete, current_command
from zmqrepl.session.parser import parse
from zmqrepl.session.tokens import MAX_WORDS, last_command, split_commands, tokenize

MB = 1_000_000
HANG = 20.0  # seconds: a quadratic splitter took hours on these lines; linear takes well under 1

SHAPES = {
    "quoted words": "send s " + '"ab" ' * (MB // 5),
    "bare words": "send s " + "ab " * (MB // 3),
    "one quoted frame with escapes": 'send s "' + "a\\n" * (MB // 3) + '"',
    "one hex frame": "send s 0x" + "ab" * (MB // 2),
    "unclosed quote with escapes": 'send s "' + "\\a" * (MB // 2),
    "single quotes and prefixes": "send s " + "'a' json:'{}' " * (MB // 14),
    "semicolons": ";" * MB,
    "quotes": '"' * MB,
    "one unknown word": "x" * MB,
}


@pytest.mark.parametrize("shape", SHAPES)
def test_megabyte_lines_are_answered(shape: str) -> None:
    line = SHAPES[shape]
    started = time.monotonic()
    commands = split_commands(line)
    for command in commands:
        try:
            parse(command)
        except CommandError as exc:
            assert len(exc.line) < 300, exc.line[:300]  # never the whole line back
    seconds = time.monotonic() - started
    print(f"{shape}: {len(line)} characters answered in {seconds:.3f} s")
    assert seconds < HANG


def test_too_many_words_is_one_clear_line() -> None:
    with pytest.raises(CommandError) as info:
        parse("send s " + "a " * (MAX_WORDS + 1))
    assert info.value.line.startswith(f"a command holds at most {MAX_WORDS} words")
    parsed = parse("send s " + "a " * (MAX_WORDS - 2))
    assert parsed is not None and len(parsed.args["FRAME"]) == MAX_WORDS - 2


def test_a_huge_unknown_word_is_cut_in_the_error() -> None:
    with pytest.raises(CommandError) as info:
        parse("y" * MB)
    assert info.value.line.startswith("unknown command '" + "y" * 40 + "'… (1000000 characters)")
    with pytest.raises(CommandError) as info:
        parse("sleep " + "9" * 5000)
    assert "…" in info.value.line and len(info.value.line) < 200
    with pytest.raises(CommandError) as info:
        parse("socket " + "n" * 100 + " pub")
    assert info.value.line.startswith("'" + "n" * 40 + "'… (100 characters) is not a valid socket name")


def test_split_commands_keeps_its_rules() -> None:
    assert split_commands('send s "a;b" c; send s json:\'{"x": ";"}\'') == [
        'send s "a;b" c',
        ' send s json:\'{"x": ";"}\'',
    ]
    assert split_commands("send s a\\;b # c; d\nversion") == ["send s a\\;b ", "version"]
    assert split_commands('send s a"b;c"') == ['send s a"b', 'c"']  # mid-word quotes are plain
    assert split_commands('send s "open; still') == ['send s "open; still']


def test_last_command_is_the_one_at_the_cursor() -> None:
    assert last_command("socket a pub; bind a tc") == (13, " bind a tc")
    assert last_command('send s "x;y') == (0, 'send s "x;y')
    assert last_command("version # a comment") == (19, "")
    words = [c.text for c in complete("socket a pub; bind a tc", CompletionContext())]
    assert words and all(w.startswith("tc") for w in words)


def test_completion_highlighting_and_hint_give_up_on_long_lines() -> None:
    line = "send s " + '"ab" ' * (MB // 5)
    started = time.monotonic()
    for _ in range(100):  # as on 100 key presses
        assert complete(line, CompletionContext()) == []
        assert classify(line) == []
        command = current_command(line)
        assert command is not None and command.name == "send"
    assert time.monotonic() - started < HANG
    assert classify("send s hi")[0].kind == "command"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("send s caf\udce9", "command line column 11: byte 0xe9 is not valid UTF-8"),
        ('send s "\ud800"', "command line column 9: U+D800 (a lone surrogate) cannot be sent as UTF-8"),
        ("send s json:'\"\\ud800\"'", "JSON frame at column 8 holds U+D800, a lone surrogate"),
    ],
)
def test_lone_surrogates_are_named(session: Session, line: str, expected: str) -> None:
    session.run("socket s push")
    with pytest.raises(CommandError) as info:
        session.run(line)
    assert info.value.line.startswith(expected), info.value.line


def test_tokens_still_carry_offsets() -> None:
    toks = tokenize("send  s 'a b' \"c\\td\" json:'{}' x\\ y")
    assert [(t.text, t.start, t.end, t.quoted) for t in toks] == [
        ("send", 0, 4, False),
        ("s", 6, 7, False),
        ("a b", 8, 13, True),
        ("c\td", 14, 20, True),
        ("json:{}", 21, 30, False),
        ("x y", 31, 35, False),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "send s 0x{huge}",
        "send s b64:{huge}!",
        "socket t {huge}",
        "set s {huge} 1",
        "set s linger {huge}",
        "set s immediate {huge}",
        "monitor s {huge}",
        "close {huge}",
    ],
)
def test_no_error_echoes_a_huge_word_whole(session: Session, line: str) -> None:
    session.execute("socket s dealer")
    with pytest.raises(CommandError) as refused:
        session.execute(line.format(huge="z" * 1_000_000))
    assert len(refused.value.line) < 400, refused.value.line[:400]
    assert "(1000" in refused.value.line  # says how long the word was
