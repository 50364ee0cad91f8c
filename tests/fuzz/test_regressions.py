"""The crashes and hangs the fuzzer (or the analysis around it) found, each replayed
in a child process so that an abort or a hang fails the test instead of pytest."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PROGRAMS = {
    # libzmq asserts (!has_out_pipe (routing_id), stream.cpp / router.cpp) and aborts
    # when a connect_routing_id repeats one of the socket's peers.
    "stream_same_connect_routing_id_twice": """
        s = ctx.socket("stream"); s.set("linger", 0)
        s.set("connect_routing_id", b"bb"); s.connect("tcp://127.0.0.1:5555")
        s.set("connect_routing_id", b"bb"); s.connect("tcp://127.0.0.1:5556")
    """,
    "router_same_connect_routing_id_twice": """
        s = ctx.socket("router"); s.set("linger", 0)
        s.set("connect_routing_id", b"bb"); s.connect("tcp://127.0.0.1:5555")
        s.set("connect_routing_id", b"bb"); s.connect("inproc://nobody")
    """,
    "stream_connect_routing_id_of_an_accepted_peer": """
        srv = ctx.socket("stream"); srv.set("linger", 0); srv.set("rcvtimeo", 5000)
        ep = srv.bind("tcp://127.0.0.1:*")
        c = ctx.socket("stream"); c.set("linger", 0); c.connect(ep)
        rid = srv.recv_multipart()[0]  # the connect notification names the peer
        srv.set("connect_routing_id", rid); srv.connect("tcp://127.0.0.1:5557")
    """,
    # term() hung for ever when another thread was inside a short call on one of
    # the context's sockets at the moment term() closed them.
    "term_while_another_thread_uses_a_socket": """
        import threading, time
        for i in range(300):
            c = Context()
            s = c.socket("pull"); s.set("linger", 0); s.bind("inproc://x")
            stop = threading.Event()
            def hammer():
                while not stop.is_set():
                    try:
                        s.get("type")
                    except ZMQError:
                        return
            t = threading.Thread(target=hammer); t.start()
            time.sleep(0.0005)
            c.term()
            stop.set(); t.join()
            assert s.closed
    """,
    # libzmq asserts (session_base.cpp:260, clean_pipes) and aborts when an XSUB's XPUB
    # goes away while the XSUB is sending it a message of several frames: the fuzzer's
    # sequence 1752 (CI, 4 December 2026). Several frames are refused on an XSUB; one
    # frame a message, in the same race, never aborted.
    "xsub_multipart_then_its_xpub_closes": """
        import os, tempfile
        path = os.path.join(tempfile.mkdtemp(), "x")
        for i in range(200):
            pub = ctx.socket("xpub"); pub.set("linger", 10); pub.bind(f"ipc://{path}")
            sub = ctx.socket("xsub"); sub.set("linger", 50); sub.connect(f"ipc://{path}")
            for attempt in (
                lambda: sub.send_multipart([b"a" * 65536, b"b" * 547], nonblocking=True),
                lambda: sub.send(b"a" * 65536, nonblocking=True, more=True),
                lambda: sub.send_many([b"one", [b"a", b"b"]], nonblocking=True),
            ):
                try:
                    attempt()
                except ZMQError as exc:
                    assert "one frame per message" in str(exc), exc
                else:
                    raise AssertionError("an xsub sent a message of several frames")
            sub.send(b"a" * 65536, nonblocking=True)
            pub.close(linger=0); sub.close(linger=0)
        os.unlink(path) if os.path.exists(path) else None
    """,
    # libzmq aborts (EBADF, epoll.cpp) when a socket whose SOCKS proxy refused the
    # connection is closed: the fuzzer's sequence 1576 (4 December 2026). Refused.
    "socks_proxy_that_refuses_then_close": """
        import time
        s = ctx.socket("dealer"); s.set("linger", 0)
        try:
            s.set("socks_proxy", "127.0.0.1:1")
        except ZMQError as exc:
            assert "socks_proxy is not supported" in str(exc), exc
        else:
            raise AssertionError("socks_proxy was taken")
        s.connect("tcp://127.0.0.1:5555"); time.sleep(0.05); s.close(linger=0)
    """,
}

PRELUDE = """
import faulthandler
faulthandler.dump_traceback_later(20, exit=True)
from zmqrepl.core import Context, ZMQError
ctx = Context()
try:
{body}
except ZMQError as exc:
    print("refused:", exc)
ctx.destroy(linger=0)
print("survived")
"""


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_found_crashes_and_hangs_stay_fixed(name: str) -> None:
    body = textwrap.indent(textwrap.dedent(PROGRAMS[name]), "    ")
    proc = subprocess.run(
        [sys.executable, "-c", PRELUDE.format(body=body)], capture_output=True, text=True, timeout=60, cwd="/"
    )
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr[-3000:]}"
    assert "survived" in proc.stdout
