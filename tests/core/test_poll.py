"""PollItem, poll, sock.fd / fileno / events (edge-triggered use)."""

from __future__ import annotations

import os
import select
import socket as pysocket
import threading
import time
from typing import Callable, Iterator

import pytest

from zmqrepl.core import Context, PollFlag, PollItem, Socket, poll

Make = Callable[[str, str], "tuple[Socket, Socket]"]


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    r, w = os.pipe()
    yield r, w
    os.close(r)
    os.close(w)


def test_poll_item_fields(ctx: Context, pipe: tuple[int, int]) -> None:
    s = ctx.socket("pull")
    item = PollItem(s, in_=True)
    assert item.socket is s and item.fd == -1
    assert item.events == PollFlag.POLLIN
    fd_item = PollItem(pipe[0], in_=True, out=True)
    assert fd_item.socket is None and fd_item.fd == pipe[0]
    assert fd_item.events == PollFlag.POLLIN | PollFlag.POLLOUT
    assert not (fd_item.readable or fd_item.writable or fd_item.error)
    assert "PULL" in repr(item) and f"fd {pipe[0]}" in repr(fd_item)


def test_poll_item_needs_a_flag(ctx: Context) -> None:
    with pytest.raises(ValueError, match="needs in_=True, out=True or both"):
        PollItem(ctx.socket("pull"))
    with pytest.raises(ValueError):
        PollItem(0, in_=False, out=False)


def test_poll_item_bad_sources() -> None:
    with pytest.raises(ValueError, match="must be 0 or more"):
        PollItem(-1, in_=True)
    with pytest.raises(TypeError, match="needs a Socket, an int fd or an object with fileno"):
        PollItem("stdin", in_=True)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        PollItem(True, in_=True)
    with pytest.raises(TypeError, match="takes PollItems"):
        poll([1], timeout=0)  # type: ignore[list-item]


def test_poll_socket_readable_writable(connected: Make) -> None:
    pull, push = connected("pull", "push")
    items = [PollItem(pull, in_=True), PollItem(push, out=True)]
    assert poll(items, timeout=0) == 1
    assert not items[0].readable and items[1].writable and not items[1].readable
    push.send(b"m")
    assert poll(items[:1], timeout=5000) == 1
    assert poll(items, timeout=0) == 2
    assert items[0].readable and not items[0].writable and not items[0].error
    assert pull.recv() == b"m"
    assert poll(items[:1], timeout=0) == 0
    assert not items[0].readable


def test_poll_timeouts(ctx: Context) -> None:
    s = ctx.socket("pull")
    items = [PollItem(s, in_=True)]
    start = time.monotonic()
    assert poll(items, timeout=0) == 0
    assert poll(items, timeout=0.0) == 0
    assert poll(items, timeout=120) == 0
    assert time.monotonic() - start >= 0.11  # the wait is in milliseconds, not microseconds
    assert not items[0].readable


def test_poll_none_blocks_until_ready(ctx: Context) -> None:
    pull, push = ctx.socket("pull"), ctx.socket("push")
    push.connect(pull.bind("inproc://poll-none"))
    timer = threading.Timer(0.25, push.send, args=(b"late",))
    timer.start()
    try:
        items = [PollItem(pull, in_=True)]
        start = time.monotonic()
        assert poll(items, timeout=None) == 1  # longer than one 50 ms slice
        assert time.monotonic() - start >= 0.2
        assert items[0].readable
        assert pull.recv() == b"late"
    finally:
        timer.join()


def test_poll_plain_pipe(pipe: tuple[int, int]) -> None:
    r, w = pipe
    items = [PollItem(r, in_=True), PollItem(w, out=True)]
    assert poll(items, timeout=0) == 1
    assert not items[0].readable and items[1].writable
    os.write(w, b"!")
    assert poll(items, timeout=1000) == 2
    assert items[0].readable


def test_poll_object_with_fileno(pipe: tuple[int, int]) -> None:
    r, w = pipe
    with os.fdopen(os.dup(r), "rb", buffering=0) as reader:
        item = PollItem(reader, in_=True)
        assert item.fd == reader.fileno() and item.socket is None
        assert poll([item], timeout=0) == 0
        os.write(w, b"x")
        assert poll([item], timeout=1000) == 1 and item.readable
    a, b = pysocket.socketpair()
    with a, b:
        item = PollItem(a, in_=True)
        b.send(b"y")
        assert poll([item], timeout=1000) == 1 and item.readable


def test_poll_error_flag_on_hung_up_pipe() -> None:
    r, w = os.pipe()
    os.close(r)
    try:
        item = PollItem(w, out=True)
        assert poll([item], timeout=1000) == 1
        assert item.error  # POLLERR: the reading end is gone
    finally:
        os.close(w)


def test_egg_example_poll_socket_and_pipe(ctx: Context, endpoint: str, pipe: tuple[int, int]) -> None:
    """The zmq egg's example: wait on a socket and a pipe at once, serve whichever is ready."""
    r, w = pipe
    rep, req = ctx.socket("rep"), ctx.socket("req")
    req.connect(rep.bind(endpoint))
    items = [PollItem(rep, in_=True), PollItem(r, in_=True)]
    got: list[str] = []

    def feed() -> None:
        req.send(b"from zmq")
        os.write(w, b"from pipe")

    feeder = threading.Thread(target=feed)
    feeder.start()
    deadline = time.monotonic() + 5
    while len(got) < 2 and time.monotonic() < deadline:
        poll(items, timeout=1000)
        if items[0].readable:
            got.append(rep.recv(as_=str))
            rep.send(b"ok")
        if items[1].readable:
            got.append(os.read(r, 100).decode())
    feeder.join()
    assert sorted(got) == ["from pipe", "from zmq"]
    req.set("rcvtimeo", 5000)
    assert req.recv() == b"ok"


def test_fd_fileno_events(connected: Make) -> None:
    pull, push = connected("pull", "push")
    fd = pull.fd
    assert isinstance(fd, int) and fd >= 0
    assert pull.fileno() == fd
    assert pull.events == PollFlag(0)
    assert push.events & PollFlag.POLLOUT
    push.send(b"1")
    deadline = time.monotonic() + 5
    while not pull.events & PollFlag.POLLIN and time.monotonic() < deadline:
        time.sleep(0.005)
    assert pull.events & PollFlag.POLLIN
    assert pull.recv() == b"1"
    assert not pull.events & PollFlag.POLLIN


def test_fd_edge_triggered_select_then_drain(connected: Make) -> None:
    """The documented use: select on fd, then receive while events has POLLIN."""
    pull, push = connected("pull", "push")
    for i in range(5):
        push.send(str(i))
    received: list[str] = []
    deadline = time.monotonic() + 5
    while len(received) < 5 and time.monotonic() < deadline:
        select.select([pull.fd], [], [], 0.5)
        while pull.events & PollFlag.POLLIN:
            received.append(pull.recv(as_=str))
    assert received == ["0", "1", "2", "3", "4"]
    # a socket also works as a select() object through fileno()
    push.send(b"again")
    deadline = time.monotonic() + 5
    while not pull.events & PollFlag.POLLIN and time.monotonic() < deadline:
        select.select([pull], [], [], 0.1)
    assert pull.recv() == b"again"
