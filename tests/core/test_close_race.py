"""A call blocked in another thread meets term() or close() at its worst moment
(issue 10, item 9): it must get ContextTerminated or SocketClosed, never SocketBusy.

poll (and proxy after a signal) give their sockets back between wait slices, so
term()'s close could hold the socket just when the call came back for its next
slice: that call then got SocketBusy (1 run in 5). Here the moment is made every
time instead of once in a while:

- the blocked call runs in the main thread of a child interpreter; a helper
  thread waits until the call has the socket (st.busy, the guard the core
  exposes) and sends SIGUSR1 to the main thread;
- the signal handler runs between two wait slices, in the call's own thread. It
  starts the closer (term() or close()) in another thread with the core's test
  hook zr_close_pause_ms set, so that a close keeps the socket for 300 ms before
  closing it, and returns only once the closer holds the socket (zr_close_pausing)
  or, for calls that keep their socket between slices, has asked the call to
  close it (st.close_asked while st.held);
- the call then comes back for its next slice, and must report the close.
"""

from __future__ import annotations

import textwrap

import pytest

from .support import assert_ok, run_py

CHILD = """
import signal, socket as pysocket, threading, time
from zmqrepl.core import Context, Event, PollItem, ZMQError, lib, poll, proxy

def wait_until(predicate, what):
    deadline = time.monotonic() + 10
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting until " + what)
        time.sleep(0.001)

c = Context()
s = c.socket("pull")
s.bind("inproc://race")
target = s
SETUP
met = []

def closer():
    try:
        CLOSE
    except ZMQError as e:
        print("closer failed:", e, flush=True)

def on_signal(signum, frame):
    if met:
        return
    met.append("?")
    lib.zr_close_pause_ms = 300
    threading.Thread(target=closer, daemon=True).start()
    wait_until(lambda: lib.zr_close_pausing or (target._st.held and target._st.close_asked),
               "the closer meets the socket")
    met[0] = "held_by_closer" if lib.zr_close_pausing else "asked_to_close"
    lib.zr_close_pause_ms = 0

signal.signal(signal.SIGUSR1, on_signal)
main = threading.main_thread().ident

def kick():
    wait_until(lambda: target._st.busy, "the call takes the socket")
    signal.pthread_kill(main, signal.SIGUSR1)

threading.Thread(target=kick, daemon=True).start()
try:
    result = BLOCK
    print("returned", repr(result), met[0])
except ZMQError as e:
    print("raised", type(e).__name__, met[0])
c.destroy(linger=0)
"""

# The PULL that CHILD made is closed first: term() would meet it, not the call, if it were
# still open (on PyPy a dropped socket stays open until the GC collects it).
FULL_PUSH = """
s.close()
listener = pysocket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(4)
s = c.socket("push"); s.set("sndhwm", 1); s.set("linger", 0)
s.connect("tcp://127.0.0.1:%d" % listener.getsockname()[1]); target = s
while True:
    try:
        s.send(b"fill", nonblocking=True)
    except ZMQError:
        break
"""

# name: (setup, blocking call, whether it gives its socket back between slices)
CALLS: dict[str, tuple[str, str, bool]] = {
    "recv": ("", "s.recv()", False),
    "recv_str": ("", "s.recv(as_=str)", False),
    "recv_view": ("", "s.recv(as_=memoryview)", False),
    "recv_multipart": ("", "s.recv_multipart()", False),
    "recv_many": ("", "s.recv_many(10)", False),
    "send": (FULL_PUSH, "s.send(b'blocks')", False),
    "send_multipart": (FULL_PUSH, "s.send_multipart([b'a', b'b'])", False),
    "send_many": (FULL_PUSH, "s.send_many([b'a', b'b'])", False),
    "monitor_recv": ("mon = s.monitor(Event.ALL); target = mon.socket", "mon.recv()", False),
    "poll": ("", "poll([PollItem(s, in_=True)])", True),
    "poll_second_item": (
        "other = c.socket('pull'); other.bind('inproc://other'); target = other",
        "poll([PollItem(s, in_=True), PollItem(other, in_=True)])",
        True,
    ),
    "proxy": ("back = c.socket('push'); back.bind('inproc://back')", "proxy(s, back)", True),
}


# How the closer met the call: a call that gives its socket back between slices
# finds the closer holding it; one that keeps it is asked to close. Monitor.recv
# sets rcvtimeo (a short call) before it waits, so the signal may come between.
_MET = {
    name: {"held_by_closer" if gives_back else "asked_to_close"} for name, (_, _, gives_back) in CALLS.items()
}
_MET["monitor_recv"] = {"held_by_closer", "asked_to_close"}


def _run(call: str, close: str) -> list[str]:
    setup, block, _ = CALLS[call]
    code = textwrap.dedent(CHILD).replace("SETUP", textwrap.dedent(setup))
    code = code.replace("CLOSE", close).replace("BLOCK", block)
    proc = run_py(code, timeout=40)
    assert_ok(proc)
    lines = proc.stdout.split("\n")
    assert not any(line.startswith("closer failed") for line in lines), proc.stdout
    return lines[0].split()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("call", sorted(CALLS))
def test_term_meeting_a_blocked_call_gives_context_terminated(call: str) -> None:
    how, what, met = _run(call, "c.term()")
    expected = ("returned", "None") if call == "proxy" else ("raised", "ContextTerminated")
    assert (how, what) == expected, (how, what, met)
    # The race this is about really happened: the call came back while term()'s
    # close held its socket (or, for a call keeping it, after being asked to close).
    assert met in _MET[call]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("call", sorted(set(CALLS) - {"proxy"}))
def test_close_meeting_a_blocked_call_gives_socket_closed(call: str) -> None:
    how, what, met = _run(call, "target.close(linger=0)")
    assert (how, what) == ("raised", "SocketClosed"), (how, what, met)
    assert met in _MET[call]


@pytest.mark.timeout(60)
def test_close_meeting_a_proxy_between_signals_gives_socket_closed() -> None:
    # A proxy gives its sockets back only when a signal interrupts it (EINTR);
    # a close that takes one then ends the proxy with SocketClosed.
    how, what, met = _run("proxy", "s.close(linger=0)")
    assert (how, what, met) == ("raised", "SocketClosed", "held_by_closer")
