"""Hostile peers against zmqrepl sockets (issue 10, item 8): regression tests for cases that
hold today, so they keep holding.

A raw TCP peer (the plain ``socket`` module, in this process or a child) sends what no
ZeroMQ peer would; the zmqrepl socket lives in this process. In every case the socket stays
responsive (a real peer still gets a message through), nothing hostile is delivered as a
message where libzmq refuses the peer, and this process's memory and descriptors stay flat.

The wire bytes follow ZMTP 3.0 (RFC 23) and its predecessors: a ZMTP 3 greeting is the
10-byte signature FF 00*8 7F, version 3 0, a 20-byte mechanism name, an as-server byte and
31 zero bytes; a ZMTP 1.0 peer starts with a frame (length byte, flags byte); a ZMTP 2.0
peer sends the signature, then revision 01, its socket type and an identity frame.
"""

from __future__ import annotations

import os
import selectors
import socket as pysocket
import struct
import subprocess
import sys
import textwrap
import time
from typing import Callable, Iterator

import pytest

from tests.peers import Peer
from tests.support import executed
from zmqrepl.core import Again, Context, Event, Socket, curve_keypair
from zmqrepl.session import Bound, Received, Session, VersionInfo

from .rel_support import ROOT, Processes, child_env, rss_kib, wait_for

RSS_SLACK_KIB = 32 * 1024  # RSS may grow this much over a case (allocator noise), no more
CLOSE_TIMEOUT_S = 10.0  # libzmq drops a refused peer at once; this only catches a hang


def greeting(mechanism: bytes = b"NULL", minor: int = 0, as_server: bool = False) -> bytes:
    """A ZMTP 3.x greeting: 64 bytes."""
    return (
        b"\xff"
        + b"\x00" * 8
        + b"\x7f"
        + bytes([3, minor])
        + mechanism.ljust(20, b"\x00")
        + bytes([as_server])
        + b"\x00" * 31
    )


def command(name: bytes, body: bytes) -> bytes:
    """A short ZMTP 3 command frame (flags 0x04)."""
    payload = bytes([len(name)]) + name + body
    assert len(payload) < 256
    return b"\x04" + bytes([len(payload)]) + payload


def ready(socket_type: bytes = b"PUSH") -> bytes:
    """The NULL mechanism's READY command with its Socket-Type property."""
    prop = b"\x0bSocket-Type" + struct.pack(">I", len(socket_type)) + socket_type
    return command(b"READY", prop)


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def raw_connect(endpoint: str) -> pysocket.socket:
    host, port = endpoint.removeprefix("tcp://").rsplit(":", 1)
    conn = pysocket.create_connection((host, int(port)), timeout=5)
    conn.settimeout(CLOSE_TIMEOUT_S)
    return conn


def closed_by_peer(conn: pysocket.socket, timeout: float = CLOSE_TIMEOUT_S) -> bytes:
    """Read until the zmqrepl side closes the connection; what it sent on the way. Fails if it
    is still open after ``timeout``."""
    got = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = conn.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return got
        except TimeoutError:
            break
        if not chunk:
            return got
        got += chunk
    raise AssertionError(f"the connection is still open after {timeout} s (got {got[:80]!r})")


def recv_exact(conn: pysocket.socket, n: int) -> bytes:
    got = b""
    while len(got) < n:
        chunk = conn.recv(n - len(got))
        assert chunk, f"closed after {got!r}"
        got += chunk
    return got


def send_all(conn: pysocket.socket, data: bytes) -> None:
    """Send what the zmqrepl side will take: it may close the connection half way."""
    try:
        conn.sendall(data)
    except (ConnectionResetError, BrokenPipeError):
        pass


def nothing_delivered(sock: Socket, timeout_ms: int = 300) -> None:
    sock.set("rcvtimeo", timeout_ms)
    with pytest.raises(Again):
        sock.recv_multipart()


