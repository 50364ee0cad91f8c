"""%zmq show: one message whole as HTML (JSON and msgpack as trees of <details> that fold,
binary as a hex dump); %zmq history: the kept messages as a table, with their numbers."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any, Callable

import msgpack
import pytest

from zmqrepl.magics.magics import History, ShownFrames

from .magic_support import Peer, Shell, table_dicts

PeerFactory = Callable[..., Peer]


class _Folds(HTMLParser):
    """The <details> of a page: how deep each is, whether open, and its summary's text."""

    def __init__(self) -> None:
        super().__init__()
        self.folds: list[tuple[int, bool, str]] = []
        self.pres: list[str] = []
        self._depth = 0
        self._summary: list[str] | None = None
        self._pre: list[str] | None = None
        self._open = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "details":
            self._depth += 1
            self._open = any(name == "open" for name, _ in attrs)
        elif tag == "summary":
            self._summary = []
        elif tag == "pre":
            self._pre = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self._depth -= 1
        elif tag == "summary" and self._summary is not None:
            self.folds.append((self._depth, self._open, "".join(self._summary)))
            self._summary = None
        elif tag == "pre" and self._pre is not None:
            self.pres.append("".join(self._pre))
            self._pre = None

    def handle_data(self, data: str) -> None:
        for part in (self._summary, self._pre):
            if part is not None:
                part.append(data)


def folds(html: str) -> _Folds:
    parser = _Folds()
    parser.feed(html)
    return parser


def _pull(shell: Shell, peer: PeerFactory) -> Peer:
    pusher = peer("ops")
    pusher.call("socket", name="p", type="PUSH")
    shell["ep"] = pusher.call("bind", sock="p", endpoint="tcp://127.0.0.1:*")
    shell.ok("%%zmq\nsocket r pull\nconnect r {ep}")
    return pusher


def test_show_renders_json_as_folding_tree_and_binary_as_hex(shell: Shell, peer: PeerFactory) -> None:
    pusher = _pull(shell, peer)
    doc = {"order": 17, "lines": [{"sku": "A-1", "qty": 2}, {"sku": "B-2", "qty": 1}], "note": "<b>x</b>"}
    pusher.send(
        "p", json.dumps(doc).encode(), msgpack.packb({"ok": True, "ids": [1, 2, 3]}), bytes(range(40))
    )
    shell.ok("got = %zmq recv r --timeout 10000")
    shell.ok("m = %zmq show")
    shown = shell["m"]
    assert isinstance(shown, ShownFrames)
    assert list(shown) == shell["got"]  # its value: the frames, as kept
    html = shown._repr_html_()
    page = folds(html)
    # The JSON document: an open object of 3 keys, its list of 2 open, each line's object
    # (third level) folded; then the msgpack map with its list.
    assert page.folds[:4] == [
        (1, True, "{ 3 keys"),
        (2, True, "[ 2 items"),
        (3, False, "{ 2 keys"),
        (3, False, "{ 2 keys"),
    ]
    assert page.folds[4:] == [(1, True, "{ 2 keys"), (2, True, "[ 3 items")]
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html  # values are escaped
    assert "&quot;sku&quot;" in html and "&quot;A-1&quot;" in html
    assert re.search(r"#1 \d\d:\d\d:\d\d\.\d{3} r: 3 parts", html)
    assert "frame 1: " in html and ", msgpack" in html and "frame 2: 40 B, binary" in html
    (dump,) = page.pres
    assert dump.splitlines() == [
        "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|",
        "00000010  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  |................|",
        "00000020  20 21 22 23 24 25 26 27                           | !\"#$%&'|",
    ]
    assert repr(shown).splitlines()[0].startswith("#1 ")


def test_history_is_a_table_with_numbers_and_grep(shell: Shell, peer: PeerFactory) -> None:
    pusher = _pull(shell, peer)
    for i in range(4):
        pusher.send("p", b"reading", json.dumps({"n": i, "room": "hall" if i % 2 else "attic"}).encode())
    shell.ok("got = %zmq recv r --count 4 --timeout 10000")
    shell.ok("h = %zmq history --grep attic")
    history = shell["h"]
    assert isinstance(history, History)
    assert [m.number for m in history] == [1, 3]
    html = history._repr_html_()
    rows = table_dicts(html)
    assert [r["#"] for r in rows] == ["1", "3"]
    assert all(r["socket"] == "r" and r["parts"] == "2" for r in rows)
    assert '"room":"attic"' in rows[0]["frames"] and "reading" in rows[0]["frames"]
    assert "2 of 4 kept messages matching &#x27;attic&#x27;" in html
    # The recv table numbers its messages the same way, for %zmq show N.
    assert [r["#"] for r in table_dicts(shell["got"]._repr_html_())] == ["1", "2", "3", "4"]
    shell.ok("m = %zmq show 2")
    assert json.loads(shell["m"][1]) == {"n": 1, "room": "hall"}
    ran = shell.run("%zmq show 99")
    assert ran.error is not None and "no message #99 yet" in str(ran.error)


