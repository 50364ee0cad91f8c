"""The tokenizer and the ';' splitter."""

from __future__ import annotations

import pytest

from zmqrepl.session import CommandError
from zmqrepl.session.tokens import split_commands, tokenize, unescape


def texts(line: str) -> list[str]:
    return [t.text for t in tokenize(line)]


def test_plain_words_and_offsets() -> None:
    toks = tokenize("  send  s hello")
    assert [t.text for t in toks] == ["send", "s", "hello"]
    assert [(t.start, t.end) for t in toks] == [(2, 6), (8, 9), (10, 15)]
    assert not any(t.quoted for t in toks)


def test_double_and_single_quotes() -> None:
    toks = tokenize("send s \"two words\" 'single q'")
    assert [t.text for t in toks] == ["send", "s", "two words", "single q"]
    assert [t.quoted for t in toks] == [False, False, True, True]
    assert toks[2].raw == '"two words"'


def test_escapes_in_double_quotes_and_bare_words() -> None:
    assert texts(r'send s "a\tb\n\"q\"" x\ y \x41') == ["send", "s", 'a\tb\n"q"', "x y", "A"]


def test_single_quotes_keep_backslashes() -> None:
    assert texts(r"send s 'a\nb'") == ["send", "s", "a\\nb"]


def test_empty_quoted_word() -> None:
    toks = tokenize('send s ""')
    assert toks[2].text == "" and toks[2].quoted


def test_json_without_quoting() -> None:
    toks = tokenize('send s json:{"a":1}')
    assert toks[2].text == 'json:{"a":1}'
    assert not toks[2].quoted


def test_json_with_quoted_body() -> None:
    toks = tokenize("send s json:'{\"a\": 1}' next")
    assert toks[2].text == 'json:{"a": 1}'
    assert toks[2].raw == "json:'{\"a\": 1}'"
    assert not toks[2].quoted  # a prefixed literal stays a json frame, not text
    assert toks[3].text == "next"


def test_quote_inside_a_word_is_ordinary() -> None:
    assert texts('send s a"b') == ["send", "s", 'a"b']


def test_comment_runs_to_end_of_line() -> None:
    assert texts("send s hi # a comment 'with quote") == ["send", "s", "hi"]
    assert texts("# only a comment") == []
    assert texts("send s a#b") == ["send", "s", "a#b"]


@pytest.mark.parametrize(
    "line", ['send s "open', "send s 'open", r"send s a\q", "send s x\\", r'send s "bad \xZZ"', 'send s "a"b']
)
def test_bad_lines_raise_one_line_with_hint(line: str) -> None:
    with pytest.raises(CommandError) as info:
        tokenize(line)
    assert "\n" not in info.value.line and "hint:" in info.value.line


@pytest.mark.parametrize("odd", ["\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\x1b"])
def test_an_escaped_control_character_is_quoted_in_the_error(odd: str) -> None:
    # str.splitlines breaks at \x0b, \x0c, \x1c, \x85 and \u2028; \x1b starts a terminal
    # sequence: either would break the one-line error or move the cursor
    with pytest.raises(CommandError) as info:
        tokenize(f"send s \\{odd} tail")
    line = info.value.line
    assert line.isprintable() and len(line.splitlines()) == 1
    written = f"\\x{ord(odd):02x}" if ord(odd) < 0x100 else f"\\u{ord(odd):04x}"
    assert f"unknown escape \\{written} at column 8" in line


def test_partial_accepts_unclosed_quote() -> None:
    toks = tokenize('send s "unfinis', partial=True)
    assert toks[-1].text == "unfinis"


def test_unescape() -> None:
    assert unescape(r"\\\"\0\;") == '\\"\0;'


def test_split_on_semicolons_and_newlines() -> None:
    assert [c.strip() for c in split_commands("socket a pub; bind a tcp://*:*\nsockets")] == [
        "socket a pub",
        "bind a tcp://*:*",
        "sockets",
    ]


def test_split_keeps_quoted_semicolons() -> None:
    cmds = split_commands('send s "a;b" \'c;d\'; send s json:\'{"k": "x;y"}\'; version')
    assert [c.strip() for c in cmds] == ["send s \"a;b\" 'c;d'", 'send s json:\'{"k": "x;y"}\'', "version"]


def test_split_escaped_semicolon() -> None:
    cmds = split_commands(r"send s a\;b; version")
    assert len(cmds) == 2
    assert texts(cmds[0]) == ["send", "s", "a;b"]


def test_split_drops_blank_and_comment_lines() -> None:
    assert [c.strip() for c in split_commands("\n# a comment\n;;  ;version\n")] == ["version"]


def test_split_comment_hides_semicolons() -> None:
    # A ';' inside a comment must not start a new command.
    assert [c.strip() for c in split_commands("version # note; more\nsockets")] == ["version", "sockets"]
    assert [c.strip() for c in split_commands("send s a#b; version")] == ["send s a#b", "version"]
