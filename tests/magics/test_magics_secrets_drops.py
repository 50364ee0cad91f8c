"""In a notebook: secrets show as (set) in tables, reprs and errors; a peer dropped for a
message over maxmsgsize is told once and shows in the live panes; version warns when old."""

from __future__ import annotations

import time
from typing import Callable

from tests.peers import Peer
from tests.support import wait_for
from zmqrepl.core import curve_keypair

from .magic_support import Shell, table_dicts

PeerFactory = Callable[..., Peer]
PASSWORD = "correct-horse-battery-staple"
DROPPED = "disconnected: a message exceeded maxmsgsize (1000 B)"


def leaks(secret: str, text: str) -> list[str]:
    """Every 8-character piece of ``secret`` in ``text``."""
    return [secret[i : i + 8] for i in range(len(secret) - 7) if secret[i : i + 8] in text]


def test_tables_reprs_and_errors_hold_no_secret(shell: Shell) -> None:
    _, secret = curve_keypair()
    shell["sec"], shell["pw"], shell["bad"] = secret, PASSWORD, "q~~~" * 10
    seen: list[str] = []
    for code in [
        "%zmq socket s router",
        "%zmq set s curve_secretkey {sec}",
        "%zmq set s curve_server 1",
        "%zmq socket c dealer",
        "%zmq set c plain_password {pw}",
        "%zmq get s curve_secretkey",
        "%zmq get c plain_password",  # shown by the displayhook
        "%zmq auth plain admin {pw}",
        "%zmq auth show",
        "t = %zmq sockets",
        "h = %zmq socket k router",
        "m = %zmq monitor s",
        "w = %zmq watch s",
    ]:
        ran = shell.ok(code)
        seen += [ran.stdout, ran.stderr]
    table = shell["t"]
    seen += [
        repr(table),
        table._repr_html_(),
        repr(shell["h"]),
        repr(shell["m"]),
        shell["m"]._repr_html_(),
        repr(shell["w"]),
        shell["w"]._repr_html_(),
    ]
    seen += [str(r.data) for r in shell.pub.records]
    rows = {r["name"]: r for r in table_dicts(table._repr_html_())}
    assert "curve_secretkey=(set)" in rows["s"]["options"]
    assert "plain_password=(set)" in rows["c"]["options"]
    assert shell.ok("v = %zmq get s curve_secretkey") and shell["v"] == "(set)"
    bad = shell.run("%zmq set s curve_secretkey {bad}")
    assert bad.error is not None and "the value given" in str(bad.error)
    seen += [str(bad.error), bad.stdout, bad.stderr]
    text = "\n".join(seen)
    assert not leaks(secret.decode(), text) and not leaks(PASSWORD, text)
    assert not leaks("q~~~" * 10, str(bad.error))
    assert "(set)" in text and "plain: admin" in text
    shell.ok("%zmq unwatch s")
    shell.ok("%zmq monitor s off")
    # Asked for, it comes back as bytes.
    shell.ok("r = %zmq get s curve_secretkey --reveal")
    assert shell["r"] == secret


def test_a_dropped_peer_is_told_once_and_shown_in_the_panes(shell: Shell, peer: PeerFactory) -> None:
    rep = peer("rep")
    shell["ep"], shell["big"] = rep.endpoint, b"\xab" * 1500
    shell.ok("%%zmq\nsocket d dealer\nset d maxmsgsize 1000\nconnect d {ep}")
    start = time.monotonic()
    shell.ok("w = %zmq watch d")
    shell.ok("m = %zmq monitor d")
    watch_id = next(r for r in shell.pub.shown() if r.at >= start and "watch d" in r.data["text/html"])
    shell.ok('%zmq send d "" small')
    assert rep.got() == [b"small"]
    wait_for(lambda: shell["w"].counts["d"] == 1, what="the small reply")
    shell.ok('%zmq send d "" {big}')
    assert rep.got() == [b"\xab" * 1500]
    wait_for(lambda: shell.magics.session.drops, what="the drop to be told")
    did = watch_id.transient["display_id"]
    wait_for(
        lambda: any(DROPPED in u.data["text/html"] for u in shell.pub.updates(did)),
        what="the watch pane to show the drop",
    )
    assert DROPPED in repr(shell["w"]) and DROPPED in repr(shell["m"])
    assert DROPPED in shell["m"]._repr_html_()
    first = shell.ok("%zmq sockets")
    assert first.stdout.count(DROPPED) == 1
    assert f"then: disconnect d {rep.endpoint}; connect d {rep.endpoint}" in first.stdout
    again = shell.ok("%zmq sockets")
    assert DROPPED not in again.stdout  # told once
    assert shell["w"].counts["d"] == 1  # the big reply never arrived
    shell.ok("%zmq unwatch d")
    shell.ok("%zmq monitor d off")


def test_version_warns_only_on_an_old_libzmq(shell: Shell) -> None:
    ran = shell.ok("v = %zmq version")
    assert shell["v"]["warning"] is None and "warning" not in ran.stdout
    # The same magics on a session that judges an old version (the session's hook).
    from zmqrepl.session import Session

    shell.magics.session.close()
    shell.magics._session = Session(libzmq_version=(4, 3, 2))  # closed when the extension unloads
    ran = shell.ok("v = %zmq version")
    assert shell["v"]["libzmq"] == "4.3.2"
    assert ran.stdout.startswith("warning: libzmq 4.3.2 has known security flaws: CVE-2020-15166")
    assert "install libzmq 4.3.3 or newer" in ran.stdout
