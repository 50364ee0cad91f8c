"""record --max-size SIZE --files K: a ring of K files of bounded size, the newest data
kept; record NAME shows the status; a write that fails says how many messages it lost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

from tests.peers import Peer
from tests.session.test_sess_tap import file_size_limit
from tests.support import executed, wait_for
from zmqrepl.session import Bound, CommandError, Notice, RecordStatus, RecordSwitched, Session


def numbers(path: Path) -> list[int]:
    return [int(json.loads(line)["frames"][0]["text"]) for line in path.read_text().splitlines()]


def pusher(session: Session, start_peer: Callable[..., Peer]) -> Peer:
    """A pyzmq PUSH peer ("p") connected to the session's PULL q."""
    endpoint = executed(session, "bind q tcp://127.0.0.1:*", Bound).endpoint
    peer = start_peer()
    peer.call("socket", name="p", type="PUSH")
    peer.call("connect", sock="p", endpoint=endpoint)
    return peer


def push(peer: Peer, n: int, width: int = 100, start: int = 0) -> None:
    """``n`` messages "0000...i" (``width`` characters), numbered from ``start``."""
    messages = [[f"{i:0{width}}".encode().hex()] for i in range(start, start + n)]
    peer.call("send_many", sock="p", messages=messages)


def pushed(session: Session, start_peer: Callable[..., Peer], n: int, width: int = 100) -> Peer:
    peer = pusher(session, start_peer)
    push(peer, n, width)
    return peer


def test_a_ring_of_files_keeps_the_newest_messages_in_bounded_files(
    session: Session, start_peer: Callable[..., Peer], tmp_path: Path
) -> None:
    path = tmp_path / "feed.jsonl"
    session.run("socket q pull")
    started = executed(session, f"record q {path} --max-size 64k --files 3", RecordSwitched)
    assert started.path == str(path)
    n = 1000  # about 1,060 bytes a line: some 60 lines a file, 16 rotations
    pushed(session, start_peer, n, 1000)
    wait_for(lambda: session.sockets()[0].received == n, what="every message read")
    status = executed(session, "record q", RecordStatus)
    assert status.messages == n and status.lost == 0 and status.rotations > 10
    assert status.lines[0].startswith(
        f"q: recording to {path} (a ring of 3 files of 64 KiB, {status.rotations} rotations): 1,000 messages"
    )
    executed(session, "record q --stop", RecordSwitched)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["feed.jsonl", "feed.jsonl.1", "feed.jsonl.2"]
    assert all((tmp_path / name).stat().st_size <= 64 << 10 for name in files)
    # Oldest to newest: .2, .1, then FILE, which ends with the last message; no gaps.
    kept = numbers(path.with_name("feed.jsonl.2")) + numbers(path.with_name("feed.jsonl.1")) + numbers(path)
    assert kept == list(range(n - len(kept), n)) and len(kept) > 50
    assert all(numbers(tmp_path / name) for name in files)


def test_a_ring_of_one_file_starts_it_again(
    session: Session, start_peer: Callable[..., Peer], tmp_path: Path
) -> None:
    path = tmp_path / "one.jsonl"
    session.run(f"socket q pull; record q {path} --max-size 64k --files 1")
    pushed(session, start_peer, 100, 1000)
    wait_for(lambda: session.sockets()[0].received == 100, what="every message read")
    session.run("record q --stop")
    assert [p.name for p in tmp_path.iterdir()] == ["one.jsonl"]
    assert path.stat().st_size <= 64 << 10 and numbers(path)[-1] == 99


def test_ring_flags_are_checked(session: Session, tmp_path: Path) -> None:
    session.run("socket q pull")
    cases = {
        f"record q {tmp_path}/a --max-size lots": "--max-size takes a size, not 'lots'",
        f"record q {tmp_path}/a --max-size 100": "--max-size must be at least 64 KiB",
        f"record q {tmp_path}/a --files 3": "--files goes with --max-size",
        f"record q {tmp_path}/a --max-size 1M --files 0": "--files must be 1 to 100",
        f"record q {tmp_path}/a --max-size 1M --files 101": "--files must be 1 to 100",
        "record q --max-size 1M": "--max-size needs a FILE",
    }
    for line, expected in cases.items():
        with pytest.raises(CommandError) as exc:
            session.execute(line)
        assert exc.value.line.startswith(expected), line
    assert executed(session, "record q", RecordStatus).lines == ["q: not recording (record q FILE starts)"]


