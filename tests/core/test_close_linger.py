"""A close that does not happen leaves no linger behind.

close(linger=0) from another thread, while a call keeps the socket and never
comes back, gives up after 2 s with SocketBusy. It used to leave its linger 0
noted in the socket's state, and the socket's next close (a plain close(), or
the garbage collector's) then dropped the queued messages. Observed here by a
message queued to a peer that binds only after the last close: it arrives only
if that close kept the socket's own linger.

The call that keeps the socket is a recv in the main thread of a child
interpreter, stopped between two wait slices by a signal handler that waits
until the closer has given up.
"""

from __future__ import annotations

import pytest

from .support import assert_ok, run_py

CHILD = """
import signal, threading, time
import zmq
from zmqrepl.core import Context, Option, SocketBusy

ENDPOINT = "ipc://DIR/late-peer"
c = Context()
s = c.socket("dealer")
s.set(Option.LINGER, 20000)
s.connect(ENDPOINT)
s.send(b"kept")
outcome = []
given_up = threading.Event()

def closer():
    try:
        s.close(linger=0)
        outcome.append("closed")
    except SocketBusy:
        outcome.append("busy")
    given_up.set()

class Stop(Exception):
    pass

def on_signal(signum, frame):
    # Between two wait slices: the recv keeps the socket while this runs.
    threading.Thread(target=closer, daemon=True).start()
    if not given_up.wait(20):
        raise SystemExit("the closer never gave up")
    raise Stop

signal.signal(signal.SIGUSR1, on_signal)
main = threading.main_thread().ident

def kick():
    deadline = time.monotonic() + 10
    while not s._st.slices:
        if time.monotonic() > deadline:
            raise SystemExit("the recv never waited")
        time.sleep(0.001)
    signal.pthread_kill(main, signal.SIGUSR1)

threading.Thread(target=kick, daemon=True).start()
try:
    s.recv()
except Stop:
    pass
print("close(linger=0):", outcome[0], flush=True)
s.CLOSE
peer_ctx = zmq.Context()
peer = peer_ctx.socket(zmq.ROUTER)
peer.rcvtimeo = 10000
peer.bind(ENDPOINT)
try:
    print("delivered:", peer.recv_multipart()[-1].decode(), flush=True)
except zmq.Again:
    print("delivered: nothing", flush=True)
peer.close(0)
c.destroy(linger=0)
peer_ctx.term()
"""


@pytest.mark.parametrize("close", ["close()", "_close_idle('collected')"])
def test_withdrawn_close_forgets_its_linger(short_dir: str, close: str) -> None:
    # _close_idle is the close without a linger of its own that term() and a
    # collected socket's free share with close(): all of them keep the socket's.
    code = CHILD.replace("DIR", short_dir).replace("CLOSE", close)
    proc = run_py(code, timeout=60)
    assert_ok(proc)
    assert "close(linger=0): busy" in proc.stdout, proc.stdout
    assert "delivered: kept" in proc.stdout, proc.stdout


PROXY_CHILD = """
import threading, time
import zmq
from zmqrepl.core import Context, Option, SocketBusy, proxy

ENDPOINT = "ipc://DIR/late-peer"
c = Context()
front = c.socket("pull")
front.bind("inproc://front")
back = c.socket("push")
back.set(Option.LINGER, 20000)
back.connect(ENDPOINT)
cap = c.socket("push")
cap.bind("inproc://cap")
seen = c.socket("pull")
seen.connect("inproc://cap")
seen.set(Option.RCVTIMEO, 10000)
feed = c.socket("push")
feed.connect("inproc://front")
threading.Thread(target=proxy, args=(front, back, cap), daemon=True).start()
deadline = time.monotonic() + 10
while not back._st.busy:
    if time.monotonic() > deadline:
        raise SystemExit("the proxy never started")
    time.sleep(0.001)
try:
    back.close(linger=0)
    print("close(linger=0): closed", flush=True)
except SocketBusy:
    print("close(linger=0): busy", flush=True)
feed.send(b"first")
feed.send(b"second")
seen.recv()
seen.recv()  # the proxy forwards in order: "first" is in the backend's queue
threading.Thread(target=c.term, daemon=True).start()
peer_ctx = zmq.Context()
peer = peer_ctx.socket(zmq.PULL)
peer.rcvtimeo = 3000
peer.bind(ENDPOINT)
try:
    print("delivered:", peer.recv().decode(), flush=True)
except zmq.Again:
    print("delivered: nothing", flush=True)
peer.close(0)
peer_ctx.term()
"""


def test_refused_close_of_a_proxied_socket_keeps_its_linger(short_dir: str) -> None:
    # The other side of the rule, on purpose: a close refused because a proxy runs
    # has set the linger in libzmq already (destroy(linger) needs that, since
    # nothing can set it after term() wakes the proxy), so the close after ETERM
    # drops the queue. A late peer gets nothing.
    proc = run_py(PROXY_CHILD.replace("DIR", short_dir), timeout=60)
    assert_ok(proc)
    assert "close(linger=0): busy" in proc.stdout, proc.stdout
    assert "delivered: nothing" in proc.stdout, proc.stdout
