"""source, record and replay on the paths no other test takes: nesting too deep, malformed
recordings, unwritable targets, replay at recorded pace, under back-pressure, and with its
socket closed midway."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from pathlib import Path
from typing import Callable

import pytest

from tests.peers import Peer
from zmqrepl.session import CommandError, Notice, Session
from zmqrepl.session.scripts import MAX_SCRIPT_LINE

HANG = 60.0  # seconds: detects a hang, not a speed


def error_of(session: Session, line: str) -> str:
    with pytest.raises(CommandError) as info:
        session.run(line)
    text = info.value.line
    assert "\n" not in text and "(hint: " in text, text
    return text


def notice(session: Session, part: str, timeout: float = 20.0) -> Notice:
    """The first Notice containing ``part`` (waits on the session's event flag)."""
    flag = session.events.subscribe()
    try:
        deadline = time.monotonic() + timeout
        while True:
            for event in session.events.take().events:
                if isinstance(event, Notice) and part in event.text:
                    return event
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no notice with {part!r} within {timeout} s")
            flag.wait(min(left, 0.5))
            flag.clear()
    finally:
        session.events.unsubscribe(flag)


def record_file(path: Path, times: list[float], frames: list[list[dict[str, str]]] | None = None) -> Path:
    lines = [
        {"t": t, "socket": "s", "frames": (frames[i] if frames else [{"text": f"m{i}"}])}
        for i, t in enumerate(times)
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


# -- source ---------------------------------------------------------------------------------


def test_source_that_sources_itself_stops_at_eight(session: Session, tmp_path: Path) -> None:
    loop = tmp_path / "loop.zmq"
    loop.write_text(f"source {loop}\n", encoding="utf-8")
    text = error_of(session, f"source {loop}")
    assert text == (
        f"{loop} line 1: source files nest more than 8 deep (hint: check for a file that sources itself)"
    )


def test_source_with_bad_utf8_names_line_and_column_and_runs_nothing(
    session: Session, tmp_path: Path
) -> None:
    script = tmp_path / "bad.zmq"
    script.write_bytes(b"socket a pub\nsocket b\xc3\x28 pub\n")
    text = error_of(session, f"source {script}")
    assert text.startswith(f"{script} line 2 column 9: byte 0xc3 is not valid UTF-8")
    assert session.socket_names() == []  # checked before anything ran


def test_source_with_a_line_too_long(session: Session, tmp_path: Path) -> None:
    script = tmp_path / "long.zmq"
    script.write_text("version\nsend s " + "x" * MAX_SCRIPT_LINE + "\n", encoding="utf-8")
    assert error_of(session, f"source {script}").startswith(
        f"{script} line 2 is longer than 1 MiB (hint: split it into shorter commands; "
        "send big frames with @path)"
    )


def test_source_names_the_line_a_failing_command_starts_on(session: Session, tmp_path: Path) -> None:
    script = tmp_path / "lines.zmq"
    # A comment that holds the failing words, a quote over two lines, a CRLF: still line 5.
    with script.open("w", encoding="utf-8", newline="") as out:  # write_text(newline=) is 3.10+
        out.write("# bogus\r\nsocket s pub; send s 'one\ntwo'\r\n\x0c\u2028\nbogus\n")
    assert error_of(session, f"source {script}").startswith(f"{script} line 5: unknown command 'bogus'")


# -- malformed recordings -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"t": 1, "frames": [{"text": "ok"}]}\n{"t": 2, "frames": [{"te', "line 2 is not JSON"),
        (b'{"t": 1}\n', "line 1 has no frames"),
        (b'{"t": 1, "frames": []}\n', "line 1 has no frames"),
        (b"[1, 2]\n", "line 1 has no frames"),
        (b'{"t": 1, "frames": [{"b64": "@@@"}]}\n', "line 1: a frame's b64 is not valid base64"),
        (b'{"t": 1, "frames": [{"hex": "00"}]}\n', 'line 1: a frame must be {"text": ...} or {"b64": ...}'),
        (b'{"t": "soon", "frames": [{"text": "x"}]}\n', "line 1: t must be a number"),
        (b'{"t": NaN, "frames": [{"text": "x"}]}\n', "line 1: t must be a number"),
        (
            b'{"t": 1, "frames": [{"text": "ok"}]}\n\n{"t": 2, "frames": [{"text": "\xff"}]}\n',
            "line 3 column 31: byte 0xff is not valid UTF-8",
        ),
        (b'{"t": 1, "frames": [{"text": "\\udcff"}]}\n', "frame text column 1: byte 0xff is not valid UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000 + b"\n", "line 1 nests too deeply"),
    ],
)
def test_malformed_recordings_are_refused_before_sending(
    session: Session, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    session.run("socket p push; socket q pull; bind q inproc://bad; connect p inproc://bad")
    text = error_of(session, f"replay {path} p")
    assert expected in text, text
    assert text.endswith("(hint: replay reads files written by record)")
    assert session.sockets()[0].sent == 0  # the good first line was not sent either


# -- record targets --------------------------------------------------------------------------


def test_record_to_unwritable_targets(session: Session, tmp_path: Path) -> None:
    session.run("socket s pull")
    cases = {
        f"record s {tmp_path}": f"{tmp_path} is not a regular file (it is a directory)",
        f"record s {tmp_path}/missing/dir/out.jsonl": "cannot write",
        "record s /proc/version": "cannot write /proc/version",
        "record s /dev/zero": "/dev/zero is not a regular file (it is a character device)",
    }
    for line, expected in cases.items():
        assert expected in error_of(session, line), line
    assert session.sockets()[0].flags == "-"


# -- replay: pace, back-pressure, closed socket ---------------------------------------------


def test_replay_at_recorded_pace_to_a_real_peer(
    session: Session, tmp_path: Path, start_peer: Callable[..., Peer]
) -> None:
    peer = start_peer("pull")
    path = record_file(
        tmp_path / "paced.jsonl",
        [100.0, 100.4, 100.8],
        [[{"text": "a"}], [{"b64": base64.b64encode(b"\x00\xff").decode()}], [{"text": "c"}, {"text": ""}]],
    )
    session.run(f"socket p push; connect p {peer.endpoint}")
    started = time.monotonic()
    (result,) = session.run(f"replay {path} p --speed 1 --background")
    assert result.lines == [f"replaying 3 messages from {path} to p over 0.8 s"]
    assert peer.expect("GOT") == "GOT " + b"a".hex()
    assert peer.expect("GOT") == "GOT 00ff"
    assert peer.expect("GOT") == "GOT " + b"c".hex() + " "
    done = notice(session, "done: 3 messages sent")
    assert not done.error
    assert time.monotonic() - started >= 0.8  # the recorded gaps were kept (a floor, not a speed)
    (twice,) = session.run(f"replay {path} p --speed 2 --background")
    assert twice.lines == [f"replaying 3 messages from {path} to p over 0.4 s"]
    notice(session, "done: 3 messages sent")


def test_replay_sends_the_file_it_checked_even_if_the_path_is_replaced(
    session: Session, tmp_path: Path, start_peer: Callable[..., Peer]
) -> None:
    peer = start_peer("pull")
    path = record_file(
        tmp_path / "orig.jsonl", [1.0, 1.2, 1.4], [[{"text": "one"}], [{"text": "two"}], [{"text": "three"}]]
    )
    other = record_file(
        tmp_path / "other.jsonl",
        [1.0, 1.0, 1.0, 1.0],
        [[{"text": "x"}], [{"text": "y"}], [{"text": "z"}], [{"text": "w"}]],
    )
    session.run(f"socket p push; connect p {peer.endpoint}")
    # The engine thread is held until the path names the other file, so the replay's first
    # step (where it starts reading to send) comes after the swap, whatever the machine's pace.
    release = threading.Event()
    held = session.engine.submit(lambda: release.wait(HANG))
    try:
        (result,) = session.run(f"replay {path} p --speed 0.5 --background")
        assert result.lines == [f"replaying 3 messages from {path} to p over 0.8 s"]
        os.replace(other, path)
    finally:
        release.set()
    held.result(HANG)
    assert [peer.expect("GOT") for _ in range(3)] == ["GOT " + w.hex() for w in (b"one", b"two", b"three")]
    assert not notice(session, "done: 3 messages sent").error


def test_replay_without_a_peer_gives_up_and_the_session_goes_on(session: Session, tmp_path: Path) -> None:
    path = record_file(tmp_path / "five.jsonl", [1.0, 1.0, 1.0, 1.0, 1.0])
    session.run("socket p push; set p sndhwm 1; bind p tcp://127.0.0.1:*")
    session.run(f"replay {path} p --speed 0 --background")
    (version,) = session.run("version")  # the replay runs in the engine, not in the caller
    assert "libzmq" in version.lines[0]
    stalled = notice(session, "stopped after 0 of 5 messages")
    assert stalled.error and "no peer took one for 2000 ms" in stalled.text


def test_replay_resumes_when_a_peer_comes(session: Session, tmp_path: Path) -> None:
    path = record_file(tmp_path / "three.jsonl", [1.0, 1.0, 1.0])
    endpoint = session.run("socket p push; bind p tcp://127.0.0.1:*")[1].value
    session.run(f"replay {path} p --speed 0 --background")
    session.run(f"socket q pull; connect q {endpoint}")
    (got,) = session.run("recv q --count 3 --timeout 10000")
    assert got.value == [[b"m0"], [b"m1"], [b"m2"]]
    notice(session, "done: 3 messages sent")


def test_replay_stops_when_its_socket_is_closed(session: Session, tmp_path: Path) -> None:
    path = record_file(tmp_path / "slow.jsonl", [0.0, 0.0, 30.0, 60.0])
    session.run("socket p push; socket q pull; bind q inproc://slow; connect p inproc://slow")
    session.run(f"replay {path} p --speed 1 --background")
    (got,) = session.run("recv q --count 2 --timeout 10000")
    assert got.value == [[b"m0"], [b"m1"]]
    session.run("close p")
    stopped = notice(session, "stopped after 2 of 4 messages: p was closed", timeout=60)
    assert stopped.error
