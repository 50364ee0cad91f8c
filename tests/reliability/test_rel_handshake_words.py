"""Handshake failures in plain words (issue 12, item 3): each failure made with a pyzmq peer
in another process against a session socket, as ``monitor`` shows it (the shell's line,
the notebook's pane) and as ``peers`` shows it.

What libzmq 4.3.4 reports, measured here: of a CURVE server and a NULL client, the side
that reads the other's greeting first sees HANDSHAKE_FAILED_PROTOCOL with
ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH and hangs up, the other sees
HANDSHAKE_FAILED_NO_DETAIL (EPIPE or ECONNRESET), either way round from one attempt to the
next; a CURVE client with a wrong server key makes the server see ..._ZMTP_CRYPTOGRAPHIC
and itself only HANDSHAKE_FAILED_NO_DETAIL; a ZAP denial is HANDSHAKE_FAILED_AUTH with the
status code 400; a push connecting to a push gets no handshake event at all, or the
NO_DETAIL of the side that was hung up on.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from tests.peers import Peer
from tests.support import executed, wait_for
from zmqrepl.core import curve_keypair
from zmqrepl.session import Bound, MonitorNotice, PeerTable, Session, monitor_line

ZMQ_H = Path("/usr/include/zmq.h")


def failures(session: Session, name: str, event: str) -> list[MonitorNotice]:
    """Events called ``event`` ("handshake": any handshake failure)."""
    if event == "handshake":
        return [e for e in session.monitor_events(name) if e.event.startswith("handshake_failed")]
    return [e for e in session.monitor_events(name) if e.event == event]


def mismatch(this: str, others: str) -> str:
    return f"security mechanism mismatch: this socket uses {this}, the peer another ({others})"


HUNG_UP_NULL = (
    "the peer hung up during the handshake (it may use CURVE or PLAIN, or not accept this socket type"
)


def first_failure(session: Session, name: str, event: str) -> MonitorNotice:
    found: list[MonitorNotice] = wait_for(lambda: failures(session, name, event), 10, f"{event} on {name}")
    return found[0]


def peers_text(session: Session, name: str) -> str:
    return "\n".join(executed(session, f"peers {name}", PeerTable).lines)


def curve_server(session: Session, name: str, kind: str = "pull") -> tuple[str, str]:
    """A session CURVE server, monitored and bound; returns (its public key, endpoint)."""
    public, secret = curve_keypair()
    session.run(f"socket {name} {kind}; set {name} curve_server true; monitor {name}")
    session.execute(f"set {name} curve_secretkey '{secret.decode()}'")
    return public.decode(), executed(session, f"bind {name} tcp://127.0.0.1:*", Bound).endpoint


def pyzmq_curve_server(peer: Peer) -> tuple[str, str]:
    public, secret = peer.call("curve_keypair")
    peer.call("socket", name="srv", type="PULL", options=[["CURVE_SERVER", 1], ["CURVE_SECRETKEY", secret]])
    return public, peer.call("bind", sock="srv", endpoint="tcp://127.0.0.1:*")


def test_every_protocol_error_code_of_zmq_h_has_a_sentence() -> None:
    from zmqrepl.session.handshake import explain

    codes = [
        int(v, 16) for v in re.findall(r"#define ZMQ_PROTOCOL_ERROR_\w+ (0x[0-9A-Fa-f]+)", ZMQ_H.read_text())
    ]
    assert len(codes) >= 20
    for code in codes:
        text = explain("handshake_failed_protocol", code, "NULL")
        assert text and "libzmq code" not in text, hex(code)
    assert "0x12345678" in explain("handshake_failed_protocol", 0x12345678)  # unknown: said as such
    assert explain("connected", 0) == ""


def test_curve_server_and_null_client_mechanism_mismatch(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    _, endpoint = curve_server(session, "s")
    peer = start_peer()
    peer.call("socket", name="plain", type="PUSH")
    peer.call("connect", sock="plain", endpoint=endpoint, send=["00"])
    ev = first_failure(session, "s", "handshake")
    if ev.event == "handshake_failed_protocol":
        expected = mismatch("CURVE", "NULL or PLAIN")
    else:  # the client found the mismatch first and hung up
        expected = "the peer hung up during the handshake (with CURVE: a wrong server key, the server "
        assert ev.event == "handshake_failed_no_detail"
    assert ev.reason.startswith(expected)
    line = monitor_line(ev)
    assert f"s event {ev.event} {endpoint}: {expected}" in line
    assert f"({ev.value})" not in line  # words, not the number
    text = peers_text(session, "s")
    assert "handshake failed" in text and expected in text and " connected" not in text


def test_null_client_and_pyzmq_curve_server_mismatch_on_the_client(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    _, endpoint = pyzmq_curve_server(start_peer())
    session.run(f"socket c push; monitor c; connect c {endpoint}")
    ev = first_failure(session, "c", "handshake")
    if ev.event == "handshake_failed_protocol":
        assert ev.reason == mismatch("NULL", "PLAIN or CURVE")
    else:  # the server found the mismatch first and hung up
        assert ev.reason.startswith(HUNG_UP_NULL)
    table = executed(session, "peers c", PeerTable)
    assert [(p.endpoint, p.state) for p in table.peers] == [(endpoint, "handshake failed")]
    assert table.peers[0].reason == ev.reason


def test_wrong_server_key_explained_on_both_sides(session: Session, start_peer: Callable[..., Peer]) -> None:
    # The session is the server: a pyzmq client with a wrong server key.
    _, endpoint = curve_server(session, "s")
    peer = start_peer()
    wrong, _ = curve_keypair()
    public, secret = curve_keypair()
    options = [["CURVE_SERVERKEY", wrong.decode()], ["CURVE_PUBLICKEY", public.decode()]]
    peer.call("socket", name="cli", type="PUSH", options=[*options, ["CURVE_SECRETKEY", secret.decode()]])
    peer.call("connect", sock="cli", endpoint=endpoint, send=["00"])
    ev = first_failure(session, "s", "handshake_failed_protocol")
    assert "wrong CURVE server key" in ev.reason and "wrong CURVE server key" in monitor_line(ev)
    assert "wrong CURVE server key" in peers_text(session, "s")

    # The session is the client, with a wrong server key: it only sees the server hang up.
    _, server_endpoint = pyzmq_curve_server(start_peer())
    session.run("socket c push; monitor c; set c curve_serverkey " + wrong.decode())
    session.run(f"set c curve_publickey {public.decode()}")
    session.execute(f"set c curve_secretkey '{secret.decode()}'")
    session.execute(f"connect c {server_endpoint}")
    ev = first_failure(session, "c", "handshake_failed_no_detail")
    assert ev.reason.startswith("the peer hung up during the handshake (with CURVE: a wrong server key")
    assert "hung up" in peers_text(session, "c")


def test_zap_denial_explained_with_the_session_handlers_reason(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    session.run("socket p pull; set p plain_server true; monitor p")
    endpoint = executed(session, "bind p tcp://127.0.0.1:*", Bound).endpoint
    session.execute("auth plain admin s3cret")
    peer = start_peer()
    peer.call(
        "socket", name="bad", type="PUSH", options=[["PLAIN_USERNAME", "admin"], ["PLAIN_PASSWORD", "no"]]
    )
    peer.call("connect", sock="bad", endpoint=endpoint, send=["00"])
    ev = first_failure(session, "p", "handshake_failed_auth")
    assert ev.value == 400
    assert ev.reason.startswith("ZAP handler denied the client: 400 (authentication failed): ")
    assert "wrong password" in ev.reason
    assert "ZAP handler denied the client: 400" in monitor_line(ev)
    text = peers_text(session, "p")
    assert "handshake failed" in text and "ZAP handler denied the client: 400" in text


def test_incompatible_socket_types_explained_by_peers(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    """libzmq 4.3.4 says nothing but DISCONNECTED when a push connects to a push."""
    session.run("socket s push; monitor s")
    endpoint = executed(session, "bind s tcp://127.0.0.1:*", Bound).endpoint
    peer = start_peer()
    peer.call("socket", name="other", type="PUSH")
    peer.call("connect", sock="other", endpoint=endpoint)
    wait_for(lambda: failures(session, "s", "disconnected"), 10, "the dropped connection")
    table = executed(session, "peers s", PeerTable)
    assert table.peers[0].state == "handshake failed"
    if failures(session, "s", "handshake"):  # the pyzmq side found it first and hung up
        assert table.peers[0].reason.startswith(HUNG_UP_NULL)
    else:  # this side found it: libzmq says nothing but DISCONNECTED
        assert "socket types that cannot talk, like push and push" in table.peers[0].reason


def test_monitor_pane_in_a_notebook_shows_the_reason(ipython: Any, start_peer: Callable[..., Peer]) -> None:
    _, secret = curve_keypair()
    ipython.run_line_magic("config", "ZmqMagics.linger = 0")
    ipython.run_line_magic("zmq", "socket s pull")
    ipython.run_line_magic("zmq", "set s curve_server true")
    ipython.run_line_magic("zmq", f"set s curve_secretkey '{secret.decode()}'")
    pane = ipython.run_line_magic("zmq", "monitor s")
    endpoint = ipython.run_line_magic("zmq", "bind s tcp://127.0.0.1:*")
    peer = start_peer()
    peer.call("socket", name="plain", type="PUSH")
    peer.call("connect", sock="plain", endpoint=endpoint, send=["00"])
    wait_for(
        lambda: {"handshake_failed_protocol", "handshake_failed_no_detail"} & pane.kinds, 10, "a failure"
    )
    said = ("security mechanism mismatch: this socket uses CURVE", "the peer hung up during the handshake")
    html = pane._repr_html_()
    assert any(s in html for s in said)
    peers = ipython.run_line_magic("zmq", "peers s")
    assert any(s in peers._repr_html_() for s in said) and "<table" in peers._repr_html_()
    pane.stop()
