"""send / recv / multipart / timeouts / error messages, over every transport."""

from __future__ import annotations

import array
import time
from typing import Callable

import pytest

from zmqrepl.core import Again, Context, Frame, Socket, ZMQError
from zmqrepl.core.constants import Errno

Make = Callable[[str, str], "tuple[Socket, Socket]"]


def test_send_str_bytes_bytearray_memoryview(connected: Make) -> None:
    pull, push = connected("pull", "push")
    push.send("héllo")
    push.send(b"bytes")
    push.send(bytearray(b"bytearray"))
    push.send(memoryview(b"xxmemoryviewxx")[2:-2])
    push.send(array.array("B", [1, 2, 3]))  # type: ignore[arg-type]  # any buffer, not only Frame
    push.send(b"")
    assert pull.recv() == "héllo".encode()
    assert pull.recv() == b"bytes"
    assert pull.recv() == b"bytearray"
    assert pull.recv() == b"memoryview"
    assert pull.recv() == b"\x01\x02\x03"
    assert pull.recv() == b""


def test_large_message(connected: Make) -> None:
    pull, push = connected("pull", "push")
    big = bytes(range(256)) * 8192  # 2 MB
    push.send(big)
    assert pull.recv() == big


@pytest.mark.parametrize("bad", [5, None, 3.5, object(), ["list"]])
def test_send_non_buffer_is_type_error(connected: Make, bad: object) -> None:
    pull, push = connected("pull", "push")
    with pytest.raises(TypeError, match="a frame must be str or a bytes-like object"):
        push.send(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="a frame must be str or a bytes-like object"):
        push.send_multipart([b"ok", bad])  # type: ignore[list-item]
    push.send(b"still fine")
    assert pull.recv() == b"still fine"
    assert pull.recv(nonblocking=True) is None  # nothing half-sent


def test_nonblocking_send_that_would_block_raises_again(ctx: Context) -> None:
    push = ctx.socket("push")  # no peer at all
    with pytest.raises(Again, match="cannot send now") as info:
        push.send(b"x", nonblocking=True)
    assert info.value.errno == Errno.EAGAIN
    assert isinstance(info.value, ZMQError)
    with pytest.raises(Again):
        push.send_multipart([b"a", b"b"], nonblocking=True)


def test_nonblocking_send_full_queue(connected: Make) -> None:
    pull, push = connected("pull", "push")
    push.set("sndhwm", 1)
    pull.set("rcvhwm", 1)
    with pytest.raises(Again):
        for _ in range(100_000):
            push.send(b"fill", nonblocking=True)
    assert pull.recv() == b"fill"


def test_more_and_sock_more(connected: Make) -> None:
    pull, push = connected("pull", "push")
    push.send(b"a", more=True)
    push.send("b", more=True)
    push.send(b"c")
    assert pull.recv() == b"a" and pull.more is True
    assert pull.get("rcvmore") is True
    assert pull.recv() == b"b" and pull.more is True
    assert pull.recv() == b"c" and pull.more is False
    assert pull.get("rcvmore") is False


def test_send_multipart_and_recv_multipart(connected: Make) -> None:
    pull, push = connected("pull", "push")
    parts: list[Frame] = [b"one", "two", bytearray(b"three"), memoryview(b"four"), b""]
    push.send_multipart(parts)
    push.send_multipart(iter([b"single"]))
    assert pull.recv_multipart() == [b"one", b"two", b"three", b"four", b""]
    assert pull.recv_multipart(as_=str) == ["single"]
    assert pull.recv_multipart(nonblocking=True) is None
    with pytest.raises(ValueError, match="at least one frame"):
        push.send_multipart([])


def test_recv_multipart_after_single_frames(connected: Make) -> None:
    pull, push = connected("pull", "push")
    push.send_multipart([b"x", b"y"])
    assert pull.recv() == b"x" and pull.more
    assert pull.recv() == b"y" and not pull.more


def test_recv_as_str_and_bytes(connected: Make) -> None:
    pull, push = connected("pull", "push")
    push.send("grüß")
    push.send(b"raw")
    assert pull.recv(as_=str) == "grüß"
    got = pull.recv(as_=bytes)
    assert got == b"raw" and type(got) is bytes


def test_recv_as_callable_gets_readonly_view_and_size(connected: Make) -> None:
    pull, push = connected("pull", "push")
    push.send(b"payload")
    seen: list[object] = []

    def as_(view: memoryview, size: int) -> int:
        seen.append(view)
        assert isinstance(view, memoryview) and view.readonly
        assert size == 7 and bytes(view) == b"payload"
        with pytest.raises(TypeError):
            view[0] = 0  # type: ignore[index]
        return size * 2

    assert pull.recv(as_=as_) == 14
    view = seen[0]
    assert isinstance(view, memoryview)
    with pytest.raises(ValueError):
        bytes(view)  # released after the call: no read of freed memory
    with pytest.raises(ValueError):
        view[0]


