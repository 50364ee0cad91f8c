"""The issue's Safety section: no Python call may crash the interpreter."""

from __future__ import annotations

import gc
import os
import textwrap
import threading
import time
from typing import Any, Callable

import pytest

from zmqrepl.core import (
    Context,
    ContextTerminated,
    PollItem,
    Socket,
    SocketBusy,
    SocketClosed,
    ZMQError,
    poll,
    proxy,
)
from zmqrepl.core.constants import Errno

from .support import assert_not_signalled, assert_ok, run_py, wait_blocked

CALLS: dict[str, Callable[[Socket], Any]] = {
    "bind": lambda s: s.bind("inproc://closed"),
    "connect": lambda s: s.connect("inproc://closed"),
    "unbind": lambda s: s.unbind("inproc://closed"),
    "disconnect": lambda s: s.disconnect("inproc://closed"),
    "set": lambda s: s.set("linger", 0),
    "set_hwm": lambda s: s.set("hwm", 5),
    "get": lambda s: s.get("linger"),
    "fd": lambda s: s.fd,
    "fileno": lambda s: s.fileno(),
    "events": lambda s: s.events,
    "last_endpoint": lambda s: s.last_endpoint,
    "send": lambda s: s.send(b"x"),
    "send_nonblocking": lambda s: s.send(b"x", nonblocking=True),
    "send_str": lambda s: s.send("x", more=True),
    "send_multipart": lambda s: s.send_multipart([b"a", b"b"]),
    "recv": lambda s: s.recv(),
    "recv_nonblocking": lambda s: s.recv(nonblocking=True),
    "recv_callable": lambda s: s.recv(as_=lambda v, n: n),
    "recv_multipart": lambda s: s.recv_multipart(),
    "poll": lambda s: poll([PollItem(s, in_=True)], timeout=0),
    "poll_blocking": lambda s: poll([PollItem(s, in_=True)]),
    "monitor": lambda s: s.monitor(),
    "proxy": lambda s: proxy(s, s),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_every_call_on_closed_socket_raises_socket_closed(ctx: Context, call: str) -> None:
    s = ctx.socket("pair")
    s.close()
    with pytest.raises(SocketClosed, match="PAIR socket is closed; make a new socket") as info:
        CALLS[call](s)
    assert isinstance(info.value, ZMQError) and info.value.errno == Errno.ENOTSOCK
    assert s.more is False and "closed" in repr(s)


@pytest.mark.parametrize("call", sorted(CALLS))
def test_every_call_after_context_term_raises(call: str) -> None:
    c = Context()
    s = c.socket("pair")
    c.term()
    with pytest.raises(ZMQError, match="context was terminated"):
        CALLS[call](s)


def _blocked_then_term(
    block: Callable[[Socket], Any], kind: str = "pull", keeps_socket: bool = True
) -> tuple[list[Any], Socket]:
    c = Context()
    s = c.socket(kind)
    s.bind("inproc://blocked")
    result: list[Any] = []
    started = threading.Event()

    def run() -> None:
        started.set()
        try:
            result.append(block(s))
        except BaseException as e:  # noqa: BLE001 - handed to the test thread
            result.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    started.wait()
    wait_blocked(s, keeps_socket)  # waiting inside libzmq, past its first slice
    terminator = threading.Thread(target=c.term, daemon=True)
    terminator.start()
    terminator.join(5)
    assert not terminator.is_alive(), "ctx.term() hung"
    t.join(5)
    assert not t.is_alive()
    return result, s


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "block",
    [
        lambda s: s.recv(),
        lambda s: s.recv_multipart(),
        lambda s: s.recv(as_=str),
        lambda s: poll([PollItem(s, in_=True)]),
    ],
    ids=["recv", "recv_multipart", "recv_str", "poll"],
)
def test_blocked_call_raises_context_terminated(
    block: Callable[[Socket], Any], request: pytest.FixtureRequest
) -> None:
    # (test_close_race.py makes term() meet each call at its worst moment.)
    result, s = _blocked_then_term(block, keeps_socket="poll" not in request.node.name)
    assert len(result) == 1 and isinstance(result[0], ContextTerminated), result
    assert result[0].errno == Errno.ETERM
    assert "context was terminated" in str(result[0])
    assert s.closed


@pytest.mark.timeout(20)
def test_blocked_send_raises_context_terminated() -> None:
    result, s = _blocked_then_term(lambda s: s.send(b"nobody takes this"), kind="push")
    assert isinstance(result[0], ContextTerminated), result
    assert s.closed


