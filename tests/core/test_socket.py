"""Socket creation, close and finalizer, endpoints, repr."""

from __future__ import annotations

import gc
import sys
import typing

import pytest

from zmqrepl.core import Context, Socket, SocketType, ZMQError
from zmqrepl.core.constants import Errno

from .support import wait_until

NAMES = {
    "pull": SocketType.PULL,
    "push": SocketType.PUSH,
    "pair": SocketType.PAIR,
    "pub": SocketType.PUB,
    "sub": SocketType.SUB,
    "req": SocketType.REQ,
    "rep": SocketType.REP,
    "xreq": SocketType.DEALER,
    "xrep": SocketType.ROUTER,
    "dealer": SocketType.DEALER,
    "router": SocketType.ROUTER,
    "xpub": SocketType.XPUB,
    "xsub": SocketType.XSUB,
    "stream": SocketType.STREAM,
}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_socket_by_name(ctx: Context, name: str) -> None:
    s = Socket(name, ctx)
    assert isinstance(s, Socket)
    assert s.type is NAMES[name]
    assert s.get("type") == int(NAMES[name])  # libzmq agrees
    s.close()


@pytest.mark.parametrize("kind", list(SocketType))
def test_socket_by_enum_and_ctx_socket(ctx: Context, kind: SocketType) -> None:
    s = ctx.socket(kind)
    assert s.type is kind and s.context is ctx
    assert s.get("type") == int(kind)
    t = ctx.socket(int(kind))
    assert t.type is kind


def test_socket_name_is_case_insensitive(ctx: Context) -> None:
    assert ctx.socket("XREP").type is SocketType.ROUTER
    assert ctx.socket(" Dealer ").type is SocketType.DEALER


def test_socket_default_context() -> None:
    from zmqrepl.core import default_context

    s = Socket("pair")
    assert s.context is default_context()
    s.close()


@pytest.mark.parametrize(
    "bad, exc, words",
    [
        ("nope", ValueError, "unknown socket type 'nope'"),
        (99, ValueError, "unknown socket type number 99"),
        (1.0, TypeError, "socket type must be a name"),
        (None, TypeError, "socket type must be a name"),
        (True, TypeError, "socket type must be a name"),
    ],
)
def test_bad_socket_type(ctx: Context, bad: object, exc: type[Exception], words: str) -> None:
    with pytest.raises(exc, match=words):
        ctx.socket(bad)  # type: ignore[arg-type]


def test_close_is_idempotent(ctx: Context) -> None:
    s = ctx.socket("pull")
    assert not s.closed
    s.close()
    assert s.closed
    s.close()
    s.close(linger=0)
    assert s.closed


def test_close_with_linger_and_bad_linger(ctx: Context) -> None:
    s = ctx.socket("push")
    with pytest.raises(TypeError, match="linger must be an int"):
        s.close(linger="0")  # type: ignore[arg-type]
    assert not s.closed
    s.close(linger=0)
    assert s.closed


def test_socket_as_context_manager(ctx: Context) -> None:
    with ctx.socket("pair") as s:
        assert not s.closed
    assert s.closed


def _rebind_works(ctx: Context, ep: str) -> bool:
    probe = ctx.socket("pull")
    try:
        probe.bind(ep)
        return True
    except ZMQError as e:
        assert e.errno == Errno.EADDRINUSE
        return False
    finally:
        probe.close(linger=0)


def test_finalizer_closes_unreferenced_socket(ctx: Context) -> None:
    s = ctx.socket("pull")
    ep = s.bind("tcp://127.0.0.1:*")
    with pytest.raises(ZMQError, match="already in use") as info:
        ctx.socket("pull").bind(ep)
    assert info.value.errno == Errno.EADDRINUSE
    del s, info
    gc.collect()
    # libzmq closes the listener in its reaper thread: give it a moment.
    assert wait_until(lambda: _rebind_works(ctx, ep), timeout=5)


def test_finalizer_lets_context_term(ctx: Context) -> None:
    other = Context()
    s = other.socket("pub")
    s.bind("inproc://finalized")
    del s
    gc.collect()
    other.term()  # would block for ever on a socket left open
    assert other.closed