def test_recv_callable_view_escaping_is_released(connected: Make) -> None:
    pull, push = connected("pull", "push")
    push.send(b"abc")
    view = pull.recv(as_=lambda v, n: v)
    with pytest.raises(ValueError):
        view.tobytes()
    # slices taken inside the call keep their frame alive, and stay correct
    push.send(b"0123456789")
    part = pull.recv(as_=lambda v, n: v[2:5])
    push.send(b"ZZZZZZZZZZ")  # reuses the socket's message
    assert pull.recv() == b"ZZZZZZZZZZ"
    assert bytes(part) == b"234"


def test_recv_multipart_as_callable(connected: Make) -> None:
    pull, push = connected("pull", "push")
    push.send_multipart([b"ab", b"cde"])
    views: list[memoryview] = []

    def as_(view: memoryview, size: int) -> tuple[bytes, int]:
        views.append(view)
        return bytes(view), size

    assert pull.recv_multipart(as_=as_) == [(b"ab", 2), (b"cde", 3)]
    for v in views:
        with pytest.raises(ValueError):
            bytes(v)


def test_recv_bad_as(connected: Make) -> None:
    pull, push = connected("pull", "push")
    push.send(b"x")
    with pytest.raises(TypeError, match="as_ must be bytes, str, memoryview or a callable"):
        pull.recv(as_=5)  # type: ignore[call-overload]  # wrong on purpose


def test_nonblocking_recv_with_nothing_returns_none(connected: Make) -> None:
    pull, push = connected("pull", "push")
    assert pull.recv(nonblocking=True) is None
    assert pull.recv(nonblocking=True, as_=str) is None
    assert pull.recv_multipart(nonblocking=True) is None
    push.send(b"now")
    deadline = time.monotonic() + 5
    got = None
    while got is None and time.monotonic() < deadline:
        got = pull.recv(nonblocking=True)
    assert got == b"now"


def test_rcvtimeo_raises_again_with_clear_message(connected: Make) -> None:
    pull, _ = connected("pull", "push")
    pull.set("rcvtimeo", 50)
    start = time.monotonic()
    with pytest.raises(Again, match=r"recv on PULL socket timed out after 50 ms \(rcvtimeo\)"):
        pull.recv()
    assert time.monotonic() - start >= 0.045
    with pytest.raises(Again, match="timed out after 50 ms"):
        pull.recv_multipart()
    pull.set("rcvtimeo", 0)
    with pytest.raises(Again, match="nothing to receive"):
        pull.recv()


def test_sndtimeo_raises_again_with_clear_message(ctx: Context) -> None:
    push = ctx.socket("push")
    push.set("sndtimeo", 50)
    with pytest.raises(Again, match=r"send on PUSH socket timed out after 50 ms \(sndtimeo\)"):
        push.send(b"nobody")
    with pytest.raises(Again, match="timed out"):
        push.send_multipart([b"a", b"b"])


def test_req_rep_and_efsm_messages(connected: Make) -> None:
    rep, req = connected("rep", "req")
    with pytest.raises(ZMQError, match="a REP socket must receive a request") as info:
        rep.send(b"too early")
    assert info.value.errno == Errno.EFSM
    with pytest.raises(ZMQError, match="a REQ socket must send a request before it can receive"):
        req.recv()
    req.send(b"ping")
    with pytest.raises(ZMQError, match="a REQ socket must receive the reply before it sends again"):
        req.send(b"ping again")
    assert rep.recv() == b"ping"
    with pytest.raises(ZMQError, match="a REP socket must send its reply"):
        rep.recv()
    rep.send(b"pong")
    assert req.recv(as_=str) == "pong"


def test_router_unroutable(connected: Make) -> None:
    router, _ = connected("router", "dealer")
    router.set("router_mandatory", True)
    with pytest.raises(ZMQError, match="no connected peer has that routing id") as info:
        router.send_multipart([b"nobody", b"x"])
    assert info.value.errno == Errno.EHOSTUNREACH


def test_recv_on_push_is_not_supported(connected: Make) -> None:
    _, push = connected("pull", "push")
    with pytest.raises(ZMQError, match="PUSH socket does not support recv") as info:
        push.recv()
    assert info.value.errno == Errno.ENOTSUP


def test_dealer_router_multipart_roundtrip(connected: Make) -> None:
    router, dealer = connected("xrep", "xreq")
    dealer.send_multipart([b"", b"req"])
    ident, empty, body = router.recv_multipart()
    assert (empty, body) == (b"", b"req")
    router.send_multipart([ident, b"", b"rep"])
    assert dealer.recv_multipart() == [b"", b"rep"]
