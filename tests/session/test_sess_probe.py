"""``probe``: what listens on a tcp endpoint, against pyzmq peers in other processes, the
session's own sockets, an HTTP server, and canned servers in this process that send
crafted bytes (closed ports, silence, garbage, cut or oversized commands)."""

from __future__ import annotations

import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.peers import Peer
from tests.support import executed
from zmqrepl.session import Bound, CommandError, ProbeReport, Session
from zmqrepl.session.wire import (
    CLIENT_SIGNATURE,
    command_wanted,
    greeting_rest,
    greeting_wanted,
    parse_command,
    parse_greeting,
)

StartPeer = Callable[..., Peer]
SIGNATURE = b"\xff" + bytes(7) + b"\x01\x7f"


def greeting(mechanism: bytes = b"NULL", minor: int = 1, as_server: int = 0) -> bytes:
    return SIGNATURE + bytes([3, minor]) + mechanism.ljust(20, b"\0") + bytes([as_server]) + bytes(31)


def command(name: bytes, body: bytes, long: bool = False) -> bytes:
    data = bytes([len(name)]) + name + body
    if long:
        return b"\x06" + len(data).to_bytes(8, "big") + data
    return b"\x04" + bytes([len(data)]) + data


def prop(name: bytes, value: bytes) -> bytes:
    return bytes([len(name)]) + name + len(value).to_bytes(4, "big") + value


def probe(session: Session, endpoint: str, *flags: str) -> ProbeReport:
    result = executed(session, " ".join(["probe", endpoint, *flags]), ProbeReport)
    assert len(result.lines) == 1
    assert "Traceback" not in result.lines[0]
    return result


class Canned:
    """A TCP server in this process that answers one connection with crafted bytes: each
    step is bytes to send, or a number of bytes to read from the client (the probe sends
    11, the start of its greeting, then 53, the rest, to a NULL peer); then it closes, or
    (hold=True) keeps the connection open until the test ends."""

    def __init__(self, *steps: bytes | int, hold: bool = False) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.endpoint = f"tcp://127.0.0.1:{self.listener.getsockname()[1]}"
        self.received = b""
        self.accepted = threading.Event()
        self.finished = threading.Event()
        self._steps, self._hold = steps, hold
        self._conn: socket.socket | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        self._conn = conn
        self.accepted.set()
        conn.settimeout(10)
        try:
            for step in self._steps:
                if isinstance(step, int):
                    want = len(self.received) + step
                    while len(self.received) < want:
                        chunk = conn.recv(want - len(self.received))
                        if not chunk:
                            raise ConnectionResetError
                        self.received += chunk
                else:
                    conn.sendall(step)
        except OSError:
            pass
        self.finished.set()
        if not self._hold:
            conn.close()

    def close(self) -> None:
        self.listener.close()
        if self._conn is not None:
            try:
                self._conn.shutdown(socket.SHUT_RDWR)  # wakes a recv in the thread
            except OSError:
                pass
            self._conn.close()
        self._thread.join(timeout=10)


@pytest.fixture
def canned() -> Iterator[Callable[..., Canned]]:
    servers: list[Canned] = []

    def make(*steps: bytes | int, hold: bool = False) -> Canned:
        servers.append(Canned(*steps, hold=hold))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def bound(peer: Peer, name: str, kind: str, *options: list[Any]) -> str:
    peer.call("socket", name=name, type=kind, options=list(options))
    endpoint: str = peer.call("bind", sock=name, endpoint="tcp://127.0.0.1:*")
    return endpoint


# -- real ZeroMQ peers ---------------------------------------------------------------------