def test_bind_connect_last_endpoint(ctx: Context, endpoint: str) -> None:
    a, b = ctx.socket("pair"), ctx.socket("pair")
    resolved = a.bind(endpoint)
    assert a.last_endpoint == resolved
    if endpoint.startswith("tcp"):
        assert resolved.startswith("tcp://127.0.0.1:") and not resolved.endswith("*")
    else:
        assert resolved == endpoint
    b.connect(resolved)
    assert b.last_endpoint == resolved
    assert a.endpoints == ([resolved], [])
    assert b.endpoints == ([], [resolved])
    b.send(b"hi")
    a.set("rcvtimeo", 5000)
    assert a.recv() == b"hi"


def test_disconnect_and_unbind(ctx: Context, endpoint: str) -> None:
    pull, push = ctx.socket("pull"), ctx.socket("push")
    ep = pull.bind(endpoint)
    push.connect(ep)
    push.disconnect(ep)
    assert push.endpoints == ([], [])
    with pytest.raises(ZMQError, match="not connected to") as info:
        push.disconnect(ep)
    assert info.value.errno == Errno.ENOENT
    pull.unbind(ep)
    assert pull.endpoints == ([], [])
    with pytest.raises(ZMQError, match="not bound to"):
        pull.unbind(ep)
    # the address is free again
    again = ctx.socket("pull")
    assert wait_until(lambda: _try_bind(again, ep), timeout=5)


def _try_bind(s: Socket, ep: str) -> bool:
    try:
        s.bind(ep)
        return True
    except ZMQError:
        return False


# ipc is left out: libzmq replaces an existing ipc socket file on bind.
@pytest.mark.parametrize("endpoint", ["inproc://zmqrepl-in-use", "tcp://127.0.0.1:*"])
def test_bind_address_in_use(ctx: Context, endpoint: str) -> None:
    a = ctx.socket("pull")
    ep = a.bind(endpoint)
    with pytest.raises(ZMQError, match="already in use") as info:
        ctx.socket("pull").bind(ep)
    assert info.value.errno == Errno.EADDRINUSE


@pytest.mark.parametrize(
    "bad, exc, words",
    [
        ("nonsense", ZMQError, "invalid endpoint"),
        ("foo://bar", ZMQError, "unsupported transport"),
        ("tcp://127.0.0.1:notaport", ZMQError, "invalid endpoint"),
        ("tcp://127.0.0.1:5\0", ValueError, "NUL"),
        (5555, TypeError, "endpoint must be a str"),
        (b"tcp://127.0.0.1:5555", TypeError, "endpoint must be a str"),
    ],
)
def test_bad_endpoints(ctx: Context, bad: object, exc: type[Exception], words: str) -> None:
    s = ctx.socket("pair")
    with pytest.raises(exc, match=words):
        s.bind(bad)  # type: ignore[arg-type]
    with pytest.raises(exc):
        s.connect(bad)  # type: ignore[arg-type]
    assert not s.closed


def test_bind_missing_ipc_directory(ctx: Context) -> None:
    with pytest.raises(ZMQError, match="does not exist"):
        ctx.socket("pull").bind("ipc:///nonexistent-zmqrepl-dir/x/y")


def test_repr_shows_type_endpoints_and_state(ctx: Context, endpoint: str) -> None:
    a, b = ctx.socket("push"), ctx.socket("pull")
    ep = a.bind(endpoint)
    b.connect(ep)
    assert repr(a) == f"<zmqrepl.core.Socket PUSH bound={ep} open>"
    assert repr(b) == f"<zmqrepl.core.Socket PULL connected={ep} open>"
    a.close()
    assert "PUSH" in repr(a) and repr(a).endswith(" closed>")


def test_repr_after_context_term() -> None:
    c = Context()
    s = c.socket("sub")
    c.term()
    assert repr(s) == "<zmqrepl.core.Socket SUB closed (its context was terminated)>"


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda s: s.send(b"x", 1, 2, 3), "Socket.send()"),
        (lambda s: s.recv(1, 2, 3), "Socket.recv()"),
        (lambda s: s.recv(bogus=1), "Socket.recv()"),
        (lambda s: s.recv_multipart(1, 2, 3, 4), "Socket.recv_multipart()"),
        (lambda s: s.send_multipart(), "Socket.send_multipart()"),
    ],
)
def test_a_wrong_call_names_socket(ctx: Context, call: typing.Callable[[Socket], object], name: str) -> None:
    with ctx.socket("pair") as sock:
        with pytest.raises(TypeError) as err:
            call(sock)
        # Python 3.9 names the function alone ("recv() got ..."), 3.10 on its qualified name.
        said = name if sys.version_info >= (3, 10) else name.split(".", 1)[1]
        assert str(err.value).startswith(said), err.value