def test_a_failed_write_says_how_many_messages_were_lost(
    session: Session, start_peer: Callable[..., Peer], tmp_path: Path
) -> None:
    session.run("socket q pull")
    path = tmp_path / "full.jsonl"
    session.run(f"watch q; record q {path}")  # watch: q is still read once the recording stops
    n = 150
    peer = pusher(session, start_peer)  # before the limit: a child process would inherit it
    with file_size_limit(5_000):  # "the disk is full" after 5 kB: about 30 of the lines
        push(peer, n)
        wait_for(lambda: session.sockets()[0].received == n, 20, "every message read")
        wait_for(lambda: "record" not in session.sockets()[0].flags, what="the recording stopped")
    notices = [e for e in session.events.take().events if isinstance(e, Notice) and e.error]
    assert len(notices) == 1
    text = notices[0].text
    assert text.startswith(f"q: recording to {path} stopped: ") and "could not be written" in text
    written = numbers(path)  # whole lines only: the half-written one is cut off
    assert written == list(range(len(written))) and path.stat().st_size <= 5_000
    lost = int(text.rsplit("; ", 1)[1].split()[0].replace(",", ""))
    assert 0 < lost <= n - len(written)
    # record q says it too, until the next recording starts.
    status = executed(session, "record q", RecordStatus).lines
    assert status == ["q: not recording (record q FILE starts)", "the last " + text.split(": ", 1)[1]]


def test_the_writer_rotates_whole_lines_and_counts_them(tmp_path: Path) -> None:
    from zmqrepl.session.rotation import RecordWriter, parse_size

    assert [parse_size(t) for t in ("65536", "500k", "10M", "1GiB", "64 kb")] == [
        65536,
        500 << 10,
        10 << 20,
        1 << 30,
        64 << 10,
    ]
    path = tmp_path / "w.jsonl"
    writer = RecordWriter(str(path), 1024, 2)
    lines = [f"{i:049}\n" for i in range(100)]  # 50 bytes each: 20 a file
    writer.write("".join(lines[:10]))
    writer.writelines(lines[10:])
    writer.close()
    assert (writer.messages, writer.written, writer.lost) == (100, 5000, 0)
    assert writer.rotations == 4
    assert path.read_text() == "".join(lines[80:])
    assert (tmp_path / "w.jsonl.1").read_text() == "".join(lines[60:80])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.jsonl", "w.jsonl.1"]


def error_notices(session: Session) -> list[str]:
    return [e.text for e in session.events.take().events if isinstance(e, Notice) and e.error]


