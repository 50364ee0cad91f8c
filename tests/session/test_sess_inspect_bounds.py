"""What a peer sends cannot act on the terminal or make show, history or the ring go wrong:
controls shown escaped, widths in terminal columns, one budget per show, the newest message
always kept, text cut mid-character still text, --grep bounded in time. pyzmq peers."""

from __future__ import annotations

import json
from typing import Callable

import msgpack
import pytest

from tests.peers import Peer
from tests.support import executed, wait_for
from zmqrepl.session import (
    COMMANDS,
    CommandError,
    HistoryTable,
    Message,
    Received,
    Session,
    ShownMessage,
    cmd_inspect,
    columns,
    message_line,
    message_lines,
    render_frame,
    safe_text,
)
from zmqrepl.session.render import help_lines

LOCAL = "tcp://127.0.0.1:*"

# ESC ] 52 writes the terminal's clipboard (OSC 52); U+009B is CSI, U+009D OSC in one
# character (C1); U+202E turns the text after it right to left; DEL; a bell.
HOSTILE = "x\x1b]52;c;aGVsbG8=\x07\u009b31m\u009d0;t\x07\u202eevil\x7f"


def pusher(session: Session, start_peer: Callable[..., Peer]) -> Peer:
    peer = start_peer()
    peer.call("socket", name="p", type="PUSH")
    endpoint = peer.call("bind", sock="p", endpoint=LOCAL)
    session.run(f"socket r pull; connect r {endpoint}")
    return peer


def received(session: Session, count: int = 1) -> Received:
    return executed(session, f"recv r --count {count} --timeout 10000", Received)


def all_printable(lines: list[str]) -> bool:
    return all(line.isprintable() for line in lines)