def delivers(server: Socket, client: Socket, endpoint: str, garbage_before: int = 0) -> None:
    """The server is still fine: a real client connects and gets a message through (after at
    most ``garbage_before`` messages that random bytes parsed into, each at most 1 MiB)."""
    client.set("linger", 0)
    client.connect(endpoint)
    client.set("sndtimeo", 5000)
    client.send(b"still alive")
    server.set("rcvtimeo", 10000)
    for _ in range(garbage_before + 1):
        frames = server.recv_multipart()
        if frames == [b"still alive"]:
            break
        assert all(len(f) <= 1 << 20 for f in frames)
    else:
        raise AssertionError(f"no 'still alive' within {garbage_before} other messages")
    client.close()


@pytest.fixture
def zctx() -> Iterator[Context]:
    with Context() as ctx:
        yield ctx


@pytest.fixture
def null_server(zctx: Context) -> tuple[Socket, str]:
    sock = zctx.socket("pull")
    sock.set("linger", 0)
    return sock, sock.bind("tcp://127.0.0.1:*")


@pytest.fixture
def curve_server(zctx: Context) -> tuple[Socket, str, Callable[[], Socket]]:
    """A CURVE PULL server and a factory of clients that hold its right key."""
    public, secret = curve_keypair()
    sock = zctx.socket("pull")
    sock.set("linger", 0)
    sock.set("curve_server", True)
    sock.set("curve_secretkey", secret)

    def client() -> Socket:
        c = zctx.socket("push")
        c_public, c_secret = curve_keypair()
        c.set("curve_serverkey", public)
        c.set("curve_publickey", c_public)
        c.set("curve_secretkey", c_secret)
        return c

    return sock, sock.bind("tcp://127.0.0.1:*"), client


# -- garbage on the wire --------------------------------------------------------------


def test_random_bytes_leave_the_socket_responsive_and_memory_flat(
    zctx: Context, null_server: tuple[Socket, str]
) -> None:
    server, endpoint = null_server
    server.set("maxmsgsize", 1 << 20)
    rss, fds = rss_kib(), fd_count()
    for _ in range(50):
        conn = raw_connect(endpoint)
        send_all(conn, os.urandom(64 * 1024))
        conn.close()
    # Random bytes may parse as ZMTP 1.0 frames (a length byte, a flags byte): whatever a
    # NULL socket takes from them is drained; none of it may be bigger than maxmsgsize.
    server.set("rcvtimeo", 0)
    taken = 0
    while taken < 100_000:
        try:
            frames = server.recv_multipart()
        except Again:
            break
        assert all(len(f) <= 1 << 20 for f in frames)
        taken += 1
    assert taken < 100_000
    # libzmq may still be parsing the last connections: more of it can come before ours
    delivers(server, zctx.socket("push"), endpoint, garbage_before=100_000)
    wait_for(lambda: fd_count() <= fds + 2, 10, "the raw connections' descriptors closed")
    assert rss_kib() - rss < RSS_SLACK_KIB


def test_random_bytes_against_a_curve_server_are_refused(
    curve_server: tuple[Socket, str, Callable[[], Socket]],
) -> None:
    server, endpoint, client = curve_server
    rss = rss_kib()
    for _ in range(20):
        conn = raw_connect(endpoint)
        send_all(conn, b"\x05\x00abcd" + os.urandom(4096))  # a ZMTP 1.0 frame, then noise
        closed_by_peer(conn)
        conn.close()
    nothing_delivered(server)
    delivers(server, client(), endpoint)
    assert rss_kib() - rss < RSS_SLACK_KIB


@pytest.mark.parametrize("minor", [0, 1])
@pytest.mark.parametrize("garbage", ["message_before_ready", "unknown_command", "random"])
def test_zmtp3_greeting_then_garbage_is_dropped(
    zctx: Context, null_server: tuple[Socket, str], minor: int, garbage: str
) -> None:
    server, endpoint = null_server
    tail = {
        "message_before_ready": b"\x00\x05hello",  # a message frame where READY must be
        "unknown_command": command(b"BOGUS", b"x" * 40),
        "random": b"\x04" + os.urandom(2048),
    }[garbage]
    conn = raw_connect(endpoint)
    ours = greeting(minor=minor)
    assert recv_exact(conn, 10)[:1] == b"\xff"  # libzmq's signature, sent at once
    send_all(conn, ours)
    assert recv_exact(conn, 54)[:1] == b"\x03"  # the rest of its greeting: ZMTP 3
    send_all(conn, tail)
    closed_by_peer(conn)
    conn.close()
    nothing_delivered(server)
    delivers(server, zctx.socket("push"), endpoint)


