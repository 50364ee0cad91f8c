"""destroy(linger=0) and close(linger=0) return promptly in every state (issue 10, item 5).

Each case runs in its own interpreter, so a hang fails the test (run_py's timeout)
instead of hanging the suite. Every socket that a call blocks on has messages
queued to a dead peer, with libzmq's default linger (-1): closed with its own
linger, it would keep zmq_ctx_term waiting for ever. The dead peer is a TCP
listener that never answers the ZMTP greeting: the connection stays up and
nothing is ever taken from the queue (for the 30 s of libzmq's handshake_ivl).
"""

from __future__ import annotations

import textwrap

import pytest

from .support import assert_ok, run_py

# The child's common part: a context, a dead peer (see above), a DEALER
# connected to it with messages queued, and a thread
# that runs BLOCK and reports how it ended. The main thread waits until that
# thread has the socket (the guard flag the core exposes as st.busy), then runs
# CLOSE and reports how long it took.
PRELUDE = """
import socket as pysocket, threading, time
from zmqrepl.core import Context, ContextTerminated, Event, SocketClosed, ZMQError, poll, PollItem, proxy

listener = pysocket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(16)

def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("the call never took the socket")
        time.sleep(0.001)

c = Context()
dead = "tcp://127.0.0.1:%d" % listener.getsockname()[1]
s = c.socket("dealer")
s.connect(dead)
for _ in range(3):
    s.send(b"queued for nobody", nonblocking=True)
dealer = target = s  # kept open (and queued) even where the setup makes another s
outcome = []

def run():
    try:
        outcome.append(("returned", repr(BLOCK)))
    except ZMQError as e:
        outcome.append(("raised", type(e).__name__))
"""

RUN = """
SETUP
t = threading.Thread(target=run, daemon=True)
t.start()
wait_until(lambda: target._st.busy)
t0 = time.monotonic()
CLOSE
took = time.monotonic() - t0
t.join(10)
assert not t.is_alive(), "the blocked thread did not end"
t0 = time.monotonic()
c.term()  # hangs if a socket was closed with linger -1
print(outcome[0][0], outcome[0][1], round(took, 3), round(time.monotonic() - t0, 3))
"""

# A PUSH to the dead peer, sent to until it would block (sndhwm 1).
FULL_QUEUE = """
s = c.socket("push"); s.set("sndhwm", 1); s.connect(dead); target = s
while True:
    try:
        s.send(b"fill", nonblocking=True)
    except ZMQError:
        break
"""

# name: (setup, the blocking call). The setup may replace `target` (the socket the
# call takes) and must leave messages queued with linger -1.
STATES: dict[str, tuple[str, str]] = {
    "recv": ("", "s.recv()"),
    "recv_str": ("", "s.recv(as_=str)"),
    "recv_view": ("", "s.recv(as_=memoryview)"),
    "recv_multipart": ("", "s.recv_multipart()"),
    "recv_many": ("", "s.recv_many(100)"),
    "poll": ("", "poll([PollItem(s, in_=True)])"),
    "poll_two": (
        "other = c.socket('pull'); other.bind('inproc://poll-two')",
        "poll([PollItem(other, in_=True), PollItem(s, in_=True)])",
    ),
    "send_full_hwm": (FULL_QUEUE, "s.send(b'blocks')"),
    "send_multipart_full_hwm": (FULL_QUEUE, "s.send_multipart([b'a', b'b'])"),
    "send_many_full_hwm": (FULL_QUEUE, "s.send_many([b'a', b'b', b'c'])"),
    # A monitor's recv blocks on the monitor's PAIR socket; the watched DEALER has
    # the queued messages (and reconnects: events come, then it blocks again).
    "monitor_recv": ("mon = s.monitor(Event.ALL); target = mon.socket", "list(iter(mon.recv, None))"),
    # A proxy whose backend has the queued messages; the proxy returns on term.
    "proxy": ("front = c.socket('router'); front.bind('inproc://front'); target = front", "proxy(front, s)"),
}

EXPECTED = {"proxy": ("returned", "None")}


def _child(state: str, close: str) -> str:
    setup, block = STATES[state]
    code = textwrap.dedent(PRELUDE).replace("BLOCK", block)
    code += RUN.replace("SETUP", textwrap.dedent(setup)).replace("CLOSE", close)
    return code


@pytest.mark.timeout(60)
@pytest.mark.parametrize("state", sorted(STATES))
def test_destroy_linger_0_returns_promptly_and_wakes_the_blocked_call(state: str) -> None:
    proc = run_py(_child(state, "c.destroy(linger=0)"), timeout=30)
    assert_ok(proc)
    how, what, took, term_took = proc.stdout.split()
    assert (how, what) == EXPECTED.get(state, ("raised", "ContextTerminated")), proc.stdout
    assert float(took) < 5.0, f"destroy took {took} s"
    assert float(term_took) < 5.0