def test_controls_from_a_peer_are_escaped_in_watch_line_view_history_and_show(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer = pusher(session, start_peer)
    as_json = json.dumps({"k\u009b": HOSTILE}, ensure_ascii=False).encode()
    as_msgpack = msgpack.packb({"\x1b[2J": HOSTILE, "v": [HOSTILE]})
    session.run("watch r")
    peer.send("p", as_json, as_msgpack, HOSTILE.encode())
    wait_for(lambda: session.watch_buffer("r"), what="a watched message")
    (msg,) = session.watch_buffer("r")
    full = message_lines(msg, 200)
    line = message_lines(msg, 200, view="line")
    assert all_printable(full) and all_printable(line), (full, line)
    assert "\\u202e" in "".join(full) and "\\x9b" in "".join(full)
    history = executed(session, "history", HistoryTable)
    assert all_printable(history.lines)
    for how in ("show", "show --format text", "show --format msgpack", "show --format json"):
        shown = executed(session, how, ShownMessage)
        assert all_printable(shown.lines), (how, shown.lines)
    shown = executed(session, "show", ShownMessage)
    assert [f.kind for f in shown.frames] == ["json", "msgpack", "hex"]
    assert (
        '    "k\\x9b": "x\\u001b]52;c;aGVsbG8=\\u0007\\x9b31m\\x9d0;t\\u0007\\u202eevil\\x7f"' in shown.lines
    )
    # The text frame read as text: each control escaped, the rest as it was.
    as_text = executed(session, "show --frame 2 --format text", ShownMessage)
    assert as_text.frames[0].lines == (safe_text(HOSTILE),)
    assert "\\x1b]52;c;aGVsbG8=\\x07\\x9b31m\\x9d0;t\\x07\\u202eevil\\x7f" in as_text.frames[0].lines[0]
    # watch --format text: the one line escapes them too (and a tab and a newline).
    session.run("watch r --format text")
    peer.send("p", (HOSTILE + "\t\n").encode())
    wait_for(lambda: len(session.watch_buffer("r")) == 2, what="a second watched message")
    newest = session.watch_buffer("r")[-1]
    assert all_printable(message_lines(newest, 200)) and "\\t\\n" in message_lines(newest, 200)[0]


def test_show_keeps_newlines_of_text_as_lines_and_escapes_the_rest() -> None:
    shown = render_frame(b"a\tb\nc", fmt="text")
    assert shown.text == "a\\tb\\nc"
    assert safe_text("a\tb\nc\x1b", keep_newlines=True) == "a\\tb\nc\\x1b"


def test_line_view_of_wide_text_fits_80_columns(session: Session, start_peer: Callable[..., Peer]) -> None:
    peer = pusher(session, start_peer)
    peer.send("p", "東京の天気は晴れです".encode() * 20, "e\u0301t\u0301e\u0301".encode())
    (msg,) = received(session).shown
    line = message_line(msg, 80)
    assert line.endswith("…") and columns(line) <= 80 and columns(line) >= 79, (line, columns(line))
    assert len(line) < 60  # two columns a character: counting characters would overflow
    (full,) = message_lines(Message.capture("r", ["日本語".encode() * 60], number=1), 80)
    assert columns(full) <= 80 and full.endswith("…")
    assert columns("e\u0301") == 1


def test_show_of_json_nested_800_deep_is_short(session: Session, start_peer: Callable[..., Peer]) -> None:
    peer = pusher(session, start_peer)
    # 1601 bytes; indented at every level they would print 1.3 MB of lines. (Deeper than
    # about 900 levels json.loads itself gives up under pytest's stack: shown as text.)
    deep = b"[" * 800 + b"1" + b"]" * 800
    peer.send("p", deep)
    received(session)
    (frame,) = executed(session, "show", ShownMessage).frames
    assert frame.kind == "json"
    assert sum(len(line) for line in frame.lines) < 5000  # not 2 MB of indentation
    assert max(len(line) - len(line.lstrip()) for line in frame.lines) <= 2 * 20


def test_one_show_has_one_budget_for_all_its_frames(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer = pusher(session, start_peer)
    frame = json.dumps([0] * 5000).encode()  # 15000 bytes: 5002 lines pretty-printed
    assert len(frame) <= 16 * 1024
    peer.send("p", *([frame] * 40))
    received(session)
    shown = executed(session, "show", ShownMessage)
    assert len(shown.lines) <= 20_000 + 3 * 40
    cut = [f for f in shown.frames if any("show prints at most 20000 lines" in n for n in f.notes)]
    assert cut and shown.frames[-1].kind == "skipped"
    assert f"frame 39: {shown.frames[-1].size / 1024:.1f} KiB, not shown" in shown.lines
    one = executed(session, "show --frame 39", ShownMessage)
    assert [f.index for f in one.frames] == [39] and len(one.frames[0].lines) == 5002
    with pytest.raises(CommandError, match="has no frame 40: its frames are 0 to 39"):
        session.execute("show --frame 40")


def test_a_message_over_the_byte_cap_is_still_shown_and_the_cap_is_named(
    start_peer: Callable[..., Peer],
) -> None:
    session = Session(linger=0, history_bytes=40_000)  # under one message of 3 frames of 16 KiB
    try:
        _over_the_cap(session, start_peer)
    finally:
        session.close()


def _over_the_cap(session: Session, start_peer: Callable[..., Peer]) -> None:
    peer = pusher(session, start_peer)
    peer.send("p", b"a" * 16384, b"b" * 16384, b"c" * 16384)
    (msg,) = received(session).shown
    shown = executed(session, "show", ShownMessage)
    assert shown.message.number == msg.number and len(shown.frames) == 3
    peer.send("p", b"small")
    received(session)
    history = executed(session, "history", HistoryTable)
    assert [m.number for m in history.messages] == [msg.number + 1]
    assert "the session keeps the newest 40,000 bytes of frames (1 message now)" in history.lines[-1]
    with pytest.raises(CommandError) as gone:
        session.execute(f"show {msg.number}")
    assert "keeps the newest 40,000 bytes of frames" in gone.value.message
    assert "the newest 1000" not in gone.value.message


def test_text_cut_mid_character_is_still_text(session: Session, start_peer: Callable[..., Peer]) -> None:
    peer = pusher(session, start_peer)
    peer.send("p", ("a" + "é" * 10000).encode())  # 20001 bytes: 16 KiB ends inside an é
    (msg,) = received(session).shown
    assert len(msg.frames[0]) == 16384
    assert render_frame(msg.frames[0], msg.sizes[0]).kind == "text"
    (frame,) = executed(session, "show", ShownMessage).frames
    assert frame.kind == "text" and frame.lines[0] == "a" + "é" * 8191


def test_history_grep_stops_at_its_deadline_and_says_how_far_it_got(
    session: Session, start_peer: Callable[..., Peer], monkeypatch: pytest.MonkeyPatch
) -> None:
    peer = pusher(session, start_peer)
    for i in range(5):
        peer.send("p", f"m-{i}".encode())
    received(session, 5)
    monkeypatch.setattr(cmd_inspect, "GREP_SECONDS", -1.0)  # already past: one message searched
    history = executed(session, "history --grep m-", HistoryTable)
    assert [m.frames for m in history.messages] == [(b"m-4",)]
    assert history.notes[0].startswith("searched the newest 1 of 5 in")
    help_text = "\n".join(help_lines(COMMANDS, COMMANDS["history"]))
    assert "Ctrl-C stops it" in help_text and "[--grep REGEX]" in help_text and "(default 50)" in help_text


def test_show_numbers_start_at_1_and_help_names_its_values(session: Session) -> None:
    with pytest.raises(CommandError, match="no message #0: messages are numbered from 1"):
        session.execute("show 0")
    with pytest.raises(CommandError, match="N must be 0 or more, not -3"):
        session.execute("show -3")
    usage = help_lines(COMMANDS, COMMANDS["show"])[0]
    assert "[--bytes B]" in usage and "[--frame K]" in usage and usage.startswith("usage: show [N]")


def test_show_says_when_a_frame_is_not_the_format_asked(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer = pusher(session, start_peer)
    peer.send("p", b"plain words", b"\xff\x00")
    received(session)
    words, binary = executed(session, "show --format json", ShownMessage).frames
    assert words.kind == "text" and "this frame does not parse as json: shown as text" in words.notes
    packed = executed(session, "show --format msgpack", ShownMessage).frames
    assert "this frame does not parse as msgpack: shown as bytes" in packed[1].notes
    assert binary.kind == "hex"


def test_watch_again_keeps_the_format_and_view_not_given(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer = pusher(session, start_peer)
    session.run("watch r --format hex --view line")
    session.run("watch r --grep m")
    peer.send("p", b"m-1")
    wait_for(lambda: session.watch_buffer("r"), what="a watched message")
    (msg,) = session.watch_buffer("r")
    assert (msg.fmt, msg.view) == ("hex", "line")
    session.run("watch r --format text")
    peer.send("p", b"m-2")
    wait_for(lambda: len(session.watch_buffer("r")) == 2, what="a second watched message")
    assert (session.watch_buffer("r")[-1].fmt, session.watch_buffer("r")[-1].view) == ("text", "line")


def test_session_view_line_is_what_recv_shows(start_peer: Callable[..., Peer]) -> None:
    session = Session(linger=0, view="line")
    try:
        peer = pusher(session, start_peer)
        peer.send("p", b"a", b"b")
        (msg,) = received(session).shown
        assert msg.view == "line"
        (line,) = message_lines(msg)
        assert line.endswith("[1+1 B] a | b")
    finally:
        session.close()


def test_a_capture_that_raises_leaves_no_gap_in_the_numbers(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer = pusher(session, start_peer)
    with pytest.raises(TypeError):  # a frame that is not bytes: the display object fails
        session.captured.capture(session.entry("r"), [None])  # type: ignore[list-item]
    peer.send("p", b"first")
    (msg,) = received(session).shown
    assert msg.number == 1
    assert session.captured.state() == (1, 1, 1)
