"""The per-message helpers that keep the GIL (zmqrepl/core/csrc/hot.c).

recv() and send() take a queued message without handing the GIL over; these
tests pin down what must not change with that: a call that has to wait still
lets other Python threads run, errors still carry libzmq's errno, and frames
of every size on either side of the scratch buffer come back intact.
"""

from __future__ import annotations

import gc
import inspect
import platform
import sys
import threading
import time

import pytest

from zmqrepl.core import Again, Context, Socket, SocketBusy, SocketClosed, ZMQError
from zmqrepl.core.constants import Errno

from .support import assert_ok, run_py, wait_until

# Where a signal handler can run between a call into C and the next: CPython 3.11+ only at
# calls into Python functions and backward jumps; 3.9, 3.10 and PyPy also between others.
HANDLERS_ANYWHERE = platform.python_implementation() != "CPython" or sys.version_info < (3, 11)


def _pair(ctx: Context, name: str) -> tuple[Socket, Socket]:
    pull = ctx.socket("pull")
    pull.bind(f"inproc://{name}")
    push = ctx.socket("push")
    push.connect(f"inproc://{name}")
    return push, pull


class _Counter(threading.Thread):
    """Counts in pure Python until stopped: it only advances while it holds the GIL."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.count = 0
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            self.count += 1


def _share_of_free_run(call: object) -> float:
    """How far a counting thread gets while `call` waits (ten times, each ending in
    Again), as a share of how far it gets in the same time while this thread sleeps."""
    counter = _Counter()
    counter.start()
    time.sleep(0.05)
    before, t0 = counter.count, time.monotonic()
    time.sleep(0.3)
    free_rate = (counter.count - before) / (time.monotonic() - t0)
    before, t0 = counter.count, time.monotonic()
    for _ in range(10):
        with pytest.raises(Again):
            call()  # type: ignore[operator]
    elapsed = time.monotonic() - t0
    rate = (counter.count - before) / elapsed
    counter.stop = True
    counter.join()
    assert 0.3 < elapsed < 3.0
    return rate / free_rate


# Timeouts shorter than one wait slice (50 ms): the whole wait happens inside the
# first call into C, the one that keeps the GIL when a message is already queued.
# Waiting with the GIL held would leave the counter only the moments between calls.


def test_blocking_recv_lets_other_threads_run(ctx: Context) -> None:
    _, pull = _pair(ctx, "hot-recv-gil")
    pull.set("rcvtimeo", 40)
    assert _share_of_free_run(pull.recv) > 0.5


def test_blocking_send_lets_other_threads_run(ctx: Context) -> None:
    push = ctx.socket("push")
    push.set("sndtimeo", 40)
    push.bind("inproc://hot-send-gil")  # no peer ever connects: the send has to wait
    assert _share_of_free_run(lambda: push.send(b"x")) > 0.5


def test_recv_zero_timeout_and_nonblocking_return_at_once(ctx: Context) -> None:
    _, pull = _pair(ctx, "hot-empty")
    assert pull.recv(nonblocking=True) is None
    pull.set("rcvtimeo", 0)
    with pytest.raises(Again):
        pull.recv()


def test_send_zero_timeout_raises_again(ctx: Context) -> None:
    push = ctx.socket("push")
    push.set("sndtimeo", 0)
    push.bind("inproc://hot-send-zero")
    with pytest.raises(Again):
        push.send(b"x")


def test_errors_keep_their_errno(ctx: Context) -> None:
    rep = ctx.socket("rep")
    rep.bind("inproc://hot-efsm")
    with pytest.raises(ZMQError) as info:
        rep.send(b"too early")  # a REP must receive first
    assert info.value.errno == Errno.EFSM
    req = ctx.socket("req")
    req.connect("inproc://hot-efsm")
    with pytest.raises(ZMQError) as info:
        req.recv()  # a REQ must send first
    assert info.value.errno == Errno.EFSM


def test_closed_socket_is_refused(ctx: Context) -> None:
    push, pull = _pair(ctx, "hot-closed")
    pull.close()
    push.close()
    with pytest.raises(SocketClosed):
        pull.recv()
    with pytest.raises(SocketClosed):
        pull.recv(nonblocking=True)
    with pytest.raises(SocketClosed):
        push.send(b"x")


def _busy(sock: Socket) -> bool:
    """Whether another thread holds ``sock`` (blocked in a call): a harmless get says so."""
    try:
        sock.get("linger")
    except SocketBusy:
        return True
    return False


def test_socket_waiting_in_another_thread_is_busy(ctx: Context) -> None:
    _, pull = _pair(ctx, "hot-busy")
    pull.set("rcvtimeo", 600)
    outcome: list[BaseException] = []

    def wait() -> None:
        try:
            pull.recv()
        except Again as exc:
            outcome.append(exc)

    waiting = threading.Thread(target=wait)
    waiting.start()
    assert wait_until(lambda: _busy(pull)), "the waiter never held the socket"
    try:
        with pytest.raises(SocketBusy):
            pull.recv(nonblocking=True)
        with pytest.raises(SocketBusy):
            pull.recv()
    finally:
        waiting.join()
    assert len(outcome) == 1  # the waiter timed out as usual
    assert pull.recv(nonblocking=True) is None  # free again once the waiter gave up


@pytest.mark.parametrize("size", [0, 1, 2, 511, 512, 513, 4096, 65535, 65536, 70000])
def test_frames_round_trip_at_every_size(ctx: Context, size: int) -> None:
    push, pull = _pair(ctx, f"hot-size-{size}")
    payloads = [bytes((i + k) % 256 for i in range(size)) for k in range(3)]
    for payload in payloads:
        push.send(payload)
    assert [pull.recv() for _ in payloads] == payloads


def test_received_bytes_do_not_change_with_the_next_message(ctx: Context) -> None:
    push, pull = _pair(ctx, "hot-stable")
    push.send(b"first")
    push.send(b"second!")
    first = pull.recv()
    second = pull.recv()
    assert (first, second) == (b"first", b"second!")


@pytest.mark.parametrize(
    "take",
    [
        "got.append(pull.recv())",
        "got.append(bytes(pull.recv(as_=memoryview)))",
        "got.extend(pull.recv_multipart())",
        "got.extend(pull.recv_many(7).frames())",
    ],
)
def test_threads_taking_turns_on_one_socket_get_only_sent_frames(take: str) -> None:
    # Unsynchronised sharing may duplicate or miss a frame (README), but every value
    # must be a whole frame that was sent, of any size, and nothing may crash.
    proc = run_py(
        """
        import sys, threading
        from zmqrepl.core import Context, SocketBusy
        ctx = Context()
        pull = ctx.socket("pull"); pull.set("rcvhwm", 0); pull.set("rcvtimeo", 2000)
        pull.bind("inproc://shared")
        push = ctx.socket("push"); push.set("sndhwm", 0); push.connect("inproc://shared")
        sizes = [1, 100, 600, 70000]
        sent = {bytes([k % 251]) * sizes[k % 4] for k in range(4000)}
        for k in range(4000):
            push.send(bytes([k % 251]) * sizes[k % 4])
        got, busy = [], [0]
        def take():
            while len(got) < 3900:
                try:
                    TAKE
                except SocketBusy:
                    busy[0] += 1
        sys.setswitchinterval(1e-6)  # switch threads as often as CPython allows
        threads = [threading.Thread(target=take) for _ in range(3)]
        for t in threads: t.start()
        for t in threads: t.join()
        bad = [f if f is None else (len(f), f[:3]) for f in got if f not in sent]
        assert not bad, bad[:5]
        print(len(got), busy[0])
        ctx.destroy(linger=0)
    """.replace("TAKE", take),
        timeout=120,
    )
    assert_ok(proc)


@pytest.mark.parametrize(
    "take",
    [
        "pull.recv(True)",
        "pull.recv(True, as_=memoryview)",
        "pull.recv_multipart(nonblocking=True)",
        "pull.recv_many(5, nonblocking=True)",
    ],
)
def test_exception_from_a_signal_handler_never_leaves_the_socket_held(take: str) -> None:
    # A handler that raises runs right after a call into C returns, before any
    # Python clean-up: the socket must still be free for other threads afterwards.
    # PyPy and CPython before 3.11 run handlers also between the return of a receive
    # that keeps the socket until its frames are copied out (ZR_HOLD: all but recv() of
    # bytes) and the call that lets go: there the socket is free again once this thread
    # makes its next call (README, "Interpreters").
    proc = run_py(
        """
        import signal, threading, time
        from zmqrepl.core import Context
        class Boom(Exception):
            pass
        armed = [False]
        def handler(signum, frame):
            if armed[0]:
                armed[0] = False  # here: the next signal may land before the except clause runs
                raise Boom()
        signal.signal(signal.SIGALRM, handler)
        ctx = Context()
        pull = ctx.socket("pull"); pull.set("rcvhwm", 0); pull.bind("inproc://s")
        push = ctx.socket("push"); push.set("sndhwm", 0); push.connect("inproc://s")
        for _ in range(20):
            push.send_many([b"x" * 10] * 1000)
        def other_thread_can_receive():
            outcome = []
            def other():
                try:
                    pull.recv(True)
                    outcome.append("ok")
                except Exception as exc:
                    outcome.append(type(exc).__name__)
            thread = threading.Thread(target=other); thread.start(); thread.join()
            return outcome[0] == "ok"
        # A signal every 0.5 ms from a kernel timer: a Python thread sending them would
        # need the GIL for each, which PyPy hands over too seldom (8 exceptions in 2 s).
        signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0005)
        booms, deadline = 0, time.monotonic() + 2
        while time.monotonic() < deadline:
            try:
                armed[0] = True
                TAKE
                armed[0] = False
            except Boom:
                armed[0] = False
                booms += 1
                if not other_thread_can_receive():
                    assert not STRICT, f"socket left held after {booms} exceptions"
                    pull.recv(True)  # this thread's next call takes the socket back, and lets go
                    assert other_thread_can_receive(), "socket still held after this thread's next call"
        signal.setitimer(signal.ITIMER_REAL, 0)
        assert booms > 50, booms
        pull.close(); push.close(); ctx.destroy(linger=0)
        print(booms)
    """.replace("TAKE", take).replace("STRICT", str(take == "pull.recv(True)" or not HANDLERS_ANYWHERE)),
        timeout=60,
    )
    assert_ok(proc)


# On CPython, Socket.recv is a method written in C (csrc/hot.c, zr_hot_install_recv) that
# takes a queued frame itself and hands every other call to the Python recv.


def test_recv_keeps_its_signature_and_docs() -> None:
    params = inspect.signature(Socket.recv).parameters
    assert list(params)[1:] == ["nonblocking", "as_"]
    assert params["nonblocking"].default is False and params["as_"].default is None
    assert (Socket.recv.__doc__ or "").startswith("Receive one frame, as bytes.")
    made_in_c = type(Socket.recv).__name__ == "method_descriptor"
    assert made_in_c == (platform.python_implementation() == "CPython")


def test_recv_in_order_across_waits_and_queued_frames(ctx: Context) -> None:
    # After a recv that found nothing and waited, the next calls go straight to waiting
    # (in Python) for a while, then back to taking queued frames (in C): no frame may be
    # lost, repeated or reordered across those hand-overs.
    push, pull = _pair(ctx, "hot-handover")
    pull.set("rcvtimeo", 20)
    for round_ in range(4):
        with pytest.raises(Again):
            pull.recv()
        frames = [b"%d-%d" % (round_, k) for k in range(25)]
        for frame in frames:
            push.send(frame)
        got = [pull.recv() for _ in frames]
        assert got == frames
    assert pull.recv(nonblocking=True) is None


def test_recv_arguments_reach_the_python_recv(ctx: Context) -> None:
    push, pull = _pair(ctx, "hot-args")
    push.send("é")
    push.send(b"x")
    assert pull.recv(False, as_=str) == "é"
    assert pull.recv(nonblocking=True, as_=lambda view, size: (bytes(view), size)) == (b"x", 1)
    with pytest.raises(TypeError, match="positional"):
        pull.recv(True, None, 1)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="bogus"):
        pull.recv(bogus=1)  # type: ignore[call-overload]


def test_recv_of_subclasses_bound_methods_and_unset_sockets(ctx: Context) -> None:
    class Plain(Socket):  # a __dict__ of its own besides the slots
        note: str

    sub = Plain("pull", ctx)
    sub.bind("inproc://hot-sub")
    sub.note = "kept"
    push = ctx.socket("push")
    push.connect("inproc://hot-sub")
    recv = sub.recv
    del sub  # the bound method keeps its socket alive, as a Python method would
    gc.collect()
    push.send(b"through a subclass")
    push.send(b"unbound")
    assert recv() == b"through a subclass"
    assert Socket.recv(recv.__self__) == b"unbound"  # type: ignore[attr-defined]
    assert recv(True) is None
    with pytest.raises(AttributeError):
        Socket.__new__(Socket).recv()  # never initialised: no state to read, no crash
    with pytest.raises((TypeError, AttributeError)):  # C checks the type; a Python method finds no _st
        Socket.recv(object())  # type: ignore[call-overload]
