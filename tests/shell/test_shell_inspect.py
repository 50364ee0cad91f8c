"""What a person sees of numbered messages, show, the one-line view, tables in a narrow
terminal and NO_COLOR: the real ``zmqrepl`` in a pseudo-terminal (pyte screen), pyzmq peers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from tests.peers import Peer
from tests.support import executed
from zmqrepl.session import Bound, PeerTable, Session
from zmqrepl.shell.result_lines import result_lines

from .pty_shell import Shell

LOCAL = "tcp://127.0.0.1:*"
# An SGR sequence, and which of its parameters set a colour (30-49: foreground and
# background, 90-107: the bright ones; 38/48 start 256-colour and RGB forms).
_SGR = re.compile(rb"\x1b\[([0-9;:]*)m")


def colour_codes(raw: bytes) -> list[bytes]:
    return [
        m.group(0)
        for m in _SGR.finditer(raw)
        if any(p.isdigit() and (30 <= int(p) <= 49 or 90 <= int(p) <= 107) for p in m.group(1).split(b";"))
    ]


def pusher(start_peer: Callable[..., Peer]) -> tuple[Peer, str]:
    peer = start_peer()
    peer.call("socket", name="p", type="PUSH")
    return peer, peer.call("bind", sock="p", endpoint=LOCAL)


def test_line_view_at_80_columns_and_show_prints_the_message_whole(
    shell: Callable[..., Shell], start_peer: Callable[..., Peer]
) -> None:
    peer, endpoint = pusher(start_peer)
    sh = shell(cols=80)
    sh.command("socket r pull", "r: pull socket")
    sh.command(f"connect r {endpoint}", "connecting to")
    sh.command("watch r --view line", "watching r")
    doc = {"event": "order", "items": [{"sku": f"A-{i:03d}", "qty": i} for i in range(30)]}
    peer.send("p", b"orders", json.dumps(doc).encode())
    peer.send("p", b"short")
    peer.send("p", b"\x00\x01\x02bin", b"")
    sh.wait(lambda: len(re.findall(r"^#\d+ ", sh.text(), re.M)) == 3, "three numbered lines")
    rows = [line for line in sh.screen.display if re.match(r"#\d+ ", line)]
    first, second, third = rows
    assert re.match(r"#1 \d\d:\d\d:\d\d\.\d{3} r \[6\+\d+ B\] orders \| \{\"event\":\"order\",", first)
    assert first.rstrip().endswith("…") and len(first.rstrip()) == 80
    assert re.match(r"#2 \d\d:\d\d:\d\d\.\d{3} r \[5 B\] short$", second.rstrip())
    assert re.match(r'#3 \S+ r \[6\+0 B\] 00 01 02 62 69 6e \| ""$', third.rstrip())
    # One screen line each: what follows a message line is the next message or the prompt.
    display = sh.screen.display
    for i, line in enumerate(display[:-1]):
        if re.match(r"#\d+ ", line):
            assert re.match(r"#\d+ |zmq>|\s*$", display[i + 1]), display[i + 1]

    sh.command("show 1", '"sku": "A-029",')
    out = sh.plain()
    assert "frame 1: " in out and ", json" in out
    assert '      "qty": 29' in out
    sh.command("history --grep short", "1 of 3 kept messages matching 'short'")
    assert re.search(r"#2 \S+ r \[5 B\] short", sh.plain())


def test_a_wide_sockets_table_fits_a_narrow_terminal(
    shell: Callable[..., Shell], start_peer: Callable[..., Peer]
) -> None:
    _peer, endpoint = pusher(start_peer)
    cols = 72
    sh = shell(cols=cols)
    sh.command("socket a_long_socket_name pull", "pull socket")
    sh.command(f"connect a_long_socket_name {endpoint}", "connecting to")
    sh.command("bind a_long_socket_name tcp://127.0.0.1:*", "bound to")
    sh.command("socket b sub", "sub socket")
    sh.command("subscribe b weather-reports-from-the-north", "subscribed")
    before = len(sh.plain())
    sh.command("sockets", "live")
    table = [line for line in sh.plain()[before:].splitlines() if line.strip() and "zmq>" not in line]
    head, rule, first, second = table[:4]
    assert head.split()[:2] == ["name", "type"] and head.split()[-1] == "live"
    assert set(rule.replace(" ", "")) == {"-"}
    for line in (head, rule, first, second):
        assert len(line) <= cols, line
    assert first.startswith("a_long_socket_name  pull  bind tc")
    assert "…" in first  # the endpoints and options columns are cut, not wrapped
    assert second.split()[:2] == ["b", "sub"]
    # On the screen too: each row is one line, the next row right below it.
    screen = sh.screen.display
    at = next(i for i, line in enumerate(screen) if line.startswith("a_long_socket_name  pull"))
    assert screen[at + 1].startswith("b ")
    assert screen[at - 2].startswith("name ")


@pytest.mark.parametrize("how", ["NO_COLOR", "--no-color"])
def test_no_color_turns_every_colour_off(
    how: str, shell: Callable[..., Shell], start_peer: Callable[..., Peer]
) -> None:
    peer, endpoint = pusher(start_peer)
    coloured = shell()
    plain = shell("--no-color") if how == "--no-color" else shell(env={"NO_COLOR": "1"})
    for sh in (coloured, plain):
        sh.command("socket r pull", "r: pull socket")
        sh.command(f"connect r {endpoint}", "connecting to")
        sh.command("watch r", "watching r")
        sh.command("frobnicate", "error: ")
    for i in range(2):  # PUSH deals messages out: one to each shell
        peer.send("p", b"hello", f"m-{i}".encode())
    for sh in (coloured, plain):
        sh.wait(lambda sh=sh: "#1 " in sh.plain(), "a numbered message")  # type: ignore[misc]
        sh.command("sockets", "live")
    assert colour_codes(coloured.raw), "the coloured shell shows no colour: the check sees nothing"
    assert colour_codes(plain.raw) == []


def _batch(tmp_path: Path, settings: str, commands: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config" / "zmqrepl"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.ini").write_text(settings, encoding="utf-8")
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_STATE_HOME=str(tmp_path / "st"))
    env.pop("NO_COLOR", None)
    # The width lines are fitted to, whatever runs the tests (pytest-xdist sets COLUMNS=80;
    # without it, output to a pipe takes the shell's own 100).
    env["COLUMNS"] = "100"
    return subprocess.run(
        [sys.executable, "-m", "zmqrepl", "-c", commands],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=str(tmp_path),
    )


def test_view_and_history_size_settings(tmp_path: Path, start_peer: Callable[..., Peer]) -> None:
    peer = start_peer("pub", "--count", "3", "--prefix", "m")
    proc = _batch(
        tmp_path,
        "[shell]\nview = line\nhistory_size = 2\n",
        f"socket s sub; connect s {peer.endpoint}; subscribe s; recv s --count 3 --timeout 10000; "
        "history; show 1",
    )
    assert proc.returncode == 1  # show 1: gone from a history of 2
    lines = proc.stdout.splitlines()
    received = [line for line in lines if re.match(r"#\d ", line)]
    assert [re.sub(r" \S+ ", " T ", line, count=1) for line in received] == [
        "#1 T s [1+3 B] t | m-0",
        "#2 T s [1+3 B] t | m-1",
        "#3 T s [1+3 B] t | m-2",
        "#2 T s [1+3 B] t | m-1",  # history: the newest 2
        "#3 T s [1+3 B] t | m-2",
    ]
    assert "2 of 2 kept messages (the session keeps the newest 2); show N prints one whole" in lines
    assert proc.stderr.startswith("error: message #1 is no longer kept: the session keeps the newest 2")
    bad = _batch(tmp_path, "[shell]\nview = wide\n", "version")
    assert bad.returncode == 0
    assert (
        bad.stderr.startswith("warning: ignoring ")
        and "view = 'wide' (hint: view is full or line)" in bad.stderr
    )


def test_peers_table_and_notes_fit_a_narrow_width(session: Session, start_peer: Callable[..., Peer]) -> None:
    session.execute("socket r router")
    endpoint = executed(session, "bind r tcp://127.0.0.1:*", Bound).endpoint
    session.execute("peers r")  # counting starts
    dealer = start_peer()
    dealer.call("socket", name="d", type="DEALER", options=[["ROUTING_ID", "a-rather-long-worker-name-7"]])
    dealer.call("connect", sock="d", endpoint=endpoint)
    dealer.send("d", b"hello")
    session.execute("recv r --timeout 10000")
    table = executed(session, "peers r", PeerTable)
    assert max(len(line) for line in table.lines) > 80
    lines = result_lines(table, 80)
    assert all(len(line) <= 80 for line in lines), lines
    assert lines[2].startswith("a-rather-long-worker-name-7  ")
    assert "…" in lines[2]
    narrow = result_lines(table, 40)
    assert all(len(line) <= 40 for line in narrow) and narrow[2].startswith("a-r…")
    assert " ".join(lines[3:]).startswith("messages counted per peer since")
    assert result_lines(table, 60, fit=False) == table.lines  # a pipe or a file: whole


def test_recv_count_prints_the_newest_and_says_how_many_are_not_shown(session: Session) -> None:
    from zmqrepl.session import Received

    session.run("socket p push; socket q pull; bind q inproc://many; connect p inproc://many")
    executed(session, "send p m-%n --count 250")
    result = executed(session, "recv q --count 250 --timeout 10000", Received)
    lines = result_lines(result, 80)
    assert lines[0] == "150 older messages not shown; the newest 100 follow (the value holds all 250)"
    assert (
        sum("m-" in line for line in lines) == 100 and "m-249" in lines[-1] and "m-149" not in "".join(lines)
    )


# ESC ] 52 (OSC 52: write the clipboard), U+009B (CSI in one character) and U+202E (right
# to left): what a hostile peer could send to act on the terminal.
_HOSTILE = "x\x1b]52;c;aGVsbG8=\x07\u009b2J\u202eevil"


def test_controls_and_wide_text_from_a_peer_reach_the_terminal_escaped_and_fitted(
    shell: Callable[..., Shell], start_peer: Callable[..., Peer]
) -> None:
    peer, endpoint = pusher(start_peer)
    sh = shell(cols=80)
    sh.command("socket r pull", "r: pull socket")
    sh.command(f"connect r {endpoint}", "connecting to")
    sh.command("watch r --view line --format text", "watching r")
    peer.send("p", ("東京の天気は晴れです" * 20).encode())
    peer.send("p", _HOSTILE.encode(), json.dumps({"k": _HOSTILE}, ensure_ascii=False).encode())
    sh.wait(lambda: len(re.findall(r"^#\d+ ", sh.text(), re.M)) == 2, "two numbered lines")
    display = sh.screen.display
    at = next(i for i, line in enumerate(display) if line.startswith("#1 "))
    assert display[at].rstrip().endswith("…")
    assert display[at + 1].startswith("#2 ")  # one screen line: the wide text did not wrap
    sh.command("watch r --view full", "watching r")
    sh.command("history", "2 of 2 kept messages")
    sh.command("show 2", "frame 1: ")
    raw = sh.raw
    for hostile in ("\x1b]52", "\u009b", "\u202e"):
        assert hostile.encode() not in raw, hostile
    assert "\\x1b]52;c;aGVsbG8=\\x07\\x9b2J\\u202eevil" in sh.plain()


def test_an_empty_no_color_keeps_colour(shell: Callable[..., Shell]) -> None:
    sh = shell(env={"NO_COLOR": ""})
    sh.command("frobnicate", "error: ")
    assert colour_codes(sh.raw), "NO_COLOR set but empty turns nothing off (no-color.org)"


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ("[shell]\nview = 50%\n", "view = '50%' (hint: view is full or line)"),
        ("[shell]\nview = %(other)s\n", "view = '%(other)s' (hint: view is full or line)"),
        ("[shell]\nhistory_size = -5\n", "history_size = '-5' (hint: values are whole numbers, 0 or more)"),
        ("[shell]\nlinger = 1%\n", "linger = '1%' (hint: values are whole numbers)"),
        ("[shell]\nhistory_bytes = -1\n", "history_bytes = '-1' (hint: values are whole numbers, 0 or more)"),
        ("view = line\n", "(hint: lines are name = value under [shell])"),
    ],
)
def test_a_bad_setting_is_one_line_with_a_hint(tmp_path: Path, settings: str, said: str) -> None:
    proc = _batch(tmp_path, settings, "version")
    assert proc.returncode == 0
    (line,) = proc.stderr.splitlines()
    assert line.startswith("warning: ignoring ") and line.endswith(said), line


def test_history_bytes_setting_bounds_the_ring_and_history_names_it(
    tmp_path: Path, start_peer: Callable[..., Peer]
) -> None:
    peer = start_peer("pub", "--count", "3", "--prefix", "m")
    proc = _batch(
        tmp_path,
        "[shell]\nhistory_bytes = 200\n",  # a message of 2 short frames counts 2 x 64 + its bytes
        f"socket s sub; connect s {peer.endpoint}; subscribe s; recv s --count 3 --timeout 10000; history",
    )
    assert proc.returncode == 0, proc.stderr
    assert (
        "1 of 1 kept messages (the session keeps the newest 200 bytes of frames (1 message now))"
        in proc.stdout
    )


def test_max_messages_bounds_what_a_flood_numbers(tmp_path: Path, start_peer: Callable[..., Peer]) -> None:
    """The shell shows max_messages per 100 ms, and under a flood the session numbers only
    that many (show N and history hold what could be printed, not what was passed over),
    while the counters stay exact."""
    peer = start_peer("pub", "--prefix", "m")  # without end: a flood while s watches
    proc = _batch(
        tmp_path,
        "[shell]\nmax_messages = 3\n",
        f"socket s sub; connect s {peer.endpoint}; subscribe s; watch s; sleep 1500; unwatch s; "
        "history; sockets",
    )
    assert proc.returncode == 0, proc.stderr
    numbered = [int(n) for n in re.findall(r"^#(\d+) ", proc.stdout, re.M)]
    kept = re.search(r"(\d+) of (\d+) kept messages", proc.stdout)
    row = re.search(r"^s +sub .*", proc.stdout, re.M)
    assert kept is not None and row is not None, proc.stdout[-2000:]
    received = int(re.split(r"\s{2,}", row.group(0).strip())[4])
    # 1.5 s of watching: one take at once, then at most one per 100 ms, 3 messages each.
    assert 0 < int(kept.group(2)) <= 3 * (1.5 / 0.1 + 3), kept.group(0)
    assert received > 10 * int(kept.group(2)), (received, kept.group(0))  # the rest: "+N more"
    assert numbered and max(numbered) == int(kept.group(2))