@pytest.mark.parametrize("maxmsgsize", [-1, 64 * 1024 * 1024])
def test_frame_header_claiming_2_to_the_63_bytes(
    zctx: Context, null_server: tuple[Socket, str], maxmsgsize: int
) -> None:
    """A complete NULL handshake, then a long frame (flags 0x02) whose 8-byte size is 2^63:
    libzmq cannot allocate it (or refuses it over maxmsgsize) and drops the peer."""
    server, endpoint = null_server
    server.set("maxmsgsize", maxmsgsize)
    mon = server.monitor(Event.HANDSHAKE_SUCCEEDED | Event.DISCONNECTED)
    rss = rss_kib()
    conn = raw_connect(endpoint)
    send_all(conn, greeting() + ready())
    event = mon.recv(timeout=10000)
    assert event is not None and event.event == Event.HANDSHAKE_SUCCEEDED
    send_all(conn, b"\x02" + struct.pack(">Q", 1 << 63) + b"\x00" * 4096)
    closed_by_peer(conn)
    conn.close()
    event = mon.recv(timeout=10000)
    assert event is not None and event.event == Event.DISCONNECTED
    nothing_delivered(server)
    delivers(server, zctx.socket("push"), endpoint)
    assert rss_kib() - rss < RSS_SLACK_KIB
    mon.close()


ZMTP_1_0 = b"\x01\x00" + b"\x06\x00hello"  # an empty identity frame, then a message frame
ZMTP_2_0 = b"\xff" + b"\x00" * 8 + b"\x7f" + b"\x01\x08" + b"\x00\x00" + b"\x00\x05hello"


@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_old_zmtp_greetings_are_refused_by_a_curve_server(
    curve_server: tuple[Socket, str, Callable[[], Socket]], version: str
) -> None:
    server, endpoint, client = curve_server
    mon = server.monitor()
    conn = raw_connect(endpoint)
    send_all(conn, ZMTP_1_0 if version == "1.0" else ZMTP_2_0)
    closed_by_peer(conn)
    conn.close()
    nothing_delivered(server)
    seen = []
    while (ev := mon.recv(timeout=300)) is not None:
        seen.append(ev.event)
    assert Event.HANDSHAKE_SUCCEEDED not in seen, seen
    delivers(server, client(), endpoint)
    mon.close()


def test_curve_client_with_a_wrong_server_key_gets_nothing_through(
    zctx: Context, curve_server: tuple[Socket, str, Callable[[], Socket]]
) -> None:
    server, endpoint, client = curve_server
    wrong = zctx.socket("push")
    public, secret = curve_keypair()
    wrong.set("curve_serverkey", curve_keypair()[0])
    wrong.set("curve_publickey", public)
    wrong.set("curve_secretkey", secret)
    wrong.set("linger", 0)
    mon = wrong.monitor()
    wrong.connect(endpoint)
    wrong.send(b"must not arrive", nonblocking=True)
    deadline = time.monotonic() + 10
    failed = None
    while failed is None and time.monotonic() < deadline:
        ev = mon.recv(timeout=200)
        if ev is not None and ev.event == Event.HANDSHAKE_FAILED_NO_DETAIL:
            failed = ev
        assert ev is None or ev.event != Event.HANDSHAKE_SUCCEEDED
    assert failed is not None, "no handshake-failed event on the client's monitor"
    nothing_delivered(server)
    delivers(server, client(), endpoint)
    mon.close()
    wrong.close()


# -- many idle connections --------------------------------------------------------------

HOLDER = """
    import socket, sys
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    conns = [socket.create_connection((host, port), timeout=10) for _ in range(n)]
    print("open", len(conns), flush=True)
    sys.stdin.readline()
    for c in conns:
        c.close()
    print("closed", flush=True)
    sys.stdin.readline()
"""


