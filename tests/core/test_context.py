"""zmq_version, has, default_context, set_io_threads, Context life cycle."""

from __future__ import annotations

import os

import pytest

from zmqrepl.core import (
    Context,
    ContextTerminated,
    Socket,
    ZMQError,
    default_context,
    has,
    zmq_version,
)
from zmqrepl.core.constants import Errno

from .support import assert_ok, run_py


def test_zmq_version_is_the_libzmq_in_use() -> None:
    version = zmq_version()
    assert isinstance(version, tuple) and len(version) == 3
    assert all(isinstance(p, int) for p in version)
    assert version >= (4, 3, 0)


def test_has_capabilities() -> None:
    assert has("ipc") is True
    assert has("curve") is True
    assert has("no-such-capability") is False
    with pytest.raises(TypeError, match="capability must be a str"):
        has(b"ipc")  # type: ignore[arg-type]


def test_default_context_is_one_per_process() -> None:
    a = default_context()
    assert isinstance(a, Context)
    assert default_context() is a
    s = Socket("pair")
    try:
        assert s.context is a
    finally:
        s.close()


def test_default_context_made_lazily() -> None:
    proc = run_py("""
        import zmqrepl.core as z
        from zmqrepl.core import context
        assert context._default is None, "made at import"
        s = z.Socket("pull")
        assert context._default is not None and s.context is context._default
        assert z.default_context() is s.context
        s.close()
        print("ok")
    """)
    assert_ok(proc)
    assert proc.stdout.strip() == "ok"


def test_default_context_is_new_in_forked_child() -> None:
    parent_ctx = default_context()
    pid = os.fork()
    if pid == 0:  # child: report through the exit code only
        code = 1
        try:
            child_ctx = default_context()
            code = 2
            if child_ctx is not parent_ctx and not child_ctx.closed:
                s = Socket("pair")
                s.bind("inproc://forked-default")
                code = 0 if s.context is child_ctx else 3
                s.close(linger=0)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status), f"child ended with status {status}"
    assert os.WEXITSTATUS(status) == 0
    assert default_context() is parent_ctx and not parent_ctx.closed


def test_set_io_threads_before_and_after_default_exists() -> None:
    proc = run_py("""
        import zmqrepl.core as z
        z.set_io_threads(2)
        assert z.default_context().io_threads == 2
        assert z.default_context().get(z.lib.ZMQ_IO_THREADS) == 2
        try:
            z.set_io_threads(3)
        except z.ZMQError as e:
            print("error:", e)
        else:
            print("no error")
        for bad, exc in ((-1, ValueError), ("2", TypeError), (True, TypeError)):
            try:
                z.set_io_threads(bad)
            except exc:
                pass
            else:
                print("accepted", repr(bad))
    """)
    assert_ok(proc)
    out = proc.stdout.strip()
    assert out.startswith("error:"), out
    assert "already exists" in out and "set_io_threads" in out


def test_context_io_threads() -> None:
    with Context(io_threads=2) as ctx:
        assert ctx.io_threads == 2
        assert ctx.get(ctx_opt_io_threads()) == 2
    with Context() as ctx:
        assert ctx.io_threads == 1
    with pytest.raises(TypeError):
        Context(io_threads="1")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Context(io_threads=-1)


def ctx_opt_io_threads() -> int:
    from zmqrepl.core._lib import lib

    return int(lib.ZMQ_IO_THREADS)


def test_context_zero_io_threads_works_for_inproc() -> None:
    with Context(io_threads=0) as ctx:
        a, b = ctx.socket("pair"), ctx.socket("pair")
        a.bind("inproc://zero-io")
        b.connect("inproc://zero-io")
        b.send(b"x")
        a.set("rcvtimeo", 2000)
        assert a.recv() == b"x"


def test_term_closes_idle_sockets_and_is_idempotent() -> None:
    ctx = Context()
    s = ctx.socket("pull")
    s.bind("inproc://term-idle")
    ctx.term()
    assert ctx.closed
    assert s.closed
    ctx.term()  # harmless
    # A socket closed by term() says why: its context ended (not a plain close).
    with pytest.raises(ContextTerminated, match="context was terminated"):
        s.recv(nonblocking=True)
    assert "closed" in repr(ctx) or "terminated" in repr(ctx)


def test_socket_on_terminated_context_raises() -> None:
    ctx = Context()
    ctx.term()
    with pytest.raises(ContextTerminated, match="terminated") as info:
        ctx.socket("pair")
    assert info.value.errno == Errno.ETERM
    with pytest.raises(ContextTerminated):
        Socket("pair", ctx)
    with pytest.raises(ContextTerminated):
        ctx.get(ctx_opt_io_threads())


def test_destroy_closes_sockets_with_queued_messages() -> None:
    ctx = Context()
    push = ctx.socket("push")
    push.connect("tcp://127.0.0.1:1")  # nobody there: messages stay queued
    for _ in range(5):
        push.send(b"queued", nonblocking=True)
    ctx.destroy(linger=0)  # would hang with the default infinite linger
    assert push.closed and ctx.closed


def test_context_manager_terms() -> None:
    with Context() as ctx:
        s = ctx.socket("rep")
        s.bind("inproc://cm")
        assert not ctx.closed
    assert ctx.closed and s.closed


def test_socket_rejects_non_context() -> None:
    with pytest.raises(TypeError, match="context must be a Context"):
        Socket("pair", "ctx")  # type: ignore[arg-type]