def _blocked_in_recv(ctx: Context) -> tuple[Socket, Socket, threading.Thread, list[Any]]:
    pull, push = ctx.socket("pull"), ctx.socket("push")
    push.connect(pull.bind("inproc://busy"))
    got: list[Any] = []
    t = threading.Thread(target=lambda: got.append(pull.recv()), daemon=True)
    t.start()
    wait_blocked(pull)
    return pull, push, t, got


@pytest.mark.parametrize("call", ["send", "get", "set", "recv", "poll", "fd"])
def test_socket_used_from_two_threads_raises_busy(ctx: Context, call: str) -> None:
    pull, push, t, got = _blocked_in_recv(ctx)
    action: dict[str, Callable[[], Any]] = {
        "send": lambda: pull.send(b"x"),
        "get": lambda: pull.get("linger"),
        "set": lambda: pull.set("linger", 0),
        "recv": lambda: pull.recv(nonblocking=True),
        "poll": lambda: poll([PollItem(pull, in_=True)], timeout=0),
        "fd": lambda: pull.fd,
    }
    with pytest.raises(SocketBusy, match="in use by another thread") as info:
        action[call]()
    assert info.value.errno == Errno.EBUSY
    assert not pull.closed
    push.send(b"wake")  # the blocked recv is untouched and completes
    t.join(5)
    assert got == [b"wake"]
    pull.close()  # and now closing works


def test_busy_socket_destroy_wakes_the_blocked_thread() -> None:
    c = Context()
    pull, push = c.socket("pull"), c.socket("push")
    push.connect(pull.bind("inproc://busy-destroy"))
    got: list[BaseException] = []

    def run() -> None:
        try:
            pull.recv()
        except ZMQError as e:
            got.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    wait_blocked(pull)
    c.destroy(linger=0)  # the recv closes its socket at its next slice
    t.join(5)
    assert not t.is_alive() and pull.closed and push.closed
    assert len(got) == 1 and isinstance(got[0], ContextTerminated)


def test_fork_child_cannot_touch_parent_socket(ctx: Context) -> None:
    pull, push = ctx.socket("pull"), ctx.socket("push")
    push.connect(pull.bind("tcp://127.0.0.1:*"))
    pull.set("rcvtimeo", 5000)
    push.send(b"before fork")
    pid = os.fork()
    if pid == 0:
        code = 10
        try:
            failures = 0
            for fn in (
                lambda: push.send(b"from child"),
                lambda: pull.recv(),
                lambda: pull.get("linger"),
                lambda: poll([PollItem(pull, in_=True)], timeout=0),
            ):
                try:
                    fn()
                    failures += 1
                except ZMQError as e:
                    if "parent process" not in str(e) and not isinstance(e, SocketClosed):
                        failures += 1
            push.close()  # harmless no-op: it must not close the parent's socket
            ctx.term()  # forgotten: must not terminate the parent's context
            del pull, push
            gc.collect()
            # the child makes its own sockets
            mine = Context()
            a, b = mine.socket("pair"), mine.socket("pair")
            b.connect(a.bind("inproc://child"))
            b.send(b"child ok")
            a.set("rcvtimeo", 2000)
            code = failures if a.recv() == b"child ok" else 11
            mine.destroy()
            solo = Socket("pair")  # the child's own default context
            solo.close()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status), status
    assert os.WEXITSTATUS(status) == 0
    # the parent's sockets still work, with the message queued before the fork
    assert pull.recv() == b"before fork"
    push.send(b"after fork")
    assert pull.recv() == b"after fork"
    assert not ctx.closed


def test_wrong_types_and_values(ctx: Context) -> None:
    s = ctx.socket("dealer")
    with pytest.raises(ValueError, match="unknown socket option"):
        s.set("bogus", 1)
    with pytest.raises(TypeError, match="takes an int"):
        s.set("sndhwm", "10")
    with pytest.raises(ValueError, match="unknown socket type"):
        ctx.socket("bogus")
    with pytest.raises(ZMQError, match="invalid endpoint"):
        s.connect("tcp://")
    with pytest.raises(TypeError, match="a frame must be str or a bytes-like object, not int"):
        s.send(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="linger must be an int"):
        s.close(linger=1.5)  # type: ignore[arg-type]
    assert not s.closed


