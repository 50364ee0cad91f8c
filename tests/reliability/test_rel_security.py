"""CURVE, ZAP authentication and maxmsgsize against pyzmq peers in other processes
(issue 6, item 5): from Python, from the session's command language and from %zmq.

With libzmq 4.3.4 (zmqrepl) a client using the wrong server key gets
HANDSHAKE_FAILED_NO_DETAIL (value EPIPE) on its monitor, while the server reports
HANDSHAKE_FAILED_PROTOCOL (ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC): the server cannot
open the client's HELLO, so only the server knows why. A ZAP denial shows as
HANDSHAKE_FAILED_AUTH (value 400, the ZAP status code) on the server's monitor.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator

import pytest

from tests.peers import Peer
from tests.support import executed
from zmqrepl.core import Again, Context, Event, Socket, curve_keypair, curve_public, z85_decode, z85_encode
from zmqrepl.core.auth import Authenticator, ZapPolicy
from zmqrepl.session import Bound, CommandError, Session, VersionInfo

from .rel_support import wait_for

PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC = 0x11000001
EPIPE = 32


def keypair() -> tuple[str, str]:
    """A CURVE key pair from zmqrepl, checked by Z85 round trips."""
    public, secret = curve_keypair()
    for key in (public, secret):
        raw = z85_decode(key)
        assert len(raw) == 32 and z85_encode(raw) == key
    assert curve_public(secret) == public
    return public.decode(), secret.decode()


def pyzmq_curve_client(
    peer: Peer, name: str, server_public: str, kind: str = "PUSH", keys: tuple[str, str] | None = None
) -> tuple[str, str]:
    public, secret = keys or keypair()
    peer.call(
        "socket",
        name=name,
        type=kind,
        options=[
            ["CURVE_SERVERKEY", server_public],
            ["CURVE_PUBLICKEY", public],
            ["CURVE_SECRETKEY", secret],
        ],
    )
    return public, secret


def pyzmq_plain_client(peer: Peer, name: str, user: str, password: str) -> None:
    peer.call(
        "socket", name=name, type="PUSH", options=[["PLAIN_USERNAME", user], ["PLAIN_PASSWORD", password]]
    )


def refused_client_sends(peer: Peer, name: str, endpoint: str, payload: bytes) -> None:
    """Connect the peer's socket ``name`` and queue ``payload`` in one command. The server
    refuses this client, and libzmq drops a refused client's pipe 10-40 ms after connect;
    a send in a second command (a pipe round trip later, slow on a loaded machine) found
    no pipe and failed after its 2 s timeout: the suite's flaky failures. Whether it was
    queued or not, the server must never deliver it."""
    peer.call("connect", sock=name, endpoint=endpoint, send=[payload.hex()])


def events_until(mon: Any, wanted: Event, timeout: float = 5.0) -> list[Any]:
    """Monitor events of a zmqrepl socket until ``wanted`` shows (or fail)."""
    seen: list[Any] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ev = mon.recv(timeout=100)
        if ev is not None:
            seen.append(ev)
            if ev.event == wanted:
                return seen
    raise AssertionError(f"no {wanted.name} within {timeout} s; saw {[str(e) for e in seen]}")


def recv_or_none(sock: Socket, timeout: int) -> list[bytes] | None:
    sock.set("rcvtimeo", timeout)
    try:
        return sock.recv_multipart()
    except Again:
        return None


# -- CURVE end to end --------------------------------------------------------------


@pytest.mark.parametrize("key_origin", ["zmqrepl", "pyzmq"])
def test_curve_pyzmq_server_zmqrepl_client(pypeer: Callable[[], Peer], key_origin: str) -> None:
    peer = pypeer()
    if key_origin == "pyzmq":
        server_public, server_secret = peer.call("curve_keypair")
        assert z85_encode(z85_decode(server_public)).decode() == server_public
    else:
        server_public, server_secret = keypair()
    peer.call(
        "socket", name="srv", type="REP", options=[["CURVE_SERVER", 1], ["CURVE_SECRETKEY", server_secret]]
    )
    endpoint = peer.call("bind", sock="srv", endpoint="tcp://127.0.0.1:*")
    with Context() as ctx:
        client = ctx.socket("req")
        public, secret = keypair()
        # keys as raw bytes (z85-decoded) work as well as Z85 text
        client.set("curve_serverkey", z85_decode(server_public))
        client.set("curve_publickey", public)
        client.set("curve_secretkey", z85_decode(secret))
        client.set("linger", 0)
        assert client.get("curve_serverkey") == server_public.encode()
        client.connect(endpoint)
        for i in range(3):
            client.send_multipart([b"sealed", b"%d" % i])
            assert peer.recv("srv", timeout=5000) == [b"sealed", b"%d" % i]
            assert peer.send("srv", b"reply %d" % i)
            assert recv_or_none(client, 5000) == [b"reply %d" % i]


def test_curve_zmqrepl_server_pyzmq_client(pypeer: Callable[[], Peer]) -> None:
    peer = pypeer()
    server_public, server_secret = keypair()
    with Context() as ctx:
        server = ctx.socket("rep")
        server.set("curve_server", True)
        server.set("curve_secretkey", server_secret)
        server.set("linger", 0)
        endpoint = server.bind("tcp://127.0.0.1:*")
        pyzmq_curve_client(peer, "cli", server_public, kind="REQ")
        peer.call("connect", sock="cli", endpoint=endpoint)
        assert peer.send("cli", b"hello from pyzmq")
        assert recv_or_none(server, 5000) == [b"hello from pyzmq"]
        server.send(b"hello from zmqrepl")
        assert peer.recv("cli", timeout=5000) == [b"hello from zmqrepl"]


def test_wrong_server_key_delivers_nothing_and_monitors_show_why(pypeer: Callable[[], Peer]) -> None:
    peer = pypeer()
    _, server_secret = peer.call("curve_keypair")
    peer.call(
        "socket", name="srv", type="PULL", options=[["CURVE_SERVER", 1], ["CURVE_SECRETKEY", server_secret]]
    )
    peer.call("monitor", sock="srv")
    endpoint = peer.call("bind", sock="srv", endpoint="tcp://127.0.0.1:*")
    wrong_public, _ = keypair()
    with Context() as ctx:
        client = ctx.socket("push")
        public, secret = keypair()
        client.set("curve_serverkey", wrong_public)
        client.set("curve_publickey", public)
        client.set("curve_secretkey", secret)
        client.set("linger", 0)
        mon = client.monitor()
        client.connect(endpoint)
        client.send(b"must not arrive", nonblocking=True)
        seen = events_until(mon, Event.HANDSHAKE_FAILED_NO_DETAIL)
        failed = [e for e in seen if e.event == Event.HANDSHAKE_FAILED_NO_DETAIL]
        assert failed[0].value == EPIPE and failed[0].endpoint == endpoint
        assert not any(e.event == Event.HANDSHAKE_SUCCEEDED for e in seen)
        assert peer.recv("srv", timeout=500) is None
        server_events = peer.call("events", sock="srv", timeout=5000, until="EVENT_HANDSHAKE_FAILED_PROTOCOL")
        assert ["EVENT_HANDSHAKE_FAILED_PROTOCOL", PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC] in server_events
        assert not any(name == "EVENT_HANDSHAKE_SUCCEEDED" for name, _ in server_events)
        mon.close()


def test_wrong_server_key_from_pyzmq_shows_on_zmqrepl_server_monitor(pypeer: Callable[[], Peer]) -> None:
    peer = pypeer()
    _, server_secret = keypair()
    wrong_public, _ = keypair()
    with Context() as ctx:
        server = ctx.socket("pull")
        server.set("curve_server", True)
        server.set("curve_secretkey", server_secret)
        server.set("linger", 0)
        mon = server.monitor()
        endpoint = server.bind("tcp://127.0.0.1:*")
        pyzmq_curve_client(peer, "cli", wrong_public)
        refused_client_sends(peer, "cli", endpoint, b"must not arrive")
        seen = events_until(mon, Event.HANDSHAKE_FAILED_PROTOCOL)
        assert seen[-1].value == PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
        assert recv_or_none(server, 300) is None
        mon.close()


# -- the ZAP Authenticator from Python --------------------------------------------------


class AuthServer:
    """A zmqrepl PULL server on its own Context, with an Authenticator and a monitor."""

    def __init__(self, mechanism: str) -> None:
        self.ctx = Context()
        self.auth = Authenticator(self.ctx).start()
        self.public, secret = keypair()
        self.sock = self.ctx.socket("pull")
        self.sock.set("linger", 0)
        if mechanism == "curve":
            self.sock.set("curve_server", True)
            self.sock.set("curve_secretkey", secret)
        else:
            self.sock.set("plain_server", True)
        self.mon = self.sock.monitor()
        self.endpoint = self.sock.bind("tcp://127.0.0.1:*")

    @property
    def policy(self) -> ZapPolicy:
        return self.auth.policy

    def close(self) -> None:
        self.mon.close()
        self.auth.stop()
        self.ctx.destroy(linger=0)


@pytest.fixture
def auth_server() -> Iterator[Callable[..., AuthServer]]:
    servers: list[AuthServer] = []

    def make(mechanism: str = "curve") -> AuthServer:
        servers.append(AuthServer(mechanism))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


def denied(policy: ZapPolicy) -> list[Any]:
    return [d for d in policy.log if not d.allowed]


def test_authenticator_allows_and_denies_by_address(
    pypeer: Callable[[], Peer], auth_server: Callable[..., AuthServer]
) -> None:
    peer = pypeer()
    server = auth_server()
    server.policy.allow_any_curve()
    server.policy.allow("127.0.0.1")
    pyzmq_curve_client(peer, "a", server.public)
    peer.call("connect", sock="a", endpoint=server.endpoint)
    assert peer.send("a", b"from an allowed address")
    assert recv_or_none(server.sock, 5000) == [b"from an allowed address"]
    assert [(d.address, d.allowed) for d in server.policy.log] == [("127.0.0.1", True)]

    server.policy.deny("127.0.0.1")
    pyzmq_curve_client(peer, "b", server.public)
    refused_client_sends(peer, "b", server.endpoint, b"from a denied address")
    seen = events_until(server.mon, Event.HANDSHAKE_FAILED_AUTH)
    assert seen[-1].value == 400
    assert recv_or_none(server.sock, 300) is None
    assert "127.0.0.1 is denied" in denied(server.policy)[0].reason

    # an allow list without 127.0.0.1 refuses it as well
    server.policy.denied_addresses.clear()
    server.policy.allowed_addresses = {"10.9.8.7"}
    pyzmq_curve_client(peer, "c", server.public)
    refused_client_sends(peer, "c", server.endpoint, b"not on the list")
    wait_for(
        lambda: any("not on the allow list" in d.reason for d in denied(server.policy)),
        5,
        "an allow-list denial",
    )
    assert recv_or_none(server.sock, 300) is None


def test_authenticator_curve_key_allow_list(
    pypeer: Callable[[], Peer], auth_server: Callable[..., AuthServer]
) -> None:
    peer = pypeer()
    server = auth_server()
    good = keypair()
    server.policy.allow_curve(good[0])  # Z85 text ...
    other = keypair()
    pyzmq_curve_client(peer, "good", server.public, keys=good)
    pyzmq_curve_client(peer, "bad", server.public, keys=other)
    refused_client_sends(peer, "bad", server.endpoint, b"from an unknown key")
    wait_for(lambda: denied(server.policy), 5, "a denial in the policy log")
    entry = denied(server.policy)[0]
    assert entry.mechanism == "CURVE" and other[0] in entry.reason and "not on the allow list" in entry.reason
    assert recv_or_none(server.sock, 300) is None
    peer.call("connect", sock="good", endpoint=server.endpoint)
    assert peer.send("good", b"from the allowed key")
    assert recv_or_none(server.sock, 5000) == [b"from the allowed key"]
    ok = [d for d in server.policy.log if d.allowed]
    assert [d.user for d in ok] == [good[0]]
    server.policy.allow_curve(z85_decode(other[0]))  # ... or 32 raw bytes
    pyzmq_curve_client(peer, "bad2", server.public, keys=other)
    peer.call("connect", sock="bad2", endpoint=server.endpoint)
    assert peer.send("bad2", b"now allowed")
    assert recv_or_none(server.sock, 5000) == [b"now allowed"]


def test_authenticator_plain_users(
    pypeer: Callable[[], Peer], auth_server: Callable[..., AuthServer]
) -> None:
    peer = pypeer()
    server = auth_server("plain")
    server.policy.plain_users["admin"] = "secret"
    pyzmq_plain_client(peer, "wrong", "admin", "guess")
    refused_client_sends(peer, "wrong", server.endpoint, b"wrong password")
    seen = events_until(server.mon, Event.HANDSHAKE_FAILED_AUTH)
    assert seen[-1].value == 400
    assert "unknown or wrong password" in denied(server.policy)[0].reason
    pyzmq_plain_client(peer, "nobody", "root", "secret")
    refused_client_sends(peer, "nobody", server.endpoint, b"unknown user")
    wait_for(lambda: len(denied(server.policy)) >= 2, 5, "two denials")
    assert recv_or_none(server.sock, 300) is None
    pyzmq_plain_client(peer, "right", "admin", "secret")
    peer.call("connect", sock="right", endpoint=server.endpoint)
    assert peer.send("right", b"right password")
    assert recv_or_none(server.sock, 5000) == [b"right password"]
    assert [d.user for d in server.policy.log if d.allowed] == ["admin"]


# -- the same through the command language (Session) and %zmq ------------------------------


class Driver:
    """Runs command lines on a Session or on %zmq in IPython; same assertions for both."""

    def __init__(self, session: Session | None = None, ip: Any = None) -> None:
        self.session, self.ip = session, ip

    def run(self, line: str) -> Any:
        if self.session is not None:
            result = self.session.execute(line)
            return None if result is None else result.value
        return self.ip.run_line_magic("zmq", line)

    def lines(self, line: str) -> str:
        if self.session is not None:
            return "\n".join(executed(self.session, line).lines)
        from IPython.utils.capture import capture_output

        with capture_output() as cap:
            self.ip.run_line_magic("zmq", line)
        return cap.stdout

    def recv(self, name: str, timeout: int) -> list[bytes] | None:
        from IPython.core.error import UsageError

        try:
            frames: list[bytes] = self.run(f"recv {name} --timeout {timeout}")
            return frames
        except (CommandError, UsageError) as exc:
            assert "no message" in str(exc)
            return None


def auth_through_commands(drv: Driver, peer: Peer) -> None:
    server_public, server_secret = keypair()
    drv.run("socket s pull")
    drv.run("set s curve_server true")
    # Keys quoted as `curve keypair` prints them: a Z85 key may start with # or --, or
    # hold {name}, which %zmq would expand outside quotes.
    drv.run(f"set s curve_secretkey '{server_secret}'")
    endpoint = drv.run("bind s tcp://127.0.0.1:*")
    good, other = keypair(), keypair()
    assert "auth on" in drv.lines(f"auth curve '{good[0]}'")

    pyzmq_curve_client(peer, "bad", server_public, keys=other)
    refused_client_sends(peer, "bad", endpoint, b"unknown key")
    assert drv.recv("s", 500) is None
    wait_for(lambda: "not on the allow list" in drv.lines("auth show"), 5, "the denial in auth show")
    pyzmq_curve_client(peer, "good", server_public, keys=good)
    peer.call("connect", sock="good", endpoint=endpoint)
    assert peer.send("good", b"allowed key")
    assert drv.recv("s", 5000) == [b"allowed key"]

    drv.run("auth deny 127.0.0.1")
    pyzmq_curve_client(peer, "good2", server_public, keys=good)
    refused_client_sends(peer, "good2", endpoint, b"denied address")
    wait_for(lambda: "127.0.0.1 is denied" in drv.lines("auth show"), 5, "the address denial")
    assert drv.recv("s", 300) is None
    drv.run("auth allow 127.0.0.1")
    pyzmq_curve_client(peer, "good3", server_public, keys=good)
    peer.call("connect", sock="good3", endpoint=endpoint)
    assert peer.send("good3", b"allowed address")
    assert drv.recv("s", 5000) == [b"allowed address"]

    drv.run("socket p pull")
    drv.run("set p plain_server true")
    plain_endpoint = drv.run("bind p tcp://127.0.0.1:*")
    drv.run("auth plain admin s3cret")
    pyzmq_plain_client(peer, "pw_bad", "admin", "wrong")
    refused_client_sends(peer, "pw_bad", plain_endpoint, b"wrong password")
    wait_for(lambda: "unknown or wrong password" in drv.lines("auth show"), 5, "the PLAIN denial")
    assert drv.recv("p", 300) is None
    pyzmq_plain_client(peer, "pw_ok", "admin", "s3cret")
    peer.call("connect", sock="pw_ok", endpoint=plain_endpoint)
    assert peer.send("pw_ok", b"right password")
    assert drv.recv("p", 5000) == [b"right password"]
    shown = drv.lines("auth show")
    assert "plain: admin" in shown and "curve: 1 allowed key(s)" in shown


def test_auth_commands_in_a_session(pypeer: Callable[[], Peer], session: Session) -> None:
    auth_through_commands(Driver(session=session), pypeer())
    counts = {i.name: i.received for i in session.sockets()}
    assert counts == {"s": 2, "p": 1}


def test_auth_commands_through_zmq_magic(pypeer: Callable[[], Peer], ipython: Any) -> None:
    ipython.run_line_magic("config", "ZmqMagics.linger = 0")
    auth_through_commands(Driver(ip=ipython), pypeer())


@pytest.mark.parametrize("first", ["@", "0x", "b64:"])
def test_unquoted_z85_key_with_frame_prefix_is_a_key(session: Session, first: str) -> None:
    """Bug fixed: a key starting with @ was read as a file (Z85 keys may start with @)."""
    secret = first + "a" * (40 - len(first))
    session.run("socket s rep")
    session.execute(f"set s curve_secretkey {secret}")
    assert executed(session, "get s curve_secretkey --reveal").value == secret.encode()


# -- maxmsgsize: a hostile peer cannot make a session socket take a huge message ------------


def oversized_is_refused(session: Session, peer: Peer, size: int) -> None:
    session.run("socket s pull; monitor s")
    endpoint = executed(session, "bind s tcp://127.0.0.1:*", Bound).endpoint
    peer.call("socket", name="evil", type="PUSH")
    peer.call("connect", sock="evil", endpoint=endpoint)
    wait_for(
        lambda: any(e.event == "handshake_succeeded" for e in session.monitor_events("s")),
        5,
        "the peer's handshake",
    )
    assert peer.call("send_size", sock="evil", size=size)
    wait_for(
        lambda: any(e.event == "disconnected" for e in session.monitor_events("s")),
        10,
        "the session dropping the oversized sender",
    )
    with pytest.raises(CommandError, match="no message"):
        session.execute("recv s --timeout 300")
    # the session is healthy: the peer reconnects and small messages get through
    assert peer.send("evil", b"small")
    assert executed(session, "recv s --timeout 5000").value == [b"small"]
    assert executed(session, "version", VersionInfo).libzmq
    assert [i.received for i in session.sockets()] == [1]


def test_small_maxmsgsize_refuses_bigger_message(pypeer: Callable[[], Peer], session: Session) -> None:
    session.run("socket t pull; set t maxmsgsize 1000")
    assert executed(session, "get t maxmsgsize").value == 1000
    session.execute("close t")
    session.maxmsgsize = 1000  # what `set s maxmsgsize 1000` does, for the socket made inside
    oversized_is_refused(session, pypeer(), 1001)


def test_set_maxmsgsize_command_refuses_bigger_message(pypeer: Callable[[], Peer], session: Session) -> None:
    peer = pypeer()
    session.run("socket s pull; set s maxmsgsize 1000; monitor s")
    endpoint = executed(session, "bind s tcp://127.0.0.1:*", Bound).endpoint
    assert "maxmsgsize=1000" in session.sockets()[0].options
    peer.call("socket", name="evil", type="PUSH")
    peer.call("connect", sock="evil", endpoint=endpoint)
    assert peer.send("evil", b"a" * 1000)  # exactly the limit: accepted
    assert executed(session, "recv s --timeout 5000").value == [b"a" * 1000]
    assert peer.call("send_size", sock="evil", size=5000)
    wait_for(
        lambda: any(e.event == "disconnected" for e in session.monitor_events("s")),
        10,
        "the session dropping the oversized sender",
    )
    assert peer.send("evil", b"after")
    assert executed(session, "recv s --timeout 5000").value == [b"after"]
    assert session.sockets()[0].received == 2


def test_default_maxmsgsize_is_64_mib_and_refuses_more(pypeer: Callable[[], Peer]) -> None:
    session = Session(linger=0)
    try:
        session.run("socket t pull")
        assert executed(session, "get t maxmsgsize").value == 64 * 1024 * 1024
        session.execute("close t")
        oversized_is_refused(session, pypeer(), 64 * 1024 * 1024 + 1)
    finally:
        session.close()
