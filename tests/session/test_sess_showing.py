"""What a watched socket shows under a flood (showing.py) and how recordings are written
(records.py): the engine-side pieces of issue 13's ingest, checked on their own."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from zmqrepl.session.records import iter_records, record_line, record_lines
from zmqrepl.session.showing import Showing


def numbered(start: int, stop: int) -> list[list[bytes]]:
    return [[str(i).encode()] for i in range(start, stop)]


def test_showing_keeps_the_newest_and_counts_every_other_one() -> None:
    showing = Showing(keep=5)
    passed = 0
    for start in range(0, 1000, 100):
        passed += showing.add(float(start), numbered(start, start + 100))
    assert len(showing) >= 5
    taken, more = showing.take()
    assert [frames for _, frames, _ in taken] == numbered(995, 1000)
    assert {at for at, _, _ in taken} == {900.0}  # the time their batch was read
    assert passed + more + len(taken) == 1000  # shown or counted, each exactly once
    assert len(showing) == 0 and showing.take() == ([], 0)


def test_showing_takes_across_batches_in_order_with_labels() -> None:
    showing = Showing(keep=4)
    assert showing.add(1.0, numbered(0, 3), [("c→s", "a")] * 3) == 0
    assert showing.add(2.0, numbered(3, 5)) == 0
    taken, passed = showing.take()
    assert passed == 1
    assert taken == [
        (1.0, [b"1"], ("c→s", "a")),
        (1.0, [b"2"], ("c→s", "a")),
        (2.0, [b"3"], ("", "")),
        (2.0, [b"4"], ("", "")),
    ]
    showing.add(3.0, numbered(0, 2))
    assert showing.clear() == 2 and len(showing) == 0


def _as_json_dumps(t: float, socket: str, frames: list[bytes], direction: str = "", peer: str = "") -> str:
    """The record line as json.dumps of the dict gives it: what record_lines must match."""
    obj: dict[str, object] = {"t": round(t, 6), "socket": socket}
    if direction:
        obj["direction"] = direction
    if peer:
        obj["peer"] = peer
    out = []
    for f in frames:
        try:
            out.append({"text": f.decode("utf-8")})
        except UnicodeDecodeError:
            out.append({"b64": base64.b64encode(f).decode("ascii")})
    obj["frames"] = out
    return json.dumps(obj, ensure_ascii=False) + "\n"


def test_record_lines_are_json_dumps_byte_for_byte_and_read_back(tmp_path: Path) -> None:
    messages = [
        [b"hello"],
        [b"", b"\xff\x00", 'é\u2028"\\\n\x00\t'.encode()],
        [b"\xed\xa0\x80"],  # a UTF-16 surrogate in UTF-8: not valid UTF-8, so base64
        ["\U0001f600 ok".encode(), b"x" * 300],
    ]
    lines: list[str] = []
    for direction, peer in (("", ""), ("client->server", 'c1 "x" 127.0.0.1')):
        lines += list(record_lines(1796195414.7786667, 's"q', messages, direction, peer))
        expected = [_as_json_dumps(1796195414.7786667, 's"q', m, direction, peer) for m in messages]
        assert lines[-len(messages) :] == expected
        assert [record_line(1796195414.7786667, 's"q', m, direction, peer) for m in messages] == expected
    path = tmp_path / "r.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    assert [frames for _, frames in iter_records(str(path))] == messages * 2