def test_gc_of_sockets_in_threads() -> None:
    c = Context()

    def churn() -> None:
        for i in range(30):
            s = c.socket("push" if i % 2 else "pull")
            if i % 3 == 0:
                s.bind(f"inproc://churn-{threading.get_ident()}-{i}")
            del s
            if i % 10 == 0:
                gc.collect()

    threads = [threading.Thread(target=churn) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    gc.collect()
    c.term()  # every dropped socket was closed by its finalizer
    assert c.closed


# --- crash-prone misuse, each in its own interpreter ------------------------------

MISUSE = {
    "use_after_close": """
        from zmqrepl.core import Socket, ZMQError
        s = Socket("req"); s.bind("tcp://127.0.0.1:*"); s.close()
        for f in (lambda: s.send(b"x"), lambda: s.recv(), lambda: s.fd, lambda: s.set("linger", 1),
                  lambda: s.bind("inproc://x"), lambda: s.recv_multipart()):
            try:
                f()
            except ZMQError:
                pass
            else:
                raise SystemExit("no error")
        print("ok")
    """,
    "close_during_blocked_recv": """
        # close() from another thread: the blocked recv ends with SocketClosed
        import threading, time
        from zmqrepl.core import Context, SocketClosed
        c = Context(); s = c.socket("pull"); s.bind("inproc://x")
        got = []
        def run():
            try:
                s.recv()
            except SocketClosed as e:
                got.append(e)
        t = threading.Thread(target=run, daemon=True); t.start()
        time.sleep(0.1)
        for _ in range(20):
            s.close()
        t.join(5)
        assert len(got) == 1 and s.closed, got
        c.term()
        print("ok")
    """,
    "send_non_buffer": """
        from zmqrepl.core import Again, Socket
        s = Socket("pair"); s.bind("inproc://x")
        for bad in (1, None, object(), 1.5, [b"a"], {"a": 1}):
            try:
                s.send(bad)
            except TypeError:
                pass
        for bad in (3, None):
            try:
                s.send_multipart([b"a", bad])
            except TypeError:
                pass
        try:
            s.send_multipart([b"a", "b"], nonblocking=True)  # no peer: Again, not a block
        except Again:
            pass
        print("ok")
    """,
    "poll_closed_socket": """
        from zmqrepl.core import Socket, PollItem, poll, SocketClosed
        s = Socket("pull"); item = PollItem(s, in_=True); s.close()
        for timeout in (0, 10, None):
            try:
                poll([item], timeout=timeout)
            except SocketClosed:
                pass
        print("ok")
    """,
    "use_after_term": """
        from zmqrepl.core import Context, ZMQError
        c = Context(); s = c.socket("pub"); s.bind("tcp://127.0.0.1:*"); c.term()
        for f in (lambda: s.send(b"x"), lambda: s.recv(), lambda: c.socket("pub"),
                  lambda: s.close(), lambda: c.destroy(), lambda: s.events):
            try:
                f()
            except ZMQError:
                pass
        print("ok")
    """,
    "gc_sockets_in_threads": """
        import gc, threading
        from zmqrepl.core import Socket
        def work():
            for i in range(50):
                s = Socket("dealer"); s.connect("tcp://127.0.0.1:1"); s.send(b"x", nonblocking=True)
                if i % 7 == 0: gc.collect()
        ts = [threading.Thread(target=work) for _ in range(4)]
        [t.start() for t in ts]; [t.join() for t in ts]
        gc.collect()
        print("ok")
    """,
    "finalizer_races_with_destroy": """
        # a dying Socket is still reachable through its context's WeakSet while
        # __del__ runs; using or closing it from another thread must not crash
        import threading
        from zmqrepl.core import Context, ZMQError
        from zmqrepl.core._process import snapshot
        ctx = Context()
        def churn():
            for i in range(3000):
                s = ctx.socket("pair")
                try:
                    s.set("linger", 0)
                except ZMQError:
                    pass
                del s
        ts = [threading.Thread(target=churn) for _ in range(2)]
        [t.start() for t in ts]
        import time
        while any(t.is_alive() for t in ts):
            for s in snapshot(ctx._sockets):
                try:
                    s.get("linger"); s.close(linger=0)
                except ZMQError:
                    pass
            time.sleep(0)  # a bare spin would starve the churn threads of the GIL
        [t.join() for t in ts]
        ctx.destroy()
        print("ok")
    """,
    "view_kept_after_recv": """
        from zmqrepl.core import Socket
        a, b = Socket("pair"), Socket("pair"); a.bind("inproc://v"); b.connect("inproc://v")
        views = []
        for i in range(100):
            b.send(b"x" * 1000)
            v = a.recv(as_=lambda v, n: v)
            try:
                v.tobytes()
            except ValueError:
                pass
            views.append(a.recv(as_=lambda v, n: v[1:]) if b.send(b"y" * 100) is None else None)
        assert all(bytes(v) == b"y" * 99 for v in views)
        print("ok")
    """,
}


@pytest.mark.parametrize("name", sorted(MISUSE))
def test_misuse_in_subprocess_never_crashes(name: str) -> None:
    proc = run_py(MISUSE[name], timeout=30)
    assert_not_signalled(proc)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok", proc.stdout


EXIT_CASES = {
    "unclosed_default_socket": """
        from zmqrepl.core import Socket
        s = Socket("push"); s.connect("tcp://127.0.0.1:1")
        for _ in range(10): s.send(b"queued")
    """,
    "dropped_default_socket": """
        import gc
        from zmqrepl.core import Socket
        def f():
            s = Socket("push"); s.connect("tcp://127.0.0.1:1")
            for _ in range(10): s.send(b"queued")
        f(); gc.collect()
    """,
    "unclosed_own_context": """
        from zmqrepl.core import Context
        ctx = Context(); s = ctx.socket("dealer"); s.connect("ipc:///tmp/zmqrepl-nobody-here")
        s.send_multipart([b"a", b"b"])
    """,
    "dead_peer": """
        import time
        from zmqrepl.core import Socket
        pull = Socket("pull"); ep = pull.bind("tcp://127.0.0.1:*")
        push = Socket("push"); push.set("sndhwm", 100000); push.connect(ep)
        push.send(b"first"); assert pull.recv() == b"first"
        pull.close(linger=0)
        for _ in range(1000): push.send(b"x" * 100, nonblocking=True)
    """,
    "thread_blocked_in_recv": """
        import threading, time
        from zmqrepl.core import Socket
        s = Socket("pull"); s.bind("inproc://exit")
        threading.Thread(target=s.recv, daemon=True).start(); time.sleep(0.1)
    """,
}


@pytest.mark.parametrize("name", sorted(EXIT_CASES))
def test_exit_with_open_sockets_does_not_hang(name: str) -> None:
    # run_py's timeout turns a hang into a test failure (TimeoutExpired)
    proc = run_py(textwrap.dedent(EXIT_CASES[name]) + "\nprint('exiting')\n", timeout=8)
    assert_ok(proc)
    assert proc.stdout.strip() == "exiting"


def test_sockets_in_garbage_cycles_are_closed_without_use_after_free() -> None:
    # In a garbage cycle the collector runs finalizers in any order; closing used to
    # happen in Socket.__del__, which could run after cffi freed the C state.
    proc = run_py("""
        import gc, socket as pysocket
        from zmqrepl.core import Context
        ctx = Context()
        ports = []
        for i in range(300):
            s = ctx.socket("pull")
            ep = s.bind("tcp://127.0.0.1:*")
            ports.append(int(ep.rsplit(":", 1)[1]))
            if i % 3 == 0:
                s.monitor()  # Socket <-> Monitor is a cycle of its own
            box = [s]
            box.append(box)  # and one made by hand
            del s, box
            if i % 50 == 0:
                gc.collect()
        gc.collect()
        ctx.term()  # returns only once every socket has been closed
        probe = pysocket.socket()
        probe.bind(("127.0.0.1", ports[-1]))  # the last port is free again
        print("ok")
    """)
    assert_ok(proc)
    assert proc.stdout.strip() == "ok"


@pytest.mark.timeout(20)
@pytest.mark.parametrize("linger", [None, 0])
def test_pending_recv_whose_socket_is_closed_gets_socket_closed_promptly(linger: int | None) -> None:
    c = Context()
    pull = c.socket("pull")
    pull.bind("inproc://pending-closed")
    got: list[BaseException] = []

    def run() -> None:
        try:
            pull.recv()
        except ZMQError as e:
            got.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    wait_blocked(pull)
    t0 = time.monotonic()
    pull.close(linger=linger)  # from this thread: the recv closes it at its next slice
    took = time.monotonic() - t0
    t.join(5)
    assert not t.is_alive() and pull.closed
    assert len(got) == 1 and isinstance(got[0], SocketClosed), got
    assert "PULL socket is closed; make a new socket" in str(got[0])
    assert took < 5.0
    with pytest.raises(SocketClosed):
        pull.recv(nonblocking=True)
    c.term()
