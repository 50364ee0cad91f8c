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
    from zmqrepl.core import lib

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
