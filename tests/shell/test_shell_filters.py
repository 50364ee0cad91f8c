"""watch --where/--grep as a person sees them: the real ``zmqrepl`` in a pseudo-terminal."""

from __future__ import annotations

import re
from typing import Callable

from tests.peers import Peer

from .pty_shell import Shell


def ticks(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"tick-(\d+)", text)]


def test_watch_where_shows_only_matching_and_sockets_counts_matched(
    shell: Callable[..., Shell], start_peer: Callable[..., Peer]
) -> None:
    peer = start_peer("pub", "--count", "40", "--interval", "0.01", "--prefix", "tick")
    sh = shell()
    sh.command("socket s sub", "s: sub socket")
    sh.command(f"connect s {peer.endpoint}", "connecting to")
    sh.command("""watch s --where 'int(frames[1][5:]) % 5 == 0'""", "only messages matching --where")
    start = len(sh.plain())
    sh.command("subscribe s", "subscribed to everything")
    sh.wait(lambda: len(ticks(sh.plain()[start:])) >= 4, "four matching messages")
    seen = ticks(sh.plain()[start:])
    assert seen and all(n % 5 == 0 for n in seen), seen
    peer.expect("DONE")
    peer.publish(b"t", b"tick-40")  # a match, sent after the others: once shown, all 41 are in
    sh.wait(lambda: 40 in ticks(sh.plain()[start:]), "tick-40 shown")
    assert sorted(set(ticks(sh.plain()[start:]))) == list(range(0, 41, 5))  # every match, no other
    before = len(sh.plain())
    sh.child.send("sockets\r")
    sh.wait(
        lambda: re.search(r"\d+ \(\d+ matched\)", sh.plain()[before:]) is not None, "received and matched"
    )
    found = re.search(r"(\d+) \((\d+) matched\)", sh.plain()[before:])
    assert found is not None and found.groups() == ("41", "9")  # 0, 5, ..., 40 of tick-0 to tick-40


def test_broken_filters_are_one_line_errors_and_a_raising_one_is_told_once(
    shell: Callable[..., Shell], start_peer: Callable[..., Peer]
) -> None:
    peer = start_peer("pub", "--interval", "0.01", "--prefix", "tick")
    sh = shell()
    sh.command("socket s sub", "s: sub socket")
    sh.command(f"connect s {peer.endpoint}", "connecting to")
    sh.command('watch s --where "topic =="', "is not a Python expression")
    sh.command("watch s --where '__import__(\"os\")'", "unknown name '__import__'")
    sh.command("watch s --grep '(oops'", "is not a regular expression")
    out = sh.plain()
    assert out.count("error: ") == 3 and out.count("hint: ") == 3
    # json is None for these messages (not JSON): json["n"] raises TypeError on every one
    sh.command("""watch s --where 'json["n"] > 1'""", "only messages matching")
    sh.command("subscribe s", "subscribed to everything")
    sh.wait(lambda: "raised TypeError" in sh.plain(), "the notice")
    start = len(sh.plain())
    sh.command("sockets", "(0 matched)")  # messages went on arriving and failing
    sh.pump(0.3)
    assert "raised TypeError" not in sh.plain()[start:]
    assert sh.plain().count("raised TypeError") == 1
    assert not ticks(sh.plain())  # none matched, none shown


def test_help_watch_shows_the_filters_with_examples(shell: Callable[..., Shell]) -> None:
    sh = shell()
    sh.command("help watch", "--grep")
    out = sh.plain()
    assert "[--where EXPR] [--grep REGEX]" in out
    assert "watch s --grep 'error|warn'" in out and "topic == b'weather'" in out