def test_null_peers_tell_their_socket_type_and_identity(session: Session, start_peer: StartPeer) -> None:
    peer = start_peer()
    rep = bound(peer, "rep", "REP")
    pub = bound(peer, "pub", "PUB")
    router = bound(peer, "router", "ROUTER", ["ROUTING_ID", "server-1"])
    dealer = bound(peer, "dealer", "DEALER", ["ROUTING_ID", {"hex": "00ff41"}])

    r = probe(session, rep)
    assert (r.outcome, r.version, r.mechanism, r.as_server) == ("zeromq", "3.1", "NULL", False)
    assert (r.socket_type, r.identity) == ("REP", None)
    assert r.lines == [f"{rep}: ZeroMQ (ZMTP 3.1), NULL security, a REP socket"]
    assert probe(session, pub).socket_type == "PUB"
    r = probe(session, router)
    assert (r.socket_type, r.identity) == ("ROUTER", b"server-1")
    assert r.lines == [f"{router}: ZeroMQ (ZMTP 3.1), NULL security, a ROUTER socket, identity 'server-1'"]
    r = probe(session, dealer)
    assert (r.socket_type, r.identity) == ("DEALER", b"\x00\xffA")
    assert r.lines[0].endswith(r"a DEALER socket, identity '\x00\xffA'")
    value = r.value
    assert value["properties"] == {"Socket-Type": b"DEALER", "Identity": b"\x00\xffA"}
    assert value["outcome"] == "zeromq" and value["socket_type"] == "DEALER"


def test_the_probe_is_no_peer_the_handshake_never_completes(session: Session, start_peer: StartPeer) -> None:
    peer = start_peer()
    rep = bound(peer, "rep", "REP")
    peer.call("monitor", sock="rep")
    assert probe(session, rep).socket_type == "REP"
    events = peer.call("events", sock="rep", timeout=5000, until="EVENT_DISCONNECTED")
    names = [name for name, _ in events]
    assert "EVENT_ACCEPTED" in names and "EVENT_DISCONNECTED" in names
    assert "EVENT_HANDSHAKE_FAILED_NO_DETAIL" in names  # what "help probe" says the peer sees
    assert "EVENT_HANDSHAKE_SUCCEEDED" not in names  # no READY from us: no pipe on the peer


def test_curve_and_plain_servers_and_clients_that_bind(session: Session, start_peer: StartPeer) -> None:
    peer = start_peer()
    public, secret = peer.call("curve_keypair")
    client_public, client_secret = peer.call("curve_keypair")
    curve_server = bound(peer, "cs", "REP", ["CURVE_SERVER", 1], ["CURVE_SECRETKEY", secret])
    curve_client = bound(
        peer,
        "cc",
        "REQ",
        ["CURVE_SERVERKEY", public],
        ["CURVE_PUBLICKEY", client_public],
        ["CURVE_SECRETKEY", client_secret],
    )
    plain_server = bound(peer, "ps", "REP", ["PLAIN_SERVER", 1])
    plain_client = bound(peer, "pc", "REQ", ["PLAIN_USERNAME", "u"], ["PLAIN_PASSWORD", "p"])

    r = probe(session, curve_server)
    assert (r.outcome, r.version, r.mechanism, r.as_server, r.socket_type) == (
        "zeromq",
        "3.1",
        "CURVE",
        True,
        None,
    )
    assert r.lines == [f"{curve_server}: ZeroMQ (ZMTP 3.1), CURVE security, server side"]
    r = probe(session, curve_client)
    assert (r.mechanism, r.as_server) == ("CURVE", False)
    assert r.lines[0].endswith("CURVE security, client side")
    r = probe(session, plain_server)
    assert (r.mechanism, r.as_server) == ("PLAIN", True)
    assert r.lines[0].endswith("PLAIN security, server side")
    r = probe(session, plain_client)
    assert (r.mechanism, r.as_server) == ("PLAIN", False)


def test_the_sessions_own_socket_and_a_zap_refusal(session: Session) -> None:
    session.run("socket r router; set r routing_id me")
    endpoint = executed(session, "bind r tcp://127.0.0.1:*", Bound).endpoint
    assert probe(session, endpoint).identity == b"me"  # the engine thread is not blocked
    session.run("auth on; auth deny 127.0.0.1; socket z rep; set z zap_domain probe")
    endpoint = executed(session, "bind z tcp://127.0.0.1:*", Bound).endpoint
    r = probe(session, endpoint)
    assert (r.outcome, r.mechanism, r.socket_type) == ("zeromq", "NULL", None)
    assert r.note == "it refused the handshake with ERROR 400"
    assert "(hint: a ZAP handler turned this address away)" in r.lines[0]


# -- not ZeroMQ, or nothing at all ---------------------------------------------------------


