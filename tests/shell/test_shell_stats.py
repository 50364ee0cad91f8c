"""stats NAME in the real ``zmqrepl`` (pseudo-terminal): a compact text table of rates,
sizes and topics; and the shell keeps its own wording for help and hints."""

from __future__ import annotations

import re
from typing import Callable

from tests.peers import Peer

from .pty_shell import Shell


def test_stats_prints_rates_sizes_and_topics_as_text(
    shell: Callable[..., Shell], start_peer: Callable[..., Peer]
) -> None:
    pub = start_peer("pub", "--interval", "0.01", "--topic", "weather")
    sh = shell()
    sh.command("socket s sub", "sub socket")
    sh.command(f"connect s {pub.endpoint}", "connecting")
    sh.command("subscribe s", "subscribed")
    sh.command("watch s", "watching s")
    sh.wait(lambda: "weather" in sh.plain(), "a message watched")
    before = len(sh.plain())
    sh.command("stats s", "stats s (sub):")
    sh.wait(lambda: re.search(r"^weather +\d+ +100%", sh.plain()[before:], re.M) is not None, "the topic row")
    out = sh.plain()[before:].replace("\r", "")
    assert "read by watch" in out
    assert re.search(r"^size +messages +share$", out, re.M)
    assert re.search(r"^topic +messages +share$", out, re.M)
    assert "messages shown" in out
    assert "<svg" not in out


def test_the_shell_keeps_its_own_wording_for_help_and_hints(shell: Callable[..., Shell]) -> None:
    sh = shell()
    sh.command("help", "Example: socket s sub; connect s tcp://127.0.0.1:5556; subscribe s; watch s")
    sh.command("frobnicate", "unknown command 'frobnicate' (hint: type help for the list)")
    sh.command("bind", "bind needs NAME (hint: usage: bind NAME ENDPOINT)")
    assert "%zmq" not in sh.plain()
