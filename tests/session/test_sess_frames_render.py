"""Frame literals (text in, bytes out) and rendering (bytes in, text out)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import msgpack
import pytest

from zmqrepl.session import COMMANDS, CommandError, Message, MonitorNotice, Notice
from zmqrepl.session.frames import parse_frame, parse_frame_text, render_frame
from zmqrepl.session.parser import parse
from zmqrepl.session.render import (
    format_size,
    format_time,
    help_lines,
    message_lines,
    monitor_line,
    notice_line,
    summary_line,
    table_lines,
)
from zmqrepl.session.tokens import tokenize


def frames_of(line: str) -> list[bytes]:
    parsed = parse("send s " + line)
    assert parsed is not None
    return list(parsed.args["FRAME"])


def test_text_frames() -> None:
    assert frames_of("hello \"two words\" 'single' ünï") == [
        b"hello",
        b"two words",
        b"single",
        "ünï".encode(),
    ]


def test_escapes() -> None:
    assert frames_of(r'"a\tb\n" \x00\xff x\ y') == [b"a\tb\n", "\x00\xff".encode(), b"x y"]


def test_hex_frames() -> None:
    assert frames_of("0x0a0b hex:0a:0b 0X_ff_00 hex:") == [b"\n\x0b", b"\n\x0b", b"\xff\x00", b""]


def test_b64_frames() -> None:
    assert frames_of("b64:aGVsbG8= b64:AAEC") == [b"hello", b"\x00\x01\x02"]


def test_json_frames_are_validated_and_compacted() -> None:
    assert frames_of('json:{"a":1}') == [b'{"a":1}']
    assert frames_of('json:\'{"a": [1, 2], "b": "x y"}\'') == [b'{"a":[1,2],"b":"x y"}']
    assert frames_of("json:'\"ünï\"'") == ['"ünï"'.encode()]
    assert json.loads(frames_of("json:[1,2,3]")[0]) == [1, 2, 3]


def test_empty_frame() -> None:
    assert frames_of('"" x ""') == [b"", b"x", b""]


def test_quoted_literals_are_text() -> None:
    assert frames_of('"0xff" "json:{" "@nofile"') == [b"0xff", b"json:{", b"@nofile"]


def test_file_frames(tmp_path: Path) -> None:
    data = bytes(range(256)) * 3
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    assert frames_of(f"@{path} tail") == [data, b"tail"]
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert frames_of(f"@{empty}") == [b""]
    assert parse_frame_text("@") == b"@"


@pytest.mark.parametrize(
    ("literal", "what"),
    [
        ("0xabc", "invalid hex"),
        ("0xzz", "invalid hex"),
        ("hex:0g", "invalid hex"),
        ("b64:@@@", "invalid base64"),
        ("b64:abc", "invalid base64"),
        ("json:{bad", "invalid JSON"),
        ("json:'{\"a\": }'", "invalid JSON"),
        ("json:", "invalid JSON"),
        ("@/nonexistent/zmqrepl/file", "cannot read @/nonexistent/zmqrepl/file: No such file"),
    ],
)
def test_invalid_literals(literal: str, what: str) -> None:
    with pytest.raises(CommandError) as info:
        for tok in tokenize(literal):
            parse_frame(tok)
    assert what in info.value.line
    assert "hint:" in info.value.line and "\n" not in info.value.line


def test_directory_is_not_a_frame_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"is not a regular file \(it is a directory\)"):
        parse_frame_text(f"@{tmp_path}")


# -- rendering ---------------------------------------------------------------------


def test_render_text() -> None:
    r = render_frame(b"hello world")
    assert (r.kind, r.text, r.size, r.truncated) == ("text", "hello world", 11, False)
    assert render_frame(b"a\nb").text == "a\\nb"


def test_render_json() -> None:
    r = render_frame(b'{ "a" : [1, 2] }')
    assert (r.kind, r.text) == ("json", '{"a":[1,2]}')
    assert render_frame(b"[1, 2").kind == "text"  # not JSON after all
    assert render_frame(b"42", fmt="json").kind == "json"


def test_render_hex() -> None:
    r = render_frame(b"\x00\x01\xff")
    assert (r.kind, r.text) == ("hex", "00 01 ff")
    assert render_frame(b"hi", fmt="hex").text == "68 69"


def test_render_msgpack() -> None:
    packed = msgpack.packb({"a": [1, 2], "b": "x"})
    r = render_frame(packed, fmt="msgpack")
    assert r.kind == "msgpack"
    assert json.loads(r.text) == {"a": [1, 2], "b": "x"}
    assert render_frame(b"\xc1", fmt="msgpack").kind == "hex"  # 0xc1 is never valid msgpack


def test_render_text_format_replaces_bad_utf8() -> None:
    r = render_frame(b"ok\xff", fmt="text")
    assert r.kind == "text" and r.text.startswith("ok")


def test_render_empty() -> None:
    r = render_frame(b"")
    assert (r.kind, r.size) == ("empty", 0)


def test_render_truncates_with_true_size() -> None:
    r = render_frame(b"x" * 5000, size=100_000, width=50)
    assert r.truncated and r.size == 100_000
    assert len(r.text) == 50 and r.text.endswith("…")
    r = render_frame(b"y" * 300, width=40)
    assert r.truncated and r.size == 300 and len(r.text) == 40
    r = render_frame(b"z" * 40, width=40)
    assert not r.truncated and r.text == "z" * 40


def test_render_prefix_of_json_is_not_parsed_as_json() -> None:
    # Only a prefix of a long frame is kept; it must not be reported as (broken) JSON.
    r = render_frame(b'{"a": "' + b"x" * 100, size=50_000, width=500)
    assert r.kind == "text" and r.truncated and r.size == 50_000


def test_message_lines_header() -> None:
    t = time.time()
    msg = Message("s1", t, (b"topic", b"\x00\x01", b""), (5, 2, 0))
    lines = message_lines(msg, 100)
    assert lines[0] == f"{format_time(t)} s1 [3 parts]"
    assert len(lines) == 4
    assert "topic" in lines[1] and "5 B" in lines[1]
    assert "00 01" in lines[2]
    assert "(empty)" in lines[3]
    assert format_time(t) == time.strftime("%H:%M:%S", time.localtime(t)) + format_time(t)[8:]


def test_message_lines_single_frame_shares_the_header() -> None:
    msg = Message.capture("feed", [b"hello"])
    (line,) = message_lines(msg, 100)
    assert line.startswith(format_time(msg.time) + " feed [1 part]")
    assert line.endswith("5 B hello")


def test_message_lines_long_frames_show_true_size() -> None:
    msg = Message.capture("big", [b"k", b"x" * 200_000])
    assert msg.sizes == (1, 200_000)
    assert len(msg.frames[1]) < 200_000  # only a prefix is kept for display
    lines = message_lines(msg, 80)
    assert "195.3 KiB" in lines[2]
    assert lines[2].endswith("…")
    assert all(len(line) <= 80 for line in lines)
    (single,) = message_lines(Message.capture("big", [b"y" * 10_000]), 60)
    assert "9.8 KiB" in single and single.endswith("…") and len(single) <= 60


def test_message_lines_formats() -> None:
    msg = Message.capture("s", [b"hi"], fmt="hex")
    assert message_lines(msg)[0].endswith("68 69")
    assert message_lines(msg, fmt="text")[0].endswith("hi")


def test_other_lines() -> None:
    assert format_size(10) == "10 B" and format_size(2048) == "2.0 KiB"
    assert format_size(3 * 1024 * 1024) == "3.0 MiB"
    ev = MonitorNotice("s", time.time(), "connected", "tcp://127.0.0.1:1", 12)
    assert monitor_line(ev).endswith("s event connected tcp://127.0.0.1:1 (12)")
    assert notice_line(Notice("bad", error=True)) == "error: bad"
    assert notice_line(Notice("fine")) == "fine"
    assert summary_line({"s1": 5, "s0": 2}) == "+2 more on s0 +5 more on s1"
    table = table_lines(("a", "bb"), [(1, "x"), ("long", 2)])
    assert table == ["a     bb", "----  --", "1     x", "long  2"]


def test_help_lines() -> None:
    lines = help_lines(COMMANDS)
    assert lines[0].startswith("Commands")
    assert any("json:" in line for line in lines)