def test_an_http_server_is_not_zeromq_and_shows_what_it_sent(session: Session) -> None:
    server = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline().decode()
        port = re.search(r"port (\d+)", line)
        assert port, line
        r = probe(session, f"tcp://127.0.0.1:{port[1]}")
    finally:
        server.kill()
        server.wait(timeout=10)
    assert r.outcome == "not-zeromq" and r.version is None
    # An error page, or first its status line; Python 3.9's http.server answers a request line
    # it cannot read with the page alone (as to HTTP/0.9), and an older doctype.
    assert r.first_bytes.startswith((b"<!DOCTYPE HTML", b"HTTP/"))
    assert r.lines[0].startswith(f"tcp://127.0.0.1:{port[1]}: not ZeroMQ: it sent '")
    assert len(r.lines[0]) < 200


def test_a_closed_port_is_connection_refused(session: Session) -> None:
    unused = socket.socket()
    unused.bind(("127.0.0.1", 0))
    port = unused.getsockname()[1]
    unused.close()  # bound, never listened: nothing accepts there
    r = probe(session, f"tcp://127.0.0.1:{port}")
    assert r.outcome == "refused"
    assert r.lines[0].startswith(f"tcp://127.0.0.1:{port}: connection refused: nothing listens there (hint: ")


def test_a_port_that_accepts_and_says_nothing_times_out_within_the_timeout(
    session: Session, canned: Callable[..., Canned]
) -> None:
    server = canned(11, 53, hold=True)
    started = time.monotonic()
    r = probe(session, server.endpoint, "--timeout", "400")
    assert time.monotonic() - started < 5  # 400 ms asked: detects a probe that hangs
    assert r.outcome == "timeout"
    assert "said nothing in 400 ms: not ZeroMQ" in r.lines[0]
    # What it was sent: the start of a greeting, then an empty line for the second half.
    assert server.finished.wait(10)
    assert server.received == CLIENT_SIGNATURE + b"\r\n\r\n"


def test_a_server_that_closes_at_once(session: Session, canned: Callable[..., Canned]) -> None:
    r = probe(session, canned().endpoint)
    assert r.outcome == "closed"
    assert "closed it without a word" in r.lines[0]


def test_a_banner_is_shown_escaped_and_bounded(session: Session, canned: Callable[..., Canned]) -> None:
    r = probe(session, canned(b"SSH-2.0-OpenSSH_9.6\r\n" + b"\x1b[31m" * 40, hold=True).endpoint)
    assert r.outcome == "not-zeromq"
    assert r.lines[0].endswith(r"not ZeroMQ: it sent 'SSH-2.0-OpenSSH_9.6\r\n\x1b[31m\x1b[31m\x1b'…")


def test_a_peer_closing_mid_greeting(session: Session, canned: Callable[..., Canned]) -> None:
    r = probe(session, canned(greeting()[:20]).endpoint)
    assert r.outcome == "closed"
    assert "it began a ZMTP greeting, then closed the connection after 20 bytes" in r.lines[0]


def test_crafted_null_peers(session: Session, canned: Callable[..., Canned]) -> None:
    ready = command(b"READY", prop(b"Socket-Type", b"ROUTER") + prop(b"Identity", b"x" * 300), long=True)
    r = probe(session, canned(greeting(minor=0), 11, 53, ready, hold=True).endpoint)
    assert (r.version, r.socket_type, r.identity) == ("3.0", "ROUTER", b"x" * 300)
    assert len(r.lines[0]) < 200  # the identity is cut for the line, whole in the value

    huge = b"\x06" + (2**63).to_bytes(8, "big")
    r = probe(session, canned(greeting(), 11, 53, huge, hold=True).endpoint)
    assert (r.outcome, r.socket_type) == ("zeromq", None)
    assert f"over {4096}" in r.note

    cut = command(b"READY", prop(b"Socket-Type", b"REP"))[:-2]
    r = probe(session, canned(greeting(), 11, 53, cut).endpoint)
    assert r.socket_type is None and "closed the connection after its greeting" in r.note

    liar = command(b"READY", b"\x0bSocket-Type\xff\xff\xff\xffREP")
    r = probe(session, canned(greeting(), 11, 53, liar, hold=True).endpoint)
    assert r.socket_type is None and r.note == "its READY command is cut short"

    data = b"\x00\x05hello"  # a message where the READY command belongs
    r = probe(session, canned(greeting(), 11, 53, data, hold=True).endpoint)
    assert r.note.startswith("socket type unknown: it sent '\\x00\\x05hello'")

    odd = command(b"READY", prop(b"Socket-Type", b"A\x1b[2JB"))
    r = probe(session, canned(greeting(), 11, 53, odd, hold=True).endpoint)
    assert "\x1b" not in r.lines[0] and r"a 'A\x1b[2JB' socket" in r.lines[0]