def test_a_relative_ring_stays_where_it_started_after_a_chdir(
    session: Session, start_peer: Callable[..., Peer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (second / "feed.jsonl").write_text("precious\n")
    (second / "feed.jsonl.1").write_text("precious too\n")
    monkeypatch.chdir(first)
    session.run("socket q pull; record q feed.jsonl --max-size 64k --files 2")
    peer = pusher(session, start_peer)
    push(peer, 10, 1000)
    wait_for(lambda: session.sockets()[0].received == 10, what="the first messages read")
    monkeypatch.chdir(second)  # a %cd in a notebook, say
    push(peer, 190, 1000, start=10)
    wait_for(lambda: session.sockets()[0].received == 200, what="every message read")
    assert executed(session, "record q", RecordStatus).rotations >= 2
    session.run("record q --stop")
    assert (second / "feed.jsonl").read_text() == "precious\n"
    assert (second / "feed.jsonl.1").read_text() == "precious too\n"
    assert sorted(p.name for p in first.iterdir()) == ["feed.jsonl", "feed.jsonl.1"]
    kept = numbers(first / "feed.jsonl.1") + numbers(first / "feed.jsonl")
    assert kept == list(range(200 - len(kept), 200))


def test_a_rename_that_fails_keeps_recording_in_the_open_file(
    session: Session, start_peer: Callable[..., Peer], tmp_path: Path
) -> None:
    # FILE can be made, FILE.1 cannot (a name of 256 bytes): every rename to it fails.
    path = tmp_path / ("r" * 254)
    session.run(f"socket q pull; watch q; record q {path} --max-size 64k --files 2")
    n = 200  # three files' worth
    pushed(session, start_peer, n, 1000)
    wait_for(lambda: session.sockets()[0].received == n, what="every message read")
    status = executed(session, "record q", RecordStatus)
    assert status.path == str(path) and status.messages == n and status.lost == 0
    assert status.lines[-1].startswith("could not rotate (File name too long): ")
    assert numbers(path) == list(range(n))  # nothing lost, in the file that was open
    notices = wait_for(lambda: error_notices(session), what="a notice")
    assert len(notices) == 1 and "could not rotate (File name too long)" in notices[0]
    assert "record" in session.sockets()[0].flags


def test_a_ring_whose_directory_goes_keeps_delivering_messages(
    session: Session, start_peer: Callable[..., Peer], tmp_path: Path
) -> None:
    ring = tmp_path / "ring"
    ring.mkdir()
    session.run(f"socket q pull; watch q; record q {ring}/f.jsonl --max-size 64k --files 3")
    peer = pusher(session, start_peer)

    def shown(n: int) -> list[object]:
        """The events until watch has shown ``n`` messages (it shows at most every 100 ms)."""
        events: list[object] = []

        def enough() -> bool:
            events.extend(session.events.take().events)
            return len([e for e in events if not isinstance(e, Notice)]) >= n

        wait_for(enough, what=f"{n} messages shown")
        return events

    push(peer, 50, 1000)
    shown(50)
    for child in ring.iterdir():
        child.unlink()
    ring.rmdir()
    push(peer, 50, 1000, start=50)  # the next rotation cannot rename, nor open a new FILE
    wait_for(lambda: session.sockets()[0].received == 100, what="every message read")
    events = shown(50)
    texts = [e.text for e in events if isinstance(e, Notice) and e.error]
    assert len(texts) == 1 and "could not rotate" in texts[0], texts
    # watch got every message of the batches (none is lost to a failed rotation).
    assert len([e for e in events if not isinstance(e, Notice)]) == 50
    status = executed(session, "record q", RecordStatus)
    assert status.messages == 100 and status.lost == 0


def test_a_symlink_in_the_ring_stops_the_recording_and_is_left_alone(
    session: Session, start_peer: Callable[..., Peer], tmp_path: Path
) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("precious\n")
    path = tmp_path / "f.jsonl"
    (tmp_path / "f.jsonl.1").symlink_to(target)
    session.run(f"socket q pull; watch q; record q {path} --max-size 64k --files 3")
    pushed(session, start_peer, 100, 1000)
    wait_for(lambda: session.sockets()[0].received == 100, what="every message read")
    wait_for(lambda: "record" not in session.sockets()[0].flags, what="the recording stopped")
    notices = error_notices(session)
    assert len(notices) == 1 and f"{path}.1 is a symbolic link" in notices[0], notices
    assert target.read_text() == "precious\n" and (tmp_path / "f.jsonl.1").is_symlink()
    assert not (tmp_path / "f.jsonl.2").exists()
    assert numbers(path) == list(range(len(numbers(path))))


def test_the_writer_splits_at_newlines_only(tmp_path: Path) -> None:
    from zmqrepl.session.rotation import RecordWriter

    path = tmp_path / "u.jsonl"
    writer = RecordWriter(str(path))
    writer.write('{"a": "x\u2028y"}\n{"b": "\x85"}\n')
    writer.close()
    assert writer.messages == 2
    assert path.read_text(encoding="utf-8").split("\n") == ['{"a": "x\u2028y"}', '{"b": "\x85"}', ""]


def test_a_new_file_that_cannot_be_opened_is_an_oserror(tmp_path: Path) -> None:
    """What the read paths catch: a rotation's open never raises CommandError past them."""
    from zmqrepl.session.rotation import _open_new

    (tmp_path / "d").mkdir()
    with pytest.raises(OSError, match="is not a regular file"):
        _open_new(str(tmp_path / "d"), "d")
    with pytest.raises(OSError, match="No such file or directory"):
        _open_new(str(tmp_path / "gone" / "f"), "f")
