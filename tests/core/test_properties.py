"""Message properties (recv_multipart / recv_many with ``properties``) against pyzmq peers
in other processes, over tcp and ipc: what libzmq 4.3 reports, read with zmq_msg_gets.

Found on this machine (libzmq 4.3.4), and asserted here:
- Socket-Type is the peer's type.
- libzmq reports the routing id a REQ, DEALER or ROUTER peer announces under its ZMTP
  name "Identity" only ("" when the peer set none); we give it as "Routing-Id" too.
  PUSH peers announce none: both keys are absent.
- Peer-Address: tcp "127.0.0.1"; ipc "localhost:UID:GID:PID" of the peer process.
- User-Id only with a ZAP handler; ZAP metadata names only when asked for.
- inproc messages carry no properties at all.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Iterator

import pytest

from tests.peers import Peer
from zmqrepl.core import Context, MessageBatch, MessageProperties, Socket, SocketClosed
from zmqrepl.core.auth import Authenticator, ZapPolicy

TRANSPORTS = ["tcp", "ipc"]


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def bind_at(transport: str, short_dir: str) -> Callable[[str], str]:
    """bind_at(name) -> an endpoint of this test's transport to bind to."""
    return lambda name: f"ipc://{short_dir}/{name}" if transport == "ipc" else "tcp://127.0.0.1:*"


def _expected_address(transport: str, peer: Peer) -> str:
    # libzmq adds SO_PEERCRED's uid, gid and pid to an ipc peer's "address".
    if transport == "ipc":
        return f"localhost:{os.getuid()}:{os.getgid()}:{peer.info['pid']}"
    return "127.0.0.1"


def _server(ctx: Context, kind: str, endpoint: str) -> tuple[Socket, str]:
    sock = ctx.socket(kind)
    sock.set("rcvtimeo", 10000)
    return sock, sock.bind(endpoint)


def test_a_router_sees_its_dealer_peers(
    ctx: Context, bind_at: Callable[[str], str], transport: str, start_peer: Callable[..., Peer]
) -> None:
    router, endpoint = _server(ctx, "router", bind_at("router"))
    peer = start_peer()
    peer.call("socket", name="named", type="DEALER", options=[["ROUTING_ID", "w1"]])
    peer.call("socket", name="anonymous", type="DEALER")
    peer.call("connect", sock="named", endpoint=endpoint, send=["6869"])
    frames, props = router.recv_multipart(properties=True)
    assert frames == [b"w1", b"hi"]
    assert isinstance(props, MessageProperties)
    address = _expected_address(transport, peer)
    assert dict(props) == {
        "Socket-Type": "DEALER",
        "Routing-Id": "w1",
        "Identity": "w1",
        "Peer-Address": address,
    }
    assert (props.socket_type, props.routing_id, props.peer_address) == ("DEALER", "w1", address)
    assert props.user_id is None and props.get("User-Id") is None  # no ZAP: absent, not ""

    # A DEALER that set no routing id announces an empty one; the ROUTER makes up its own.
    peer.call("connect", sock="anonymous", endpoint=endpoint, send=["6869"])
    frames, props = router.recv_multipart(properties=True)
    assert frames[1] == b"hi" and frames[0][:1] == b"\0" and len(frames[0]) == 5
    assert props["Routing-Id"] == "" and props["Identity"] == ""
    assert props["Socket-Type"] == "DEALER" and props["Peer-Address"] == address


def test_a_dealer_and_a_pull_see_their_router_and_push_peers(
    ctx: Context, bind_at: Callable[[str], str], transport: str, start_peer: Callable[..., Peer]
) -> None:
    peer = start_peer()
    peer.call("socket", name="router", type="ROUTER")
    peer.call("socket", name="push", type="PUSH")
    router_at = peer.call("bind", sock="router", endpoint=bind_at("peer-router"))
    push_at = peer.call("bind", sock="push", endpoint=bind_at("peer-push"))
    address = _expected_address(transport, peer)  # the listening process, for ipc

    dealer = ctx.socket("dealer")
    dealer.set("routing_id", b"me")
    dealer.set("rcvtimeo", 10000)
    dealer.connect(router_at)
    dealer.send(b"hello")
    assert peer.call("recv", sock="router")["messages"] == [[b"me".hex(), b"hello".hex()]]
    peer.call("send", sock="router", frames=[b"me".hex(), b"back".hex()])
    frames, props = dealer.recv_multipart(properties=True)
    assert frames == [b"back"]
    # A ROUTER announces its own (empty) routing id.
    assert dict(props) == {"Socket-Type": "ROUTER", "Routing-Id": "", "Identity": "", "Peer-Address": address}

    pull = ctx.socket("pull")
    pull.set("rcvtimeo", 10000)
    pull.connect(push_at)
    peer.call("send", sock="push", frames=["01", "02"])
    frames, props = pull.recv_multipart(properties=True)
    assert frames == [b"\x01", b"\x02"]
    assert dict(props) == {"Socket-Type": "PUSH", "Peer-Address": address}  # PUSH announces no id
    assert "Routing-Id" not in props and props.routing_id is None