def test_older_zmtp_and_odd_greetings(session: Session, canned: Callable[..., Canned]) -> None:
    zmtp2 = SIGNATURE + b"\x01\x04" + b"\x00\x03abc"
    r = probe(session, canned(zmtp2, hold=True).endpoint)
    assert (r.outcome, r.version, r.socket_type, r.identity) == ("zeromq", "2.0", "REP", b"abc")
    r = probe(session, canned(b"\x01\x00", hold=True).endpoint)
    assert (r.outcome, r.version) == ("zeromq", "1.0")
    r = probe(session, canned(greeting(b"null!"), hold=True).endpoint)
    assert r.outcome == "malformed" and "a broken ZMTP greeting: mechanism 'null!" in r.lines[0]
    r = probe(session, canned(greeting(b"GSSAPI", as_server=1), hold=True).endpoint)
    assert (r.mechanism, r.as_server) == ("GSSAPI", True)


def test_a_banner_that_starts_like_a_zmtp1_frame_is_not_zeromq(
    session: Session, canned: Callable[..., Canned]
) -> None:
    # A MySQL 5.7 greeting: 3-byte length 0x4a, sequence 0, protocol 10, the version...
    # Its first byte 0x4a then 0x00 is also how a ZMTP 1.0 identity frame of 73 bytes starts.
    mysql = b"\x4a\x00\x00\x00\x0a5.7.44\x00" + b"\x08\x00\x00\x00" + bytes(range(1, 63))
    assert len(mysql) == 0x4A + 4
    r = probe(session, canned(mysql, hold=True).endpoint)
    assert (r.outcome, r.version, r.identity) == ("not-zeromq", None, None)
    assert r.first_bytes == mysql[:64]
    assert r.lines[0].endswith(
        r"not ZeroMQ: it sent 'J\x00\x00\x00\n5.7.44\x00\x08\x00\x00\x00\x01\x02\x03\x04\x05\x06\x07"
        r"\x08\t\n\x0b\x0c\r\x0e\x0f\x10'…"
    )
    # One byte more than a frame, sent later, settles it too.
    r = probe(session, canned(b"\x04\x00abc", 11, b"!", hold=True).endpoint)
    assert r.outcome == "not-zeromq" and r.first_bytes == b"\x04\x00abc!"
    # A frame, then the peer closes: a 1.0 peer waits for ours instead.
    r = probe(session, canned(b"\x04\x00abc").endpoint)
    assert r.outcome == "not-zeromq" and r.first_bytes == b"\x04\x00abc"


def test_a_zmtp1_peer_sends_its_identity_and_waits(session: Session, canned: Callable[..., Canned]) -> None:
    r = probe(session, canned(b"\x04\x00abc", hold=True).endpoint)
    assert (r.outcome, r.version, r.identity) == ("zeromq", "1.0", b"abc")
    assert r.lines[0].endswith("ZeroMQ (ZMTP 1.0), identity 'abc'")
    identity = bytes(range(1, 254))  # the longest a short frame holds: 254 = flags + 253 bytes
    r = probe(session, canned(b"\xfe\x00" + identity, hold=True).endpoint)
    assert (r.outcome, r.version, r.identity) == ("zeromq", "1.0", identity)