def test_history_size_setting_bounds_what_show_finds(shell: Shell, peer: PeerFactory) -> None:
    shell.ok("%config ZmqMagics.history_size = 2")
    pusher = _pull(shell, peer)
    for i in range(3):
        pusher.send("p", f"m-{i}".encode())
    shell.ok("got = %zmq recv r --count 3 --timeout 10000")
    ran = shell.run("%zmq show 1")
    assert ran.error is not None
    assert "message #1 is no longer kept: the session keeps the newest 2 (now #2 to #3)" in str(ran.error)
    shell.ok("h = %zmq history")
    assert [m.number for m in shell["h"]] == [2, 3]


def test_default_format_shows_in_tables_and_show_still_reads_whole(shell: Shell, peer: PeerFactory) -> None:
    shell.ok("%config ZmqMagics.default_format = 'hex'")
    pusher = _pull(shell, peer)
    pusher.send("p", b'{"a": [1, 2]}')
    pusher.send("p", b"two")
    shell.ok("got = %zmq recv r --count 2 --timeout 10000")
    assert "7b 22 61" in shell["got"]._repr_html_()  # the table: hex, as configured
    shell.ok("m = %zmq show 1")
    assert shell["m"].result.frames[0].kind == "json"  # show: the whole message, decoded


_HOSTILE = "x\x1b]52;c;aGVsbG8=\x07\u009b2J\u202eevil"


def test_controls_from_a_peer_show_escaped_in_the_html(shell: Shell, peer: PeerFactory) -> None:
    pusher = _pull(shell, peer)
    pusher.send("p", json.dumps({"k\u009d": _HOSTILE}, ensure_ascii=False).encode(), _HOSTILE.encode())
    shell.ok("got = %zmq recv r --timeout 10000 --format text")
    shell.ok("m = %zmq show")
    shell.ok("h = %zmq history")
    pages = [shell["m"]._repr_html_(), shell["h"]._repr_html_()]
    for page in pages:
        for raw in ("\x1b", "\u009b", "\u009d", "\u202e", "\x07"):
            assert raw not in page, (raw, page)
    assert "&quot;k\\x9d&quot;" in pages[0] and "\\u202eevil" in pages[0]
    assert "\\x1b]52;c;aGVsbG8=\\x07\\x9b2J\\u202eevil" in pages[1]


def test_one_show_shares_one_node_budget_across_its_frames(shell: Shell, peer: PeerFactory) -> None:
    pusher = _pull(shell, peer)
    frame = json.dumps(list(range(2500))).encode()  # 12 KiB: kept whole
    pusher.send("p", frame, frame, frame)
    shell.ok("got = %zmq recv r --timeout 10000")
    shell.ok("m = %zmq show")
    html = shell["m"]._repr_html_()
    assert html.count("<span class='key'>") <= 5000  # 7500 if each frame had its own
    assert "… (more not shown)" in html


def test_recv_view_line_gives_one_line_per_message(shell: Shell, peer: PeerFactory) -> None:
    pusher = _pull(shell, peer)
    pusher.send("p", b"a", b"b")
    pusher.send("p", b"c")
    shell.ok("two = %zmq recv r --count 2 --timeout 10000 --view line")
    (lines,) = folds(shell["two"]._repr_html_()).pres
    first, second = lines.splitlines()
    assert re.fullmatch(r"#1 \d\d:\d\d:\d\d\.\d{3} r \[1\+1 B\] a \| b", first), first
    assert re.fullmatch(r"#2 \d\d:\d\d:\d\d\.\d{3} r \[1 B\] c", second), second


def test_view_setting_gives_one_line_per_message_and_bad_settings_are_refused(
    shell: Shell, peer: PeerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    shell.ok("%config ZmqMagics.view = 'line'")
    pusher = _pull(shell, peer)
    pusher.send("p", b"a", b"b")
    pusher.send("p", b"c")
    shell.ok("got = %zmq recv r --count 2 --timeout 10000")
    (lines,) = folds(shell["got"]._repr_html_()).pres
    assert re.fullmatch(r"#1 \d\d:\d\d:\d\d\.\d{3} r \[1\+1 B\] a \| b", lines.splitlines()[0]), lines
    # %config tells a refused value in one logged line, and keeps the old value.
    shell.ok("%config ZmqMagics.view = 'wide'")
    assert "view is full or line, not 'wide'" in caplog.text
    shell.ok("%config ZmqMagics.history_size = -1")
    assert "history_size is 0 or more, not -1 (hint: e.g. 1000)" in caplog.text
    shell.ok("%config ZmqMagics.history_bytes = -5")
    assert "history_bytes is 0 or more, not -5" in caplog.text