def read_line(proc: subprocess.Popen[bytes], timeout: float) -> str:
    """One line from the child's stdout within ``timeout`` seconds (the pipe is unbuffered)."""
    assert proc.stdout is not None
    line = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                raise AssertionError(f"the child said nothing within {timeout} s (got {line!r})")
            byte = proc.stdout.read(1)
            if not byte:
                raise AssertionError(f"the child ended (got {line!r})")
            line += byte
    return line.decode().strip()


@pytest.mark.parametrize("kind", ["pull", "router"])
def test_500_idle_connections_then_closed(
    zctx: Context, procs: Processes, start_peer: Callable[..., Peer], kind: str
) -> None:
    n = 500
    server = zctx.socket(kind)
    server.set("linger", 0)
    endpoint = server.bind("tcp://127.0.0.1:*")
    host, port = endpoint.removeprefix("tcp://").rsplit(":", 1)
    peer: Peer = start_peer()  # started first: its process is not part of the counts
    fds, rss = fd_count(), rss_kib()
    holder = procs.start(
        [sys.executable, "-c", textwrap.dedent(HOLDER), host, port, str(n)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        bufsize=0,
        env=child_env(),
        cwd=str(ROOT),
    )
    assert read_line(holder, 60) == f"open {n}"
    held = wait_for(
        lambda: fd_count() - fds >= n and fd_count() - fds, 20, f"libzmq accepting the {n} connections"
    )
    # a real peer still gets through while they are open
    peer.call("socket", name="c", type="DEALER" if kind == "router" else "PUSH")
    peer.call("connect", sock="c", endpoint=endpoint)
    assert peer.send("c", b"through the crowd")
    server.set("rcvtimeo", 10000)
    assert server.recv_multipart()[-1] == b"through the crowd"
    assert holder.stdin is not None
    holder.stdin.write(b"close\n")
    assert read_line(holder, 30) == "closed"
    # back to the baseline but for three: the holder's two pipes and the real peer's connection
    wait_for(lambda: fd_count() <= fds + 3, 20, "libzmq closing the idle connections")
    grown = rss_kib() - rss
    print(
        f"\n{n} idle connections to a {kind}: +{held} descriptors while open; "
        f"RSS +{grown / 1024:.1f} MiB after they closed"
    )
    assert grown < RSS_SLACK_KIB


# -- the same against a session socket (the shell's and the magics' engine) ------------------


def test_session_socket_survives_garbage_and_a_2_to_the_63_frame(
    session: Session, start_peer: Callable[..., Peer]
) -> None:
    """A session PULL (maxmsgsize 64 MiB by default) gets random bytes, a ZMTP 3 greeting with
    garbage, and a complete handshake followed by a 2^63-byte frame header: it drops each
    peer, says so on its monitor, and a real peer still gets through."""
    session.run("socket s pull; monitor s")
    endpoint = executed(session, "bind s tcp://127.0.0.1:*", Bound).endpoint
    rss = rss_kib()

    def events(kind: str) -> int:
        return sum(e.event == kind for e in session.monitor_events("s"))

    conn = raw_connect(endpoint)
    send_all(conn, os.urandom(64 * 1024))
    conn.close()
    conn = raw_connect(endpoint)
    send_all(conn, greeting() + b"\x00\x05hello")
    closed_by_peer(conn)
    conn.close()
    conn = raw_connect(endpoint)
    send_all(conn, greeting() + ready())
    wait_for(lambda: events("handshake_succeeded") >= 1, 10, "the raw peer's handshake")
    send_all(conn, b"\x02" + struct.pack(">Q", 1 << 63))
    closed_by_peer(conn)
    conn.close()
    wait_for(lambda: events("disconnected") >= 3, 10, "the session dropping the raw peers")
    peer: Peer = start_peer()
    peer.call("socket", name="c", type="PUSH")
    peer.call("connect", sock="c", endpoint=endpoint)
    assert peer.send("c", b"real")
    got = executed(session, "recv s --timeout 10000", Received).messages[0]
    while got != [b"real"]:  # what the random bytes parsed into (ZMTP 1.0 frames), if anything
        assert all(len(f) <= 64 * 1024 for f in got)
        got = executed(session, "recv s --timeout 10000", Received).messages[0]
    assert executed(session, "version", VersionInfo).libzmq
    assert rss_kib() - rss < RSS_SLACK_KIB
