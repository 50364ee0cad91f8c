"""Shutdown never hangs on messages queued to a dead peer (issue 6, item 4).

Every hang-prone case runs in a child process with a timeout, or is timed against a
generous bound: the session's default linger is 1000 ms, so quit/unload take about 1 s.
"""

from __future__ import annotations

import signal
import socket as pysocket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.peers import Peer
from tests.support import executed
from zmqrepl.session import DEFAULT_LINGER_MS, DEFAULT_MAXMSGSIZE, Session

from .rel_support import ROOT, child_env, run_py, run_shell

# A generous wall-clock bound for "returns within ~2 s" (1 s linger + slack for a busy CI box).
QUIT_BOUND_S = 4.0


def dead_endpoint() -> str:
    """A TCP endpoint nobody listens on (a port just released)."""
    with pysocket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"


def killed_pull_peer(pypeer: Peer) -> str:
    """A pyzmq PULL peer that was SIGKILLed after binding: connections to it are dead."""
    pypeer.call("socket", name="pull", type="PULL")
    endpoint: str = pypeer.call("bind", sock="pull", endpoint="tcp://127.0.0.1:*")
    return endpoint


DESTROY_CASES = {
    # ctx.destroy() with its default arguments; the sockets keep libzmq's infinite linger.
    "destroy_default": "ctx.destroy()",
    # ctx.destroy(linger=None) keeps each socket's own linger: set to 500 ms below.
    "destroy_own_linger": "[s.set('linger', 500) for s in socks]; ctx.destroy(linger=None)",
    "term_after_close_linger_0": "[s.close(linger=0) for s in socks]; ctx.term()",
}


@pytest.mark.parametrize("peer_kind", ["never_there", "killed_pyzmq_peer"])
@pytest.mark.parametrize("case", sorted(DESTROY_CASES))
def test_context_destroy_with_queued_messages_to_dead_peer(
    case: str, peer_kind: str, pypeer: Callable[[], Peer]
) -> None:
    if peer_kind == "never_there":
        endpoint = dead_endpoint()
        peer = None
    else:
        peer = pypeer()
        endpoint = killed_pull_peer(peer)
    code = f"""
        import os, sys, time
        from zmqrepl.core import Again, Context
        ctx = Context()
        socks = [ctx.socket(kind) for kind in ("push", "dealer", "pub")]
        for s in socks:
            s.set("sndhwm", 100000)
            s.connect({endpoint!r})
        socks[0].send(b"first")
        print("connected", flush=True)
        sys.stdin.readline()            # the parent kills the peer in between
        queued = 0
        for i in range(20000):
            for s in socks:
                try:
                    s.send_multipart([b"queued", b"%d" % i], nonblocking=True)
                    queued += 1
                except Again:
                    pass  # no pipe (the dead peer's connection is gone): nothing to queue
        t0 = time.monotonic()
        {DESTROY_CASES[case]}
        print("done %.3f s, %d messages were queued" % (time.monotonic() - t0, queued), flush=True)
    """
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
        cwd=str(ROOT),
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "connected"
        if peer is not None:
            assert peer.recv("pull", timeout=10000) == [b"first"]  # connected; now it dies
            peer.proc.send_signal(signal.SIGKILL)
            peer.proc.wait(timeout=10)
        child.stdin.write("go\n")
        child.stdin.flush()
        out, err = child.communicate(timeout=15)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
    assert child.returncode == 0, err
    assert out.startswith("done "), (out, err)
    print(f"{case}/{peer_kind}: {out.strip()}")


EXIT_CASES = {
    # Interpreter exit with an open own Context, sockets full of messages for nobody.
    "own_context_open": """
        from zmqrepl.core import Context
        ctx = Context()
        for kind in ("push", "dealer"):
            s = ctx.socket(kind); s.set("sndhwm", 100000); s.connect(EP)
            for i in range(50000): s.send(b"q" * 64, nonblocking=True)
    """,
    # A Session never closed: its engine (a daemon thread) is polling at exit.
    "session_not_closed": """
        from zmqrepl.session import Session
        s = Session()
        s.run(f"socket p push; connect p {EP}; set p sndhwm 100000")
        for i in range(200): s.execute("send p queued")
    """,
    # A Session closed explicitly: close() waits at most the 1000 ms default linger.
    "session_closed": """
        from zmqrepl.session import Session
        s = Session()
        s.run(f"socket p push; connect p {EP}; socket d dealer; connect d {EP}")
        for i in range(100): s.run("send p queued; send d queued")
        s.close()
    """,
}