def test_a_peers_own_metadata_shows_when_asked_for_and_long_values_are_cut(
    ctx: Context, bind_at: Callable[[str], str], transport: str, start_peer: Callable[..., Peer]
) -> None:
    """ZMQ_METADATA on the peer's socket (its pyzmq's libzmq takes it) travels in the
    handshake; values are cut to 1 KiB in both receive paths."""
    pull, endpoint = _server(ctx, "pull", bind_at("metadata"))
    peer = start_peer()
    options = [["METADATA", "X-App:demo"], ["METADATA", "X-Big:" + "b" * 3000]]
    peer.call("socket", name="p", type="PUSH", options=options)
    peer.call("connect", sock="p", endpoint=endpoint)
    peer.call("send_many", sock="p", messages=[["01"], ["02"]])
    frames, props = pull.recv_multipart(properties=True)
    assert frames == [b"\x01"] and "X-App" not in props
    messages, found, _ = _collect(pull, 1, properties=("X-App", "X-Big"))
    assert messages == [[b"\x02"]]
    assert dict(found[0]) == {
        "Socket-Type": "PUSH",
        "Peer-Address": _expected_address(transport, peer),
        "X-App": "demo",
        "X-Big": "b" * 1024,
    }
    peer.call("send", sock="p", frames=["03"])
    frames, props = pull.recv_multipart(properties=["X-Big"])
    assert frames == [b"\x03"] and props["X-Big"] == "b" * 1024


def test_inproc_messages_have_no_properties(ctx: Context) -> None:
    pull, endpoint = _server(ctx, "pull", "inproc://props-inproc")
    push = ctx.socket("push")
    push.connect(endpoint)
    push.send_multipart([b"a", b"b"])
    frames, props = pull.recv_multipart(properties=True)
    assert frames == [b"a", b"b"] and len(props) == 0 and props == {}
    push.send(b"c")
    batch = pull.recv_many(10, properties=True)
    assert list(batch) == [[b"c"]] and [dict(p) for p in batch.properties] == [{}]


def _collect(
    sock: Socket, count: int, **kwargs: Any
) -> tuple[list[list[bytes]], list[MessageProperties], int]:
    """recv_many until ``count`` messages have come (recv_many waits only for the first):
    the messages, their properties, and how many batches they came in."""
    messages: list[list[bytes]] = []
    props: list[MessageProperties] = []
    batches = 0
    deadline = time.monotonic() + 15
    while len(messages) < count and time.monotonic() < deadline:
        batch = sock.recv_many(count - len(messages), **kwargs)
        assert len(batch.properties) == len(batch)
        messages.extend(batch)
        props.extend(batch.properties)
        batches += 1
    return messages, props, batches


def test_recv_many_gives_each_message_its_own_connections_properties(
    ctx: Context, bind_at: Callable[[str], str], transport: str, start_peer: Callable[..., Peer]
) -> None:
    router, endpoint = _server(ctx, "router", bind_at("many"))
    first, second = start_peer(), start_peer()
    for i, peer in enumerate((first, second)):
        peer.call("socket", name="d", type="DEALER", options=[["ROUTING_ID", f"w{i}"]])
        peer.call("connect", sock="d", endpoint=endpoint)
        peer.call("send_many", sock="d", messages=[[f"{i:02x}", f"{n:02x}"] for n in range(50)])
    messages, props, _ = _collect(router, 100, properties=True)
    assert len(messages) == 100
    expected = {
        b"w0": {"Routing-Id": "w0", "Peer-Address": _expected_address(transport, first)},
        b"w1": {"Routing-Id": "w1", "Peer-Address": _expected_address(transport, second)},
    }
    for frames, p in zip(messages, props):
        want = expected[frames[0]]
        assert p["Routing-Id"] == want["Routing-Id"] and p["Identity"] == want["Routing-Id"]
        assert p["Peer-Address"] == want["Peer-Address"] and p["Socket-Type"] == "DEALER"
        assert frames[1] == bytes([int(frames[0][1:])])
    # Each peer's messages came in order, and every one of them has its properties.
    for ident in (b"w0", b"w1"):
        assert [m[2][0] for m in messages if m[0] == ident] == list(range(50))

    # Without properties, the batch has none; and a later batch with them starts afresh.
    first.call("send", sock="d", frames=["00", "ff"])
    plain = router.recv_many(10)
    assert isinstance(plain, MessageBatch) and list(plain) == [[b"w0", b"\x00", b"\xff"]]
    assert plain.properties == ()
    second.call("send", sock="d", frames=["01", "ff"])
    again = router.recv_many(10, properties=("X-None",))
    assert dict(again.properties[0]) == {
        "Socket-Type": "DEALER",
        "Routing-Id": "w1",
        "Identity": "w1",
        "Peer-Address": _expected_address(transport, second),
    }


