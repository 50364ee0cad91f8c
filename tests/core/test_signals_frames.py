"""A message is never cut by a signal. libzmq can fail any frame's call with EINTR (a
signal landing in its command poll), the frames after a message's first too; the core
must then neither read the rest as a new message nor send a message short. A storm of
SIGUSR1 at the thread that receives, forwards or sends, with a pyzmq peer in another
process at the other end; every message must arrive whole, once, in order."""

from __future__ import annotations

import signal
import sys
import threading
import time
from typing import Callable, Iterator

import pytest

from tests.peers import Peer
from zmqrepl.core import Context, Socket, forward

N = 100000


def _message(i: int) -> list[bytes]:
    return [f"{i}".encode(), b"middle", bytes(i % 50)]


@pytest.fixture
def storm() -> Iterator[Callable[[threading.Thread], threading.Thread]]:
    """``storm(thread)``: a thread that sends SIGUSR1 at ``thread`` every 20 us or so until
    it ends (a no-op handler, installed without SA_RESTART as Python does: the calls of
    ``thread`` get EINTR). Join it, then check; the handler is restored in teardown."""
    old = signal.signal(signal.SIGUSR1, lambda *_: None)
    # The storming thread needs the GIL for each signal; PyPy hands it over less often than
    # CPython (144 signals in one run), so threads switch more often for the storm.
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    sent = [0]

    def start(target: threading.Thread) -> threading.Thread:
        def run() -> None:
            while target.is_alive():
                try:
                    signal.pthread_kill(target.ident or 0, signal.SIGUSR1)
                except ProcessLookupError:
                    break
                sent[0] += 1
                time.sleep(0.00002)

        stormer = threading.Thread(target=run)
        stormer.start()
        return stormer

    try:
        yield start
    finally:
        signal.signal(signal.SIGUSR1, old)
        sys.setswitchinterval(old_interval)
    assert sent[0] > 300, f"only {sent[0]} signals were sent: the storm proves nothing"


def _pusher(start_peer: Callable[..., Peer], endpoint: str) -> Peer:
    peer = start_peer()
    peer.call("socket", name="p", type="PUSH", options=[["SNDHWM", 0]])
    peer.call("connect", sock="p", endpoint=endpoint)
    return peer


def _in_thread(work: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    return threading.Thread(target=run), errors


def test_recv_multipart_and_recv_many_never_split_a_message(
    ctx: Context, start_peer: Callable[..., Peer], storm: Callable[[threading.Thread], threading.Thread]
) -> None:
    pull = ctx.socket("pull")
    pull.set("rcvtimeo", 10000)
    pusher = _pusher(start_peer, pull.bind("tcp://127.0.0.1:*"))
    got: list[list[bytes]] = []

    def receive() -> None:
        while len(got) < N:
            if len(got) % 2:
                got.append(pull.recv_multipart())
            else:
                got.extend(list(pull.recv_many(50)))

    thread, errors = _in_thread(receive)
    thread.start()
    stormer = storm(thread)
    pusher.call("send_many", sock="p", messages=[[f.hex() for f in _message(i)] for i in range(N)])
    thread.join(60)
    stormer.join()
    assert errors == []
    assert got == [_message(i) for i in range(N)]


def test_forward_never_splits_a_message(
    ctx: Context, start_peer: Callable[..., Peer], storm: Callable[[threading.Thread], threading.Thread]
) -> None:
    src, dst, consumer = ctx.socket("pull"), ctx.socket("push"), ctx.socket("pull")
    consumer.set("rcvtimeo", 10000)
    dst.set("sndhwm", 0)
    consumer.set("rcvhwm", 0)
    consumer.connect(dst.bind("tcp://127.0.0.1:*"))
    pusher = _pusher(start_peer, src.bind("tcp://127.0.0.1:*"))
    moved = [0, 0]
    deadline = time.monotonic() + 30

    def pass_on() -> None:
        while moved[0] < N and time.monotonic() < deadline:
            done = forward(src, dst, 100)
            assert done.held is None
            moved[0] += done.count
            moved[1] += done.nbytes

    thread, errors = _in_thread(pass_on)
    thread.start()
    stormer = storm(thread)
    pusher.call("send_many", sock="p", messages=[[f.hex() for f in _message(i)] for i in range(N)])
    thread.join(60)
    stormer.join()
    assert errors == []
    assert moved == [N, sum(len(f) for i in range(N) for f in _message(i))]
    assert [consumer.recv_multipart() for _ in range(N)] == [_message(i) for i in range(N)]


def test_send_multipart_never_sends_a_message_short(
    ctx: Context, start_peer: Callable[..., Peer], storm: Callable[[threading.Thread], threading.Thread]
) -> None:
    puller = start_peer()
    puller.call("socket", name="q", type="PULL", options=[["RCVHWM", 0]])
    endpoint = puller.call("bind", sock="q", endpoint="tcp://127.0.0.1:*")
    push: Socket = ctx.socket("push")
    push.set("sndhwm", 0)
    push.set("sndtimeo", 10000)
    push.connect(endpoint)

    def send() -> None:
        for i in range(N):
            push.send_multipart(_message(i))

    thread, errors = _in_thread(send)
    thread.start()
    storm(thread).join()
    assert errors == []
    got = puller.call("recv", sock="q", count=N + 1, timeout=3000, reply_within=60)
    assert [[bytes.fromhex(f) for f in m] for m in got["messages"]] == [_message(i) for i in range(N)]
