"""sock.set / sock.get: names, enums, aliases, value types, removed options."""

from __future__ import annotations

import pytest

from zmqrepl.core import REMOVED_OPTIONS, Context, Option, ValueType, ZMQError, curve_keypair, z85_decode
from zmqrepl.core.constants import Errno


@pytest.mark.parametrize(
    "option, value",
    [
        ("linger", 250),
        ("sndhwm", 7),
        ("rcvhwm", 9),
        ("rate", 200),
        ("recovery_ivl", 5000),
        ("sndbuf", 65536),
        ("rcvbuf", 32768),
        ("reconnect_ivl", 50),
        ("backlog", 10),
        ("rcvtimeo", 300),
        ("sndtimeo", 400),
        ("tos", 8),
        ("handshake_ivl", 1500),
        ("heartbeat_ivl", 100),
        ("connect_timeout", 200),
    ],
)
def test_int_options_by_name(ctx: Context, option: str, value: int) -> None:
    s = ctx.socket("dealer")
    s.set(option, value)
    got = s.get(option)
    assert got == value and type(got) is int


def test_option_by_enum_and_number(ctx: Context) -> None:
    s = ctx.socket("dealer")
    s.set(Option.LINGER, 11)
    assert s.get(Option.LINGER) == 11
    s.set(int(Option.LINGER), 12)
    assert s.get(int(Option.LINGER)) == 12
    assert s.get("LINGER") == 12 and s.get("Linger") == 12


def test_int64_and_uint64_options(ctx: Context) -> None:
    s = ctx.socket("pull")
    assert Option.MAXMSGSIZE.value_type is ValueType.INT64
    s.set("maxmsgsize", 2**40)
    assert s.get("maxmsgsize") == 2**40
    s.set("maxmsgsize", -1)
    assert s.get("maxmsgsize") == -1
    s.set("affinity", 2**63 + 5)
    assert s.get("affinity") == 2**63 + 5
    with pytest.raises(ValueError, match="affinity must be between 0"):
        s.set("affinity", -1)
    with pytest.raises(ValueError, match="linger must be between"):
        s.set("linger", 2**31)


def test_hwm_sets_both(ctx: Context) -> None:
    s = ctx.socket("push")
    s.set("hwm", 42)
    assert s.get("sndhwm") == 42 and s.get("rcvhwm") == 42
    assert s.get("hwm") == 42
    s.set("rcvhwm", 1)
    with pytest.raises(ValueError, match="HWM differ"):
        s.get("hwm")


def test_identity_is_routing_id(ctx: Context) -> None:
    s = ctx.socket("dealer")
    assert Option.from_name("identity") is Option.ROUTING_ID
    s.set("identity", b"peer-1")
    assert s.get("routing_id") == b"peer-1"
    s.set("routing_id", "peer-2")  # str is UTF-8
    assert s.get("identity") == b"peer-2"
    s.set(Option.ROUTING_ID, bytearray(b"\x00bin"))  # type: ignore[arg-type]  # any bytes-like
    assert s.get(Option.ROUTING_ID) == b"\x00bin"


def test_routing_id_reaches_router(ctx: Context, endpoint: str) -> None:
    router, dealer = ctx.socket("router"), ctx.socket("xreq")
    router.set("rcvtimeo", 5000)
    dealer.set("identity", b"me")
    dealer.connect(router.bind(endpoint))
    dealer.send(b"hello")
    assert router.recv_multipart() == [b"me", b"hello"]


def test_bool_options(ctx: Context) -> None:
    s = ctx.socket("dealer")
    s.set("immediate", True)
    assert s.get("immediate") is True
    s.set("immediate", 0)
    assert s.get("immediate") is False
    s.set("ipv6", True)
    assert s.get("ipv6") is True
    with pytest.raises(TypeError, match="takes True/False"):
        s.set("immediate", "yes")
    with pytest.raises(ValueError, match="between 0 and 1"):
        s.set("immediate", 2)


def test_string_options(ctx: Context) -> None:
    s = ctx.socket("dealer")
    s.set("zap_domain", "global")
    assert s.get("zap_domain") == "global"
    s.set("plain_username", b"admin")
    assert s.get("plain_username") == "admin"
    assert s.get("mechanism") == 1  # ZMQ_PLAIN
    # libzmq aborts the process when such a proxy refuses a connection: refused here
    with pytest.raises(ZMQError, match=r"socks_proxy is not supported here.*\(hint: "):
        s.set("socks_proxy", "127.0.0.1:1080")
    assert s.get("socks_proxy") == ""