def test_a_run_of_messages_from_one_connection_shares_one_mapping(
    ctx: Context, bind_at: Callable[[str], str], start_peer: Callable[..., Peer]
) -> None:
    pull, endpoint = _server(ctx, "pull", bind_at("run"))
    peer = start_peer()
    peer.call("socket", name="p", type="PUSH")
    peer.call("connect", sock="p", endpoint=endpoint)
    peer.call("send_many", sock="p", messages=[[f"{n:02x}"] for n in range(20)])
    messages, props, batches = _collect(pull, 20, properties=True)
    assert messages == [[bytes([n])] for n in range(20)]
    assert all(dict(p) == {"Socket-Type": "PUSH", "Peer-Address": props[0]["Peer-Address"]} for p in props)
    # One mapping per batch: the C side notes a repeat instead of copying the values again.
    assert len({id(p) for p in props}) == batches


@pytest.fixture
def zap_context() -> Iterator[tuple[Context, ZapPolicy]]:
    """A context with an Authenticator: user alice (PLAIN) with ZAP metadata."""
    context = Context()
    policy = ZapPolicy()
    policy.plain_users["alice"] = "pw"
    policy.metadata["alice"] = {"X-Tenant": "acme", "X-Long": "v" * 5000}
    auth = Authenticator(context, policy).start()
    try:
        yield context, policy
    finally:
        auth.stop()
        context.destroy(linger=0)


def test_a_zap_handler_gives_the_user_id_and_its_metadata(
    zap_context: tuple[Context, ZapPolicy],
    bind_at: Callable[[str], str],
    transport: str,
    start_peer: Callable[..., Peer],
) -> None:
    ctx, policy = zap_context
    pull = ctx.socket("pull")
    pull.set("plain_server", True)
    pull.set("rcvtimeo", 10000)
    endpoint = pull.bind(bind_at("zap"))
    peer = start_peer()
    peer.call(
        "socket", name="p", type="PUSH", options=[["PLAIN_USERNAME", "alice"], ["PLAIN_PASSWORD", "pw"]]
    )
    peer.call("connect", sock="p", endpoint=endpoint)
    peer.call("send_many", sock="p", messages=[["01"], ["02"], ["03"]])

    frames, props = pull.recv_multipart(properties=True)
    assert frames == [b"\x01"]
    address = _expected_address(transport, peer)
    # The standard names only: metadata shows only when asked for.
    assert dict(props) == {"Socket-Type": "PUSH", "Peer-Address": address, "User-Id": "alice"}

    frames, props = pull.recv_multipart(properties=("X-Tenant", "X-Long", "X-Absent"))
    assert frames == [b"\x02"]
    assert props["X-Tenant"] == "acme" and props.user_id == "alice"
    assert props["X-Long"] == "v" * 1024  # values are cut to 1 KiB
    assert "X-Absent" not in props

    batch = pull.recv_many(10, properties=["X-Tenant"])
    assert list(batch) == [[b"\x03"]]
    assert dict(batch.properties[0]) == {
        "Socket-Type": "PUSH",
        "Peer-Address": address,
        "User-Id": "alice",
        "X-Tenant": "acme",
    }
    assert [d.user for d in policy.log] == ["alice"]


def test_a_zap_handler_that_names_no_user_gives_an_empty_user_id(
    zap_context: tuple[Context, ZapPolicy], start_peer: Callable[..., Peer]
) -> None:
    """NULL with a ZAP domain: the handler accepts without a user id, and libzmq then
    reports User-Id as "" (absent means no handler answered)."""
    ctx, policy = zap_context
    policy.metadata[""] = {"X-Zone": "public"}
    pull = ctx.socket("pull")
    pull.set("zap_domain", "global")
    pull.set("rcvtimeo", 10000)
    endpoint = pull.bind("tcp://127.0.0.1:*")
    peer = start_peer()
    peer.call("socket", name="p", type="PUSH")
    peer.call("connect", sock="p", endpoint=endpoint, send=["01"])
    frames, props = pull.recv_multipart(properties=("X-Zone",))
    assert frames == [b"\x01"]
    assert dict(props) == {
        "Socket-Type": "PUSH",
        "Peer-Address": "127.0.0.1",
        "User-Id": "",
        "X-Zone": "public",
    }


