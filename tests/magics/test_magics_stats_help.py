"""%zmq stats as inline SVG charts, the watch pane's rate charts and queued rows, and the
magics speaking notebook: hints that name %zmq help CMD, help as an HTML table, examples
as cells."""

from __future__ import annotations

import re
from typing import Callable

import pytest
from IPython.core.error import UsageError

from zmqrepl.session.commands import COMMANDS

from .magic_support import Peer, Shell, html_tables, table_dicts, wait_for

PeerFactory = Callable[..., Peer]


def _subscribed(shell: Shell, peer: PeerFactory, *args: str) -> Peer:
    pub = peer("pub", *args)
    shell["ep"] = pub.endpoint
    shell.ok("%%zmq\nsocket s sub\nconnect s {ep}\nsubscribe s")
    return pub


def test_stats_draws_rates_sizes_and_topics_as_svg(shell: Shell, peer: PeerFactory) -> None:
    _subscribed(shell, peer, "--interval", "0.01")
    shell.ok("w = %zmq watch s")
    # Two rate samples (one a second) and a few messages sampled.
    wait_for(lambda: len(shell.ip.run_line_magic("zmq", "stats s").report.rates) >= 2, 10, "two samples")
    shell.ok("st = %zmq stats s")
    stats = shell["st"]
    page = stats._repr_html_()
    assert page.count("<svg") == 3  # the rates in, the sizes, the topics
    assert "<polyline" in page and "msg/s" in page
    assert "topics</div>" in page and ">t<" in page  # the pub peer's topic, a bar's label
    assert "sampled" in page or "every one" in page
    text = repr(stats)
    assert text.startswith("stats s (sub):") and "messages in over" in text
    assert stats.value["topics"] == {b"t": stats.report.sampled}
    shell.ok("%zmq unwatch s")


def test_the_watch_pane_draws_each_sockets_rate(shell: Shell, peer: PeerFactory) -> None:
    _subscribed(shell, peer, "--interval", "0.01")
    shell.ok("w = %zmq watch s")
    w = shell["w"]
    page = wait_for(lambda: "<polyline" in (h := w._repr_html_()) and h, 10, "a rate drawn")
    assert "<svg" in page and "max " in page and "msg/s" in page
    shell.ok("%zmq unwatch s")


def test_messages_queued_before_the_watch_show_as_queued(shell: Shell, peer: PeerFactory) -> None:
    pub = _subscribed(shell, peer, "--count", "3")
    pub.expect("DONE")  # its three messages went out before anything read s
    wait_for(lambda: "in" in shell.ip.run_line_magic("zmq", "poll s").get("s", []), what="s readable")
    shell.ok("w = %zmq watch s")
    page = shell["w"]._repr_html_()
    rows = table_dicts(page)
    assert rows and rows[-1]["time"].startswith("queued ≤") and "m-0" in rows[-1]["frames"]
    assert "waited in the queue before the watch started" in page
    pub.publish(b"t", b"later")
    newest = wait_for(
        lambda: (r := table_dicts(shell["w"]._repr_html_())[0]) and "later" in r["frames"] and r,
        what="the later message",
    )
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}", newest["time"])  # a time of its own, not queued
    shell.ok("%zmq unwatch s")


@pytest.mark.parametrize(
    "code, hint",
    [
        ("%zmq bogus", "(hint: %zmq help lists the commands)"),
        ("%zmq bind", "(hint: usage: %zmq bind NAME ENDPOINT; %zmq help bind says more)"),
        ("%zmq help nosuch", "(hint: %zmq help lists the commands)"),
        ("%zmq recv q --count x", f"(hint: usage: %zmq {COMMANDS['recv'].usage}; %zmq help recv says more)"),
        ("%zmq auth allow", "(hint: %zmq help auth)"),
    ],
)
def test_hints_name_the_magic(shell: Shell, code: str, hint: str) -> None:
    shell.ok("%zmq socket q pull")
    ran = shell.run(code)
    assert isinstance(ran.error, UsageError)
    assert str(ran.error).endswith(hint), str(ran.error)
    assert "type help" not in str(ran.error) and "see: help" not in str(ran.error)


def test_help_is_a_table_of_commands_with_their_usage(shell: Shell) -> None:
    shell.ok("h = %zmq help")
    page = shell["h"]._repr_html_()
    table = html_tables(page)[0]
    assert table[0] == ["command", "usage", "what it does"]
    assert [row[0] for row in table[1:]] == list(COMMANDS)
    usages = {row[0]: row[1].replace("\xa0", " ") for row in table[1:]}  # no break inside a [...]
    assert usages == {name: c.usage for name, c in COMMANDS.items()}
    assert "[--count&nbsp;N]" in page
    assert "%%zmq\nsocket s sub\nconnect s tcp://127.0.0.1:5556\nsubscribe s\nwatch s" in page
    text = repr(shell["h"])
    assert "%zmq help CMD" in text and "%%zmq\nsocket s sub" in text and ";" not in text.splitlines()[-1]


def test_help_of_a_command_shows_examples_as_cells(shell: Shell) -> None:
    shell.ok("h = %zmq help send")
    page = shell["h"]._repr_html_()
    assert f"<code>%zmq {COMMANDS['send'].usage}</code>" in page.replace("&quot;", '"').replace("&#x27;", "'")
    assert "%zmq send r hello\n" in page
    options = html_tables(page)[0]
    assert ["--count", COMMANDS["send"].flags[0].help] in options
    text = repr(shell["h"])
    assert text.startswith("usage: %zmq send NAME FRAME")
    assert re.search(r"^%zmq send p tick-%n --count 100000$", text, re.M)