@pytest.mark.parametrize("case", sorted(EXIT_CASES))
def test_interpreter_exit_with_queued_messages_to_dead_peer(case: str) -> None:
    code = (
        f"EP = {dead_endpoint()!r}\n" + textwrap.dedent(EXIT_CASES[case]) + "\nprint('exiting', flush=True)\n"
    )
    t0 = time.monotonic()
    proc = run_py(code, timeout=20)  # TimeoutExpired (a hang) fails the test
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "exiting"
    assert "Traceback" not in proc.stderr
    print(f"{case}: child ran and exited in {elapsed:.2f} s")


def test_session_close_with_queued_messages_is_bounded_by_default_linger() -> None:
    s = Session()
    assert s.linger == DEFAULT_LINGER_MS == 1000
    ep = dead_endpoint()
    s.run(f"socket p push; connect p {ep}; socket d dealer; connect d {ep}")
    for _ in range(50):
        s.run("send p queued; send d queued")
    t0 = time.monotonic()
    results = s.run("quit")
    elapsed = time.monotonic() - t0
    assert results[-1].quit and s.closed
    assert elapsed < QUIT_BOUND_S, f"quit took {elapsed:.2f} s"
    print(f"session quit with queued messages: {elapsed:.2f} s")


def test_shell_quit_with_queued_messages_returns(tmp_path: Path) -> None:
    ep = dead_endpoint()
    script = (
        "\n".join(
            [
                "socket p push",
                f"connect p {ep}",
                "socket d dealer",
                f"connect d {ep}",
                *["send p queued", "send d queued"] * 50,
                "sockets",
                "quit",
            ]
        )
        + "\n"
    )
    # -c, a script file and stdin: all three end the same way.
    (tmp_path / "s.zmq").write_text(script, encoding="utf-8")
    for args, stdin in (
        (["-c", script.replace("\n", "; ").rstrip("; ")], None),
        ([str(tmp_path / "s.zmq")], None),
        ([], script),
    ):
        t0 = time.monotonic()
        proc = run_shell(args, stdin=stdin, timeout=30, home=tmp_path)
        elapsed = time.monotonic() - t0
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
        assert "linger=1000" in proc.stdout and f"maxmsgsize={DEFAULT_MAXMSGSIZE}" in proc.stdout
        # start-up (~1 s of imports on a slow box) + 1 s linger, with slack
        assert elapsed < QUIT_BOUND_S + 4, f"zmqrepl {args[:1]} took {elapsed:.2f} s"
        print(f"zmqrepl {'stdin' if stdin else args[0]}: whole run incl. quit {elapsed:.2f} s")


def test_magics_unload_with_queued_messages_returns(ipython: Any) -> None:
    ep = dead_endpoint()
    for line in ("socket p push", f"connect p {ep}", "socket d dealer", f"connect d {ep}"):
        ipython.run_line_magic("zmq", line)
    for _ in range(50):
        ipython.run_line_magic("zmq", "send p queued")
        ipython.run_line_magic("zmq", "send d queued")
    magics = ipython.magics_manager.registry["ZmqMagics"]
    session = magics.session
    t0 = time.monotonic()
    ipython.run_line_magic("unload_ext", "zmqrepl")
    elapsed = time.monotonic() - t0
    assert session.closed
    assert elapsed < QUIT_BOUND_S, f"unload took {elapsed:.2f} s"
    print(f"%unload_ext with queued messages: {elapsed:.2f} s")


def test_sockets_table_shows_default_linger_and_maxmsgsize(ipython: Any, tmp_path: Path) -> None:
    s = Session()
    try:
        s.run("socket a pub; socket b sub")
        for info in s.sockets():
            assert "linger=1000" in info.options and f"maxmsgsize={64 * 1024 * 1024}" in info.options
        assert executed(s, "get a linger").value == 1000
        assert executed(s, "get a maxmsgsize").value == 64 * 1024 * 1024
        s.execute("set a maxmsgsize 1000")
        assert "maxmsgsize=1000" in s.sockets()[0].options
    finally:
        s.close()
    proc = run_shell(["-c", "socket a pub; sockets"], timeout=30, home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    header, row = lines[-3], lines[-1]
    assert "options" in header and "linger=1000" in row and "maxmsgsize=67108864" in row, proc.stdout
    ipython.run_line_magic("zmq", "socket a pub")
    table = ipython.run_line_magic("zmq", "sockets")
    assert "linger=1000" in table[0].options and "maxmsgsize=67108864" in table[0].options
    assert "linger=1000" in table._repr_html_()
    assert ipython.run_line_magic("zmq", "get a linger") == 1000