def test_zap_metadata_with_a_bad_name_is_refused_by_the_policy() -> None:
    policy = ZapPolicy()
    policy.plain_users["bob"] = "pw"
    policy.metadata["bob"] = {"not a name": "x"}
    request = [b"1.0", b"7", b"", b"127.0.0.1", b"", b"PLAIN", b"bob", b"pw"]
    assert policy.handle(request)[:3] == [b"1.0", b"7", b"500"]
    policy.metadata["bob"] = {"X-Ok": "yes"}
    reply = policy.handle(request)
    assert reply[2] == b"200" and reply[4] == b"bob"
    assert reply[5] == b"\x04X-Ok\x00\x00\x00\x03yes"  # ZMTP metadata: name and value lengths


@pytest.fixture
def pair(ctx: Context) -> tuple[Socket, Socket]:
    pull, endpoint = _server(ctx, "pull", "inproc://props-args")
    push = ctx.socket("push")
    push.connect(endpoint)
    return pull, push


@pytest.mark.parametrize(
    "bad",
    ["Socket-Type", b"X", None, 1, 0, 1.5, {"X-A": "1"}.items(), ["X-A", 2], (b"X-A",)],
    ids=["str", "bytes", "none", "one", "zero", "float", "items", "list-int", "tuple-bytes"],
)
def test_wrong_property_arguments_raise_type_error(pair: tuple[Socket, Socket], bad: Any) -> None:
    pull, push = pair
    push.send(b"kept")
    for call in (
        lambda: pull.recv_multipart(properties=bad),
        lambda: pull.recv_many(10, properties=bad),
        lambda: pull.recv_multipart(nonblocking=True, properties=bad),
    ):
        with pytest.raises(TypeError) as raised:
            call()
        assert "\n" not in str(raised.value) and "propert" in str(raised.value)
    assert pull.recv_multipart() == [b"kept"]  # nothing was received by the refused calls


@pytest.mark.parametrize(
    "bad",
    [("",), ("has space",), ("X" * 256,), ("é",), tuple(f"X-{i}" for i in range(17))],
    ids=["empty", "space", "too-long", "non-ascii", "too-many"],
)
def test_bad_property_names_raise_value_error(pair: tuple[Socket, Socket], bad: tuple[str, ...]) -> None:
    pull, push = pair
    push.send(b"kept")
    with pytest.raises(ValueError):
        pull.recv_multipart(properties=bad)
    with pytest.raises(ValueError):
        pull.recv_many(properties=bad)
    assert pull.recv_multipart() == [b"kept"]


def test_sixteen_names_of_ones_own_and_repeats_are_fine(pair: tuple[Socket, Socket]) -> None:
    pull, push = pair
    push.send(b"x")
    names = (*(f"X-{i}" for i in range(16)), "X-0", "Socket-Type", "User-Id")
    frames, props = pull.recv_multipart(properties=names)
    assert frames == [b"x"] and dict(props) == {}


def test_properties_false_and_nonblocking_and_closed(pair: tuple[Socket, Socket]) -> None:
    pull, push = pair
    # The annotations are checked by mypy: the overloads type each form of the call.
    nothing: tuple[list[Any], MessageProperties] | None = pull.recv_multipart(
        nonblocking=True, properties=True
    )
    assert nothing is None
    assert len(pull.recv_many(nonblocking=True, properties=True)) == 0
    push.send(b"x")
    plain: list[Any] = pull.recv_multipart(properties=False)
    assert plain == [b"x"]
    push.send(b"y")
    both: tuple[list[Any], MessageProperties] = pull.recv_multipart(properties=True, as_=memoryview)
    frames, props = both
    assert [bytes(f) for f in frames] == [b"y"] and props == {}
    push.send(b"z")
    frames, props = pull.recv_multipart(properties=True, as_=str)
    assert frames == ["z"]
    pull.close()
    with pytest.raises(SocketClosed):
        pull.recv_multipart(properties=True)
    with pytest.raises(SocketClosed):
        pull.recv_many(properties=("X-A",))


def test_message_properties_is_a_read_only_mapping() -> None:
    props = MessageProperties({"Socket-Type": "REQ"})
    assert props == {"Socket-Type": "REQ"} and list(props) == ["Socket-Type"]
    assert repr(props) == "MessageProperties({'Socket-Type': 'REQ'})"
    with pytest.raises(TypeError):
        props["Socket-Type"] = "REP"  # type: ignore[index]
    with pytest.raises(AttributeError):
        props.extra = 1  # type: ignore[attr-defined]