def test_random_bytes_never_raise(session: Session, canned: Callable[..., Canned]) -> None:
    for seed in range(24):
        rng = random.Random(seed)  # the same 24 inputs every run, so a failure can be replayed
        junk = rng.randbytes(rng.randint(1, 256))
        if seed % 3 == 1:
            junk = greeting() + junk  # garbage where the READY command belongs
        elif seed % 3 == 2:  # a short frame, then more: what a MySQL greeting looks like
            body = junk[:253]  # its length byte counts the flags byte too, and must fit in one byte
            junk = bytes([len(body) + 1, 0]) + body + b"more"
        r = probe(session, canned(junk, 11, 53, hold=True).endpoint, "--timeout", "500")
        assert r.outcome in ("zeromq", "not-zeromq", "malformed", "timeout", "closed")
        if seed % 3 == 1:
            assert (r.outcome, r.version, r.mechanism) == ("zeromq", "3.1", "NULL")
            assert r.socket_type is None and r.note.startswith("socket type unknown")
        elif junk[0] == len(junk) - 1 and junk[1] == 0:  # by chance exactly one 1.0 frame
            assert (r.outcome, r.version) == ("zeromq", "1.0")
        else:  # no 3.x greeting in it: random bytes never pass for one, nor for 1.0 or 2.0
            assert r.outcome != "zeromq" and r.version is None, (junk, r)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_the_wire_functions_take_any_bytes(data: bytes) -> None:
    for chunk in (data, greeting()[:1] + data, SIGNATURE + data, b"\x04" + data, b"\x06" + data):
        assert 0 <= greeting_wanted(chunk) <= 512 or greeting_wanted(chunk) == len(chunk)
        assert command_wanted(chunk) <= 9 + 4096 or command_wanted(chunk) == len(chunk)
        parse_greeting(chunk, ended=True)
        parse_greeting(chunk, ended=True, quiet=True)
        parse_command(chunk)


def test_our_greeting_is_64_bytes() -> None:
    assert len(CLIENT_SIGNATURE + greeting_rest("NULL", as_server=False)) == 64
    assert CLIENT_SIGNATURE + greeting_rest("NULL", as_server=False) == greeting(b"NULL")


# -- what the user typed -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("probe ipc:///tmp/x", "probe only speaks tcp, not ipc://"),
        ("probe inproc://x", "probe only speaks tcp, not inproc://"),
        ("probe tcp://*:5555", "probe needs a host to connect to, not *"),
        ("probe tcp://127.0.0.1:*", "probe needs a port number (1-65535), not '*'"),
        ("probe tcp://127.0.0.1:70000", "probe needs a port number (1-65535), not '70000'"),
        ("probe tcp://127.0.0.1:\u00b2", "probe needs a port number (1-65535), not '\u00b2'"),
        ("probe tcp://127.0.0.1:\uff15\uff15\uff15\uff15", "probe needs a port number (1-65535), not '"),
        ("probe tcp://127.0.0.1:" + "9" * 5000, "probe needs a port number (1-65535), not '999"),
        ("probe tcp://127.0.0.1", "'tcp://127.0.0.1' is not a tcp://HOST:PORT endpoint"),
        ("probe tcp://no-such-host.invalid:5555", "cannot find host 'no-such-host.invalid'"),
        ("probe tcp://127.0.0.1:1 --timeout 0", "--timeout must be at least 1 ms"),
        ("probe 127.0.0.1:5555", "'127.0.0.1:5555' is not an endpoint"),
    ],
)
def test_bad_endpoints_are_one_line_with_a_hint(session: Session, line: str, message: str) -> None:
    with pytest.raises(CommandError) as err:
        session.execute(line)
    assert err.value.message.startswith(message), err.value.line
    assert err.value.hint


def test_ipv6_and_names(session: Session, start_peer: StartPeer) -> None:
    peer = start_peer()
    port = bound(peer, "rep", "REP").rsplit(":", 1)[1]
    assert probe(session, f"tcp://localhost:{port}").socket_type == "REP"
    r = probe(session, f"tcp://[::1]:{port}")  # the peer listens on 127.0.0.1 only
    assert r.outcome == "refused"