@pytest.mark.timeout(60)
@pytest.mark.parametrize("state", sorted(set(STATES) - {"proxy"}))
def test_close_linger_0_from_another_thread_ends_the_blocked_call(state: str) -> None:
    # close() from the main thread while `run` is blocked on the socket: that call
    # closes it at its next wait slice, with linger 0, and raises SocketClosed.
    # term() then returns at once: nothing lingers (with -1 it would wait for ever).
    close = "target.close(linger=0)"
    if state == "monitor_recv":
        close = "mon.close()"  # the monitor's own PAIR socket is the blocked one
    proc = run_py(_child(state, close + "; s.close(linger=0); dealer.close(linger=0)"), timeout=30)
    assert_ok(proc)
    how, what, took, term_took = proc.stdout.split()
    assert (how, what) == ("raised", "SocketClosed"), proc.stdout
    assert float(took) < 5.0, f"close took {took} s"
    assert float(term_took) < 5.0, f"term took {term_took} s: a socket kept its linger"


def test_close_of_a_proxy_socket_from_another_thread_is_refused_until_term() -> None:
    # zmq_proxy never comes back between slices, so it cannot close its socket;
    # close() says so, and destroy(linger=0) still ends it (the first test).
    proc = run_py(
        textwrap.dedent(PRELUDE).replace("BLOCK", "proxy(front, s)")
        + textwrap.dedent("""
        front = c.socket('router'); front.bind('inproc://front'); target = front
        t = threading.Thread(target=run, daemon=True); t.start()
        wait_until(lambda: target._st.busy)
        from zmqrepl.core import SocketBusy
        try:
            front.close(linger=0)
        except SocketBusy as e:
            print("busy", "proxy" in str(e) or "in use" in str(e))
        c.destroy(linger=0)
        t.join(10)
        print(outcome)
    """),
        timeout=30,
    )
    assert_ok(proc)
    lines = proc.stdout.splitlines()
    assert lines[0] == "busy True", proc.stdout
    assert lines[1] == "[('returned', 'None')]", proc.stdout


@pytest.mark.timeout(60)
@pytest.mark.parametrize("peer", ["never_there", "went_away"])
def test_destroy_linger_0_with_idle_sockets_queued_to_a_dead_peer(peer: str) -> None:
    proc = run_py(
        """
        import time
        from zmqrepl.core import Context
        c = Context()
        pull = c.socket("pull"); ep = pull.bind("tcp://127.0.0.1:*")
        push = c.socket("push"); push.set("sndhwm", 100000)
        if "PEER" == "went_away":
            push.connect(ep); push.send(b"first"); pull.set("rcvtimeo", 5000)
            assert pull.recv() == b"first"
            pull.close(linger=0)
        else:
            pull.close(linger=0); push.connect(ep)
        for _ in range(1000):
            push.send(b"x" * 100, nonblocking=True)
        t0 = time.monotonic(); c.destroy(linger=0)
        print(round(time.monotonic() - t0, 3), push.closed)
    """.replace("PEER", peer),
        timeout=30,
    )
    assert_ok(proc)
    took, closed = proc.stdout.split()
    assert float(took) < 5.0 and closed == "True"


def test_destroy_keeps_each_sockets_linger_when_given_none() -> None:
    # linger=None: a socket's own linger applies, even to the blocked thread's
    # close (500 ms here: term then waits about that long for the queued messages).
    proc = run_py(
        textwrap.dedent(PRELUDE).replace("BLOCK", "s.recv()")
        + textwrap.dedent("""
        s.set("linger", 500)
        t = threading.Thread(target=run, daemon=True); t.start()
        wait_until(lambda: target._st.busy)
        t0 = time.monotonic(); c.destroy(linger=None); took = time.monotonic() - t0
        t.join(10)
        print(outcome[0][1], took >= 0.4, took < 5.0)
    """),
        timeout=30,
    )
    assert_ok(proc)
    assert proc.stdout.split() == ["ContextTerminated", "True", "True"], proc.stdout


def test_destroy_rejects_a_bad_linger_before_doing_anything() -> None:
    from zmqrepl.core import Context

    c = Context()
    s = c.socket("pair")
    with pytest.raises(TypeError, match="linger must be an int"):
        c.destroy(linger=0.5)  # type: ignore[arg-type]
    assert not c.closed and not s.closed
    c.destroy()
    assert c.closed and s.closed


@pytest.mark.timeout(60)
@pytest.mark.parametrize("first", ["monitor_socket", "nothing"])
def test_destroy_with_a_monitored_socket_returns_promptly(first: str) -> None:
    # libzmq sends a last event to the monitor's PAIR socket when the watched socket
    # stops its monitor, and waits for ever if that PAIR is gone: closing the PAIR
    # stops the monitor first, and destroy closes watched sockets before PAIRs
    # (in whatever order the context holds them).
    proc = run_py(
        textwrap.dedent(PRELUDE).replace("BLOCK", "None")
        + textwrap.dedent("""
        mons = [sock.monitor(Event.ALL) for sock in [s] + [c.socket("dealer") for _ in range(5)]]
        for m in mons:
            m._watched.connect(dead)
        if "FIRST" == "monitor_socket":
            for m in mons:
                m.socket.close()
        t0 = time.monotonic(); c.destroy(linger=0)
        print(round(time.monotonic() - t0, 3), all(m.socket.closed and m._watched.closed for m in mons))
    """).replace("FIRST", first),
        timeout=30,
    )
    assert_ok(proc)
    took, closed = proc.stdout.split()
    assert float(took) < 5.0 and closed == "True"
