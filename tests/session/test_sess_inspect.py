"""show [N] and history: messages a pyzmq peer sent, numbered as recv and watch show them,
then printed whole (JSON pretty, msgpack decoded, binary as a hex dump) or listed."""

from __future__ import annotations

import json
import re
from typing import Callable

import msgpack
import pytest

from tests.peers import Peer
from tests.support import executed, wait_for
from zmqrepl.session import (
    CommandError,
    HistoryTable,
    Message,
    Received,
    Session,
    ShownMessage,
    message_line,
    render_frame,
    table_lines,
)

LOCAL = "tcp://127.0.0.1:*"


def pusher(session: Session, start_peer: Callable[..., Peer], history_size: int | None = None) -> Peer:
    """A pyzmq PUSH peer bound, the session's PULL ``r`` connected to it."""
    peer = start_peer()
    peer.call("socket", name="p", type="PUSH")
    endpoint = peer.call("bind", sock="p", endpoint=LOCAL)
    session.run(f"socket r pull; connect r {endpoint}")
    return peer


def received(session: Session, count: int = 1) -> Received:
    return executed(session, f"recv r --count {count} --timeout 10000", Received)


def test_show_prints_long_json_pretty_and_every_frame(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer = pusher(session, start_peer)
    doc = {"sensor": "t-1", "readings": [{"at": i, "value": i * 1.5, "ok": i % 2 == 0} for i in range(60)]}
    body = json.dumps(doc).encode()
    assert len(body) > 2000  # far past a terminal's width: recv shows it cut
    peer.send("p", b"weather", body)
    got = received(session)
    (msg,) = got.shown
    assert msg.number == 1  # the session's first numbered message
    shown = executed(session, "show", ShownMessage)
    assert shown.message.number == msg.number
    lines = shown.lines
    assert lines[0].startswith(f"#{msg.number} ") and "r: 2 parts" in lines[0]
    assert lines[1] == "frame 0: 7 B, text" and lines[2] == "  weather"
    assert lines[3].startswith("frame 1:") and lines[3].endswith(", json")
    # Pretty-printed whole: the text after the frame's title is the document, indented.
    pretty = "\n".join(line[2:] for line in lines[4:])
    assert json.loads(pretty) == doc
    assert '    "sensor": "t-1",' in lines
    assert len(lines) > 60 * 5  # a line per field of each reading
    # The same by number, and read as text instead.
    again = executed(session, f"show {msg.number} --format text", ShownMessage)
    assert again.lines[4] == "  " + body.decode()


def test_show_decodes_msgpack_and_dumps_binary_with_offsets_and_ascii(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer = pusher(session, start_peer)
    packed = msgpack.packb({"id": 7, "tags": ["a", "b"], "blob": b"\x00\xff", 3: None})
    binary = bytes(range(256)) * 40  # 10240 bytes: more than show's 4096 by default
    peer.send("p", packed, binary)
    (msg,) = received(session).shown
    shown = executed(session, f"show {msg.number}", ShownMessage)
    packed_frame, binary_frame = shown.frames
    assert packed_frame.kind == "msgpack"
    assert packed_frame.value == {"id": 7, "tags": ["a", "b"], "blob": "0x00ff", "3": None}
    assert shown.lines[1] == f"frame 0: {len(packed)} B, msgpack"
    assert binary_frame.kind == "hex"
    hexdump = [line for line in shown.lines if re.match(r"  [0-9a-f]{8}  ", line)]
    assert len(hexdump) == 4096 // 16
    assert hexdump[0] == "  00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|"
    assert hexdump[4] == "  00000040  40 41 42 43 44 45 46 47  48 49 4a 4b 4c 4d 4e 4f  |@ABCDEFGHIJKLMNO|"
    assert hexdump[-1].startswith("  00000ff0  f0 f1")
    assert shown.lines[-1] == f"  (6144 more bytes kept: show {msg.number} --bytes 10240 shows them)"
    whole = executed(session, f"show {msg.number} --bytes 10240", ShownMessage)
    assert len(whole.frames[1].lines) == 10240 // 16 and not whole.frames[1].notes
    # --format hex shows the msgpack frame as bytes.
    as_hex = executed(session, f"show {msg.number} --format hex", ShownMessage)
    assert as_hex.frames[0].kind == "hex" and as_hex.frames[0].lines[0].startswith("00000000  84 a2 69 64")


def test_show_of_a_frame_past_what_is_kept_says_so(session: Session, start_peer: Callable[..., Peer]) -> None:
    peer = pusher(session, start_peer)
    peer.call("send_size", sock="p", size=100_000)
    received(session)
    (frame,) = executed(session, "show --bytes 100000", ShownMessage).frames
    assert (frame.size, frame.kept) == (100_000, 16 * 1024)
    assert len(frame.lines) == 16 * 1024 // 16
    assert frame.notes == (
        "only the first 16384 of 100000 bytes were kept (the session keeps 16 KiB of a frame; "
        "record NAME FILE keeps whole messages)",
    )


def test_show_of_a_number_gone_from_the_ring_says_so_with_a_hint(start_peer: Callable[..., Peer]) -> None:
    session = Session(linger=0, history_size=3)
    try:
        peer = pusher(session, start_peer)
        for i in range(5):
            peer.send("p", f"m-{i}".encode())
        numbers = [m.number for m in received(session, 5).shown]
        assert numbers == list(range(numbers[0], numbers[0] + 5))
        assert executed(session, f"show {numbers[2]}", ShownMessage).frames[0].lines == ("m-2",)
        with pytest.raises(CommandError) as gone:
            session.execute(f"show {numbers[1]}")
        assert gone.value.message == (
            f"message #{numbers[1]} is no longer kept: the session keeps the newest 3 "
            f"(now #{numbers[2]} to #{numbers[4]})"
        )
        assert "history_size" in gone.value.hint and "record NAME FILE" in gone.value.hint
        with pytest.raises(CommandError, match=f"no message #{numbers[4] + 1} yet"):
            session.execute(f"show {numbers[4] + 1}")
        history = executed(session, "history", HistoryTable)
        assert [m.number for m in history.messages] == numbers[2:]
    finally:
        session.close()


def test_show_before_any_message(session: Session) -> None:
    with pytest.raises(CommandError, match="no message to show yet") as err:
        session.execute("show")
    assert "watch NAME or recv NAME" in err.value.hint
    with pytest.raises(CommandError, match="no message #4: none was shown yet"):
        session.execute("show 4")


def test_history_lists_watched_messages_with_grep_and_socket(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer = pusher(session, start_peer)
    peer.call("socket", name="p2", type="PUSH")
    other = peer.call("bind", sock="p2", endpoint=LOCAL)
    session.run(f"socket q pull; connect q {other}; watch r q --view line")
    for i in range(6):
        peer.send("p", json.dumps({"temp": 20 + i, "room": "kitchen" if i % 2 else "hall"}).encode())
    peer.send("p2", b"alarm", b"\x00\x01binary")
    wait_for(lambda: len(session.captured.snapshot()) == 7, what="7 messages captured")

    everything = executed(session, "history", HistoryTable)
    assert len(everything.messages) == 7
    numbers = [m.number for m in everything.messages]
    assert numbers == sorted(numbers) and len(set(numbers)) == 7
    line = everything.lines[0]
    assert re.match(rf"#{numbers[0]} \d\d:\d\d:\d\d\.\d{{3}} r \[\d+ B\] " + re.escape('{"temp":20,'), line)
    assert everything.lines[-1].startswith("7 of 7 kept messages")

    kitchen = executed(session, "history r --grep 'kitchen'", HistoryTable)
    assert [json.loads(m.frames[0])["temp"] for m in kitchen.messages] == [21, 23, 25]
    hot = executed(session, "history --grep '\"temp\": 2[45]'", HistoryTable)
    assert [json.loads(m.frames[0])["temp"] for m in hot.messages] == [24, 25]
    alarm = executed(session, "history --grep ^alarm$", HistoryTable)
    assert [m.socket for m in alarm.messages] == ["q"]
    assert executed(session, "history q --grep kitchen", HistoryTable).notes == [
        "none of the 7 kept messages on q matching 'kitchen'"
    ]
    last_two = executed(session, "history --last 2", HistoryTable)
    assert [m.number for m in last_two.messages] == numbers[-2:]
    assert last_two.notes[0] == "+5 older (history --last N shows more)"

    with pytest.raises(CommandError, match="is not a regular expression") as bad:
        session.execute("history --grep '(unclosed'")
    assert "re syntax" in bad.value.hint
    with pytest.raises(CommandError, match="no socket named 'nope'"):
        session.execute("history nope")


def test_watch_view_line_and_bad_view(session: Session, start_peer: Callable[..., Peer]) -> None:
    peer = pusher(session, start_peer)
    session.run("watch r --view line")
    peer.send("p", b"topic", b"x" * 300, b"")
    msg = wait_for(lambda: session.watch_buffer("r"), what="a watched message")[0]
    assert msg.view == "line"
    with pytest.raises(CommandError, match="--view takes full or line, not 'wide'"):
        session.execute("watch r --view wide")
    recv = Session(linger=0, view="line")
    try:
        assert recv.view == "line"
    finally:
        recv.close()


def test_table_lines_fit_a_width_cutting_the_widest_columns_first() -> None:
    columns = ("name", "endpoints", "options", "in")
    rows = [("feed", "connect tcp://10.0.0.1:5556, connect tcp://10.0.0.2:5556", "linger=0, " * 8, 12)]
    whole = table_lines(columns, rows)
    assert len(whole[2]) > 100
    fitted = table_lines(columns, rows, 60)
    assert all(len(line) <= 60 for line in fitted)
    name, endpoints, options, count = fitted[2].split("  ")
    assert (name, count) == ("feed", "12")  # the narrow columns keep their width
    assert endpoints.endswith("…") and options.rstrip().endswith("…")
    assert len(endpoints) == len(options.rstrip())  # cut to one width
    assert table_lines(columns, rows, 200) == whole
    assert all(len(line) <= 10 for line in table_lines(columns, rows, 10))  # narrower than can be


def test_message_line_is_one_line_of_the_width() -> None:
    msg = Message.capture("s", [b"topic", b'{"a": ' + b"1" * 500 + b"}", b"", b"\x00\xff"], number=12)
    line = message_line(msg, 80)
    assert len(line) == 80 and line.endswith("…")
    assert re.match(r"#12 \d\d:\d\d:\d\d\.\d{3} s \[5\+507\+0\+2 B\] topic \| \{\"a\":1111", line)
    short = message_line(Message.capture("s", [b"a", b"", b"\x00\xff"]), 80)
    assert short.endswith(' [1+0+2 B] a | "" | 00 ff') and not short.startswith("#")
    many = message_line(Message.capture("s", [b"x"] * 9), 200)
    assert "[1+1+1+1+1+… B, 9 parts]" in many


def test_frames_nested_too_deep_to_decode_show_as_text_or_hex(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    """A peer's 16000 "[" (deeper than Python's recursion limit) or 3000 nested msgpack
    arrays: rendering, the one-line view and show fall back instead of raising."""
    peer = pusher(session, start_peer)
    deep_json, deep_msgpack = b"[" * 16000, b"\x91" * 3000 + b"\x01"
    peer.send("p", deep_json, deep_msgpack)
    (msg,) = received(session).shown
    assert message_line(msg, 80).endswith("…")
    assert [f.kind for f in executed(session, "show", ShownMessage).frames] == ["text", "hex"]
    assert executed(session, "show --format msgpack", ShownMessage).frames[1].kind == "hex"
    assert render_frame(deep_json).kind == "text" and render_frame(deep_msgpack, fmt="msgpack").kind == "hex"


def test_message_line_of_a_tap_shows_direction_and_peer() -> None:
    msg = Message.capture("t", [b"", b"ping"], direction="client→server", peer="w1 127.0.0.1", number=3)
    assert re.match(r'#3 \S+ t client→server peer w1 127\.0\.0\.1 \[0\+4 B\] "" \| ping$', message_line(msg))


def test_show_reads_a_hex_watch_whole_and_keeps_a_msgpack_one(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer = pusher(session, start_peer)
    session.run("watch r --format hex")
    peer.send("p", b'{"a": 1}')
    wait_for(lambda: session.watch_buffer("r"), what="a watched message")
    assert executed(session, "show", ShownMessage).frames[0].kind == "json"  # not hex
    session.run("watch r --format msgpack")
    peer.send("p", msgpack.packb("just a string"))  # auto would not take it for msgpack
    wait_for(lambda: len(session.watch_buffer("r")) == 2, what="a second watched message")
    frame = executed(session, "show", ShownMessage).frames[0]
    assert (frame.kind, frame.value) == ("msgpack", "just a string")


def test_history_grep_that_backtracks_is_one_line_not_a_hang(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    peer = pusher(session, start_peer)
    session.run("watch r")
    peer.send("p", b"a" * 60 + b"!")
    wait_for(lambda: len(session.captured.snapshot()) == 1, what="1 message captured")
    with pytest.raises(CommandError, match=r"--grep '\(a\|aa\)\+\$' took over 20 ms on message #") as slow:
        session.execute("history --grep '(a|aa)+$'")
    assert slow.value.hint and "simpler" in slow.value.hint