def test_repr_of_context() -> None:
    ctx = Context()
    s = ctx.socket("pair")
    assert "io_threads=1" in repr(ctx) and "1 sockets" in repr(ctx)
    s.close()
    ctx.term()
    assert "terminated" in repr(ctx)


def test_zmqerror_fields() -> None:
    err = ZMQError(Errno.EINVAL)
    assert err.errno == Errno.EINVAL
    assert err.strerror and str(err) == err.strerror


# --- Context.set / Context.get ------------------------------------------------


def test_context_options_by_name_and_number_agree() -> None:
    from zmqrepl.core._lib import lib

    with Context() as ctx:
        assert ctx.get("io_threads") == ctx.get(lib.ZMQ_IO_THREADS) == 1
        assert ctx.get("max_sockets") == ctx.get(lib.ZMQ_MAX_SOCKETS) == 1023
        assert ctx.get("ZMQ_MAX_SOCKETS") == ctx.get(" Max-Sockets ") == 1023
        assert ctx.get("socket_limit") >= ctx.get("max_sockets")
        assert ctx.get("msg_t_size") == 64
        assert ctx.get("thread_sched_policy") == -1  # libzmq's default reads as -1
        ctx.set("max_msgsz", 4096)
        assert ctx.get("max_msgsz") == 4096


def test_max_sockets_really_limits_the_sockets() -> None:
    with Context() as ctx:
        ctx.set("max_sockets", 2)
        assert ctx.get("max_sockets") == 2
        a, b = ctx.socket("pair"), ctx.socket("pair")
        with pytest.raises(ZMQError, match=r"already has its 2 sockets \(max_sockets\)") as info:
            ctx.socket("pair")
        assert info.value.errno == Errno.EMFILE
        a.close()
        b.close()


def test_io_threads_set_to_zero_before_the_first_socket_leaves_only_inproc() -> None:
    with Context() as ctx:
        ctx.set("io_threads", 0)
        assert ctx.io_threads == 0 and ctx.get("io_threads") == 0
        with pytest.raises(ZMQError, match="no I/O thread is available"):
            ctx.socket("pull").bind("tcp://127.0.0.1:*")
        a, b = ctx.socket("pair"), ctx.socket("pair")
        a.bind("inproc://no-io-threads")
        b.connect("inproc://no-io-threads")
        b.send(b"still works")
        a.set("rcvtimeo", 2000)
        assert a.recv() == b"still works"
        a.close()
        b.close()


@pytest.mark.parametrize("option", ["io_threads", "max_sockets"])
def test_start_options_are_refused_after_the_first_socket(option: str) -> None:
    with Context() as ctx:
        ctx.socket("pair").close()
        before = ctx.get(option)
        with pytest.raises(ZMQError, match=f"{option} can only be set before the context's first socket"):
            ctx.set(option, 4)
        assert ctx.get(option) == before and ctx.io_threads == 1


def test_ipv6_and_blocky_reach_new_sockets() -> None:
    with Context() as ctx:
        assert ctx.socket("pair").get("ipv6") is False
        ctx.set("ipv6", True)
        ctx.set("blocky", 0)
        assert ctx.get("ipv6") == 1 and ctx.get("blocky") == 0
        s = ctx.socket("dealer")
        assert s.get("ipv6") is True
        assert s.get("linger") == 0  # blocky off: new sockets linger 0 ms
        if has_ipv6_loopback():  # the machine may have no IPv6 at all
            assert s.bind("tcp://[::1]:*").startswith("tcp://[::1]:")
        s.close()


def has_ipv6_loopback() -> bool:
    import socket

    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.parametrize(
    ("option", "value", "exc", "message"),
    [
        ("bogus", 1, ValueError, "unknown context option 'bogus' \\(known: blocky, io_threads"),
        ("socket_limit", 10, ValueError, "context option socket_limit is read-only"),
        ("msg_t_size", 10, ValueError, "read-only"),
        ("io_threads", "2", TypeError, "context option io_threads takes an int, not str"),
        ("io_threads", 1.5, TypeError, "takes an int, not float"),
        (b"io_threads", 1, TypeError, "a context option is a name such as 'io_threads'"),
        ("io_threads", -1, ZMQError, "libzmq refused -1 for context option io_threads \\(hint: 0 or more\\)"),
        (
            "max_sockets",
            0,
            ZMQError,
            "refused 0 for context option max_sockets \\(hint: 1 up to socket_limit\\)",
        ),
        ("max_sockets", 2**40, ZMQError, "refused 1099511627776 for context option max_sockets"),
        (9999, 1, ZMQError, "refused 1 for context option number 9999"),
    ],
)
def test_bad_context_options_and_values_say_what_is_wrong(
    option: object, value: object, exc: type[Exception], message: str
) -> None:
    with Context() as ctx:
        with pytest.raises(exc, match=message):
            ctx.set(option, value)  # type: ignore[arg-type]
        assert ctx.get("io_threads") == 1 and ctx.get("max_sockets") == 1023  # unchanged


def test_reading_a_set_only_or_unknown_context_option() -> None:
    with Context() as ctx:
        with pytest.raises(ValueError, match="thread_priority can only be set"):
            ctx.get("thread_priority")
        with pytest.raises(ZMQError, match="cannot read context option number 9999"):
            ctx.get(9999)
    with pytest.raises(ContextTerminated):
        ctx.set("max_sockets", 10)
    with pytest.raises(ContextTerminated):
        ctx.get("max_sockets")