def resolving(monkeypatch: pytest.MonkeyPatch, name: str, *addresses: tuple[int, tuple[str, int]]) -> None:
    """The OS name lookup gives ``name`` these (family, address) in this order, as a
    dual-stack host gives ::1 then 127.0.0.1 for localhost."""
    real = socket.getaddrinfo

    def lookup(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real(host, port, *args, **kwargs)
        return [(family, socket.SOCK_STREAM, 6, "", address) for family, address in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", lookup)


def closed_port() -> int:
    unused = socket.socket()
    unused.bind(("127.0.0.1", 0))
    port: int = unused.getsockname()[1]
    unused.close()  # bound, never listened: nothing accepts there
    return port


def test_an_address_that_fails_before_one_that_answers_leaves_no_trace(
    session: Session, start_peer: StartPeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    peer = start_peer()
    port = int(bound(peer, "rep", "REP").rsplit(":", 1)[1])
    refusing = (socket.AF_INET, ("127.0.0.1", closed_port()))
    listening = (socket.AF_INET, ("127.0.0.1", port))
    no_such_family = (200, ("127.0.0.1", port))  # socket.socket(200, ...): EAFNOSUPPORT
    resolving(monkeypatch, "dual.test", refusing, listening)  # ::1 refuses, 127.0.0.1 answers
    r = probe(session, "tcp://dual.test:5555")
    assert (r.outcome, r.socket_type, r.note, r.hint) == ("zeromq", "REP", "", "")
    assert r.lines == ["tcp://dual.test:5555: ZeroMQ (ZMTP 3.1), NULL security, a REP socket"]
    resolving(monkeypatch, "dual.test", no_such_family, refusing, listening)
    r = probe(session, "tcp://dual.test:5555")
    assert (r.outcome, r.socket_type, r.note, r.hint) == ("zeromq", "REP", "", "")
    resolving(monkeypatch, "dual.test", no_such_family, refusing)  # the last failure tells
    r = probe(session, "tcp://dual.test:5555")
    assert r.outcome == "refused" and r.lines[0].startswith("tcp://dual.test:5555: connection refused")


def test_a_socket_the_host_cannot_open_is_one_line(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    resolving(monkeypatch, "v6only.test", (200, ("::1", 5555)))
    r = probe(session, "tcp://v6only.test:5555")
    assert r.outcome == "unreachable"
    assert r.lines == [
        "tcp://v6only.test:5555: cannot open a socket for it: Address family not supported by protocol"
        " (hint: this host does not speak that address family (IPv6 turned off?): give an IPv4 address)"
    ]


_NO_FILES = """
import os, resource, socket, sys
from zmqrepl.session import CommandError, Session
session = Session()
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen()
port = listener.getsockname()[1]
resolve = sys.argv[1] == "named"
if resolve:
    socket.getaddrinfo = lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
free = os.dup(0)
os.close(free)  # the lowest free descriptor: with the limit there, no new one opens
resource.setrlimit(resource.RLIMIT_NOFILE, (free, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
try:
    print(session.execute(f"probe tcp://{'any.test' if resolve else '127.0.0.1'}:{port}").lines[0])
except CommandError as exc:
    print("error:", exc.line)
resource.setrlimit(resource.RLIMIT_NOFILE, (free + 64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
session.close()
"""


@pytest.mark.parametrize("how", ["named", "numeric"])
def test_no_file_descriptor_left_is_one_line(how: str) -> None:
    # In another process: this one's descriptors are not to be used up.
    code = _NO_FILES
    done = subprocess.run(
        [sys.executable, "-c", code, how], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    (line,) = done.stdout.splitlines()
    hint = "(hint: this process has too many open: close some sockets, or raise the limit (ulimit -n))"
    no_socket = f": cannot open a socket for it: Too many open files {hint}"
    if how == "named":  # the lookup needs no descriptor: the socket is what fails
        assert line.endswith(no_socket), line
    else:  # glibc's getaddrinfo (2.36 here) opens one even for an address
        assert (
            line.endswith(no_socket)
            or line == f"error: cannot look up '127.0.0.1': Too many open files {hint}"
        )


def test_ctrl_c_cancels_a_probe(session: Session, canned: Callable[..., Canned]) -> None:
    server = canned(11, hold=True)
    main = threading.main_thread().ident
    assert main is not None and threading.get_ident() == main

    def interrupt() -> None:
        server.accepted.wait(10)
        signal.pthread_kill(main, signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        session.execute(f"probe {server.endpoint} --timeout 60000")
    assert time.monotonic() - started < 30  # well before the 60 s asked for
    assert probe(session, server.endpoint, "--timeout", "200").outcome == "timeout"  # backlog