def test_subscribe_and_unsubscribe(ctx: Context, endpoint: str) -> None:
    pub, sub = ctx.socket("pub"), ctx.socket("sub")
    sub.set("rcvtimeo", 100)
    sub.set("subscribe", "news")
    sub.set("subscribe", b"weather")
    sub.connect(pub.bind(endpoint))
    # the subscription travels asynchronously: publish until one arrives
    for _ in range(100):
        pub.send(b"news: hi")
        try:
            if sub.recv() == b"news: hi":
                break
        except ZMQError:
            continue
    else:
        pytest.fail("subscription never took effect")
    pub.send(b"sport: no")
    pub.send(b"weather: sun")
    while True:
        got = sub.recv()
        if got != b"news: hi":
            break
    assert got == b"weather: sun"
    sub.set("unsubscribe", "weather")
    with pytest.raises(ValueError, match="write-only"):
        sub.get("subscribe")


def test_curve_key_options(ctx: Context) -> None:
    public, secret = curve_keypair()
    s = ctx.socket("dealer")
    s.set("curve_server", True)
    assert s.get("curve_server") is True
    assert s.get("mechanism") == 2  # ZMQ_CURVE
    s.set("curve_secretkey", secret)
    assert s.get("curve_secretkey") == secret
    s.set("curve_publickey", z85_decode(public))  # 32 raw bytes
    assert s.get("curve_publickey") == public
    s.set("curve_serverkey", public.decode())  # str
    assert s.get("curve_serverkey") == public
    with pytest.raises(ValueError, match="CURVE key: 32 bytes or 40 Z85"):
        s.set("curve_serverkey", b"short")
    with pytest.raises(TypeError, match="takes bytes or str"):
        s.set("curve_serverkey", 12345)


@pytest.mark.parametrize(
    "option, value, words",
    [
        ("linger", "100", "option linger takes an int, not str"),
        ("linger", 1.5, "takes an int"),
        ("linger", True, "takes an int"),
        ("linger", None, "takes an int"),
        ("routing_id", 5, "option routing_id takes bytes or str, not int"),
        ("maxmsgsize", 1.0, "takes an int"),
    ],
)
def test_value_type_checked(ctx: Context, option: str, value: object, words: str) -> None:
    s = ctx.socket("dealer")
    with pytest.raises(TypeError, match=words):
        s.set(option, value)  # type: ignore[arg-type]


def test_unknown_and_readonly_options(ctx: Context) -> None:
    s = ctx.socket("dealer")
    with pytest.raises(ValueError, match="unknown socket option 'colour'"):
        s.set("colour", 1)
    with pytest.raises(ValueError, match="unknown socket option 'colour'"):
        s.get("colour")
    with pytest.raises(ValueError, match="unknown socket option number 9999"):
        s.get(9999)
    with pytest.raises(TypeError, match="option must be a name or an Option"):
        s.get(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rcvmore is read-only"):
        s.set("rcvmore", 1)
    with pytest.raises(ValueError, match="read-only"):
        s.set("fd", 1)


def test_libzmq_rejects_value(ctx: Context) -> None:
    s = ctx.socket("dealer")
    with pytest.raises(ZMQError, match="libzmq refused -5 for option sndhwm") as info:
        s.set("sndhwm", -5)
    assert info.value.errno == Errno.EINVAL
    # and the socket is fine afterwards
    s.set("sndhwm", 5)
    assert s.get("sndhwm") == 5


@pytest.mark.parametrize("name", ["swap", "mcast_loop", "mcast-loop", "MCAST_LOOP", "recovery_ivl_msec"])
def test_removed_options_say_so(ctx: Context, name: str) -> None:
    s = ctx.socket("pub")
    with pytest.raises(ValueError, match="removed in libzmq 3"):
        s.set(name, 1)
    with pytest.raises(ValueError, match="removed in libzmq 3"):
        s.get(name)
    assert name.lower().replace("-", "_") in REMOVED_OPTIONS


def test_every_readable_option_can_be_read(ctx: Context) -> None:
    s = ctx.socket("dealer")
    skipped_by_libzmq = {Option.USE_FD}
    for opt in Option:
        if not opt.readable or opt in skipped_by_libzmq:
            continue
        try:
            value = s.get(opt)
        except ZMQError as e:
            # options of transports or mechanisms this libzmq build lacks
            assert e.errno == Errno.EINVAL, (opt, e)
            continue
        kind = opt.value_type
        expected = {
            ValueType.BOOL: bool,
            ValueType.BYTES: bytes,
            ValueType.CURVE_KEY: bytes,
            ValueType.STR: str,
        }.get(kind, int)
        assert type(value) is expected, (opt, value)
