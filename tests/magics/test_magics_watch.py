"""%zmq watch: one display with a display id, then throttled updates from a background
thread; bounded memory with exact counters; %zmq unwatch stops it; %config settings apply."""

from __future__ import annotations

import re
import threading
import time
from typing import Any, Callable

from .magic_support import Peer, Published, RecordingPublisher, Shell, html_tables, table_dicts, wait_for

PeerFactory = Callable[..., Peer]
RECEIVED = re.compile(r"s: (\d+) received")


def _start_watch(shell: Shell, code: str = "w = %zmq watch s") -> Published:
    start = time.monotonic()
    shell.ok(code)
    shown = [r for r in shell.pub.shown() if r.at >= start]
    assert len(shown) == 1, shown
    assert shown[0].transient.get("display_id")
    assert "text/html" in shown[0].data and "text/plain" in shown[0].data
    return shown[0]


def _subscribe(shell: Shell, endpoint: str, *extra: str) -> None:
    shell["ep"] = endpoint
    shell.ok("\n".join(["%%zmq", "socket s sub", *extra, "connect s {ep}", "subscribe s"]))


def test_watch_updates_its_display_while_a_cell_runs_throttled_and_unwatch_stops(
    shell: Shell, peer: PeerFactory
) -> None:
    pub = peer("pub", "--interval", "0.003")
    _subscribe(shell, pub.endpoint)
    first = _start_watch(shell)
    did = first.transient["display_id"]
    w = shell["w"]
    assert w.running

    start = time.monotonic()
    shell.ok("import time\ntime.sleep(1.5)")  # a later cell that blocks
    end = time.monotonic()
    updates = [u for u in shell.pub.updates(did, since=start) if u.at <= end]
    assert 3 <= len(updates) <= 20, len(updates)  # live, and no more than ~10 a second
    assert all(u.thread != "MainThread" for u in updates)

    last = updates[-1].data["text/html"]
    assert last != first.data["text/html"]
    received = int(RECEIVED.search(last).group(1))  # type: ignore[union-attr]
    assert received > 0
    rows = table_dicts(last)
    assert len(rows) == 20  # shown_messages default: newest 20
    assert all(r["socket"] == "s" and "m-" in r["frames"] for r in rows)
    seqs = [int(re.search(r"m-(\d+)", r["frames"]).group(1)) for r in rows]  # type: ignore[union-attr]
    assert seqs == sorted(seqs, reverse=True)  # newest first
    # Running, a pane's state is a snapshot's time; only the page's script may call it live.
    assert re.search(r"data-state='snapshot'[^>]*>as of \d\d:\d\d:\d\d</span><script>", last)
    assert len(w.messages) > 0 and all(m[0] == b"t" for m in w.messages)

    ran = shell.ok("%zmq unwatch s")
    assert "stopped watching s" in ran.stdout
    assert not w.running
    settled = len(shell.pub.updates(did))
    final = shell.pub.updates(did)[-1].data["text/html"]
    assert re.search(r"data-state='stopped'>stopped at \d\d:\d\d:\d\d</span>", final)
    assert "<script" not in final and "live" not in final  # the snapshot a saved notebook keeps
    assert not w._thread.is_alive()  # stopped and joined: nothing is left to update the pane
    assert len(shell.pub.updates(did)) == settled
    shell.ok("t = %zmq sockets")
    assert "watch" not in shell["t"][0].flags  # what still comes waits (queued N): heartbeats


def test_watch_keeps_a_bounded_ring_and_exact_counters(shell: Shell, peer: PeerFactory) -> None:
    total = 20_000
    pub = peer("pub", "--count", str(total))
    _subscribe(shell, pub.endpoint, "set s rcvhwm 0")
    first = _start_watch(shell)
    w = shell["w"]
    pub.expect("DONE", timeout=30)
    pub.publish(b"t", b"end")  # after all the others on the same connection: the last to arrive
    wait_for(lambda: w.counts["s"] >= total + 1, timeout=30, what=f"{total} messages and the end")
    shell.ok("%zmq get s type")  # an engine round trip: the read that counted the end is over
    assert w.counts == {"s": total + 1}
    # Messages are shown at most every 100 ms, after they are counted: the newest of a burst.
    wait_for(lambda: w.messages[-1:] == [[b"t", b"end"]], what="the end shown")
    messages = w.messages
    assert len(messages) == 200
    assert messages[0] == [b"t", f"m-{total - 199}".encode()]
    assert messages[-2:] == [[b"t", f"m-{total - 1}".encode()], [b"t", b"end"]]
    assert len(shell.magics.session.events) <= 2000
    shell.ok("t = %zmq sockets")
    assert shell["t"][0].received == total + 1
    assert table_dicts(shell["t"]._repr_html_())[0]["in"] == str(total + 1)
    # the pane shows the exact total once it settles
    did = first.transient["display_id"]
    # (the flood can be over before the pane's first update, 100 ms after it is shown)
    wait_for(
        lambda: any(f"s: {total + 1} received" in u.data["text/html"] for u in shell.pub.updates(did)[-1:]),
        timeout=5,
        what="the pane showing the total",
    )
    w.stop()
    assert not w.running and not w._thread.is_alive()  # joined: nothing can update the pane


def test_config_shown_messages_default_format_and_update_interval_take_effect(
    shell: Shell, peer: PeerFactory
) -> None:
    shell.ok("%config ZmqMagics.shown_messages = 5")
    shell.ok("%config ZmqMagics.default_format = 'hex'")
    shell.ok("%config ZmqMagics.update_interval = 500")
    pub = peer("pub", "--interval", "0.003")
    _subscribe(shell, pub.endpoint)
    first = _start_watch(shell)
    did = first.transient["display_id"]

    start = time.monotonic()
    shell.ok("import time\ntime.sleep(1.6)")
    end = time.monotonic()
    updates = [u for u in shell.pub.updates(did, since=start) if u.at <= end]
    assert 1 <= len(updates) <= 5, len(updates)  # every 500 ms, not every 100 ms
    html = updates[-1].data["text/html"]
    rows = table_dicts(html)
    assert len(rows) == 5
    assert "k-hex" in html
    assert all("6d 2d" in r["frames"] for r in rows)  # "m-" shown as hex
    assert "m-" not in "".join(r["frames"] for r in rows)
    shell.ok("%zmq unwatch s")

    shell.ok("got = %zmq recv s --count 2 --timeout 5000")
    got_html = shell["got"]._repr_html_()
    assert "k-hex" in got_html and "6d 2d" in got_html
    shell.ok("txt = %zmq recv s --count 2 --timeout 5000 --format text")
    txt_rows = html_tables(shell["txt"]._repr_html_())[0][1:]
    assert all("m-" in row[4] for row in txt_rows)


def test_the_pane_changes_when_new_rows_come_with_the_counts_unchanged(
    shell: Shell, peer: PeerFactory
) -> None:
    """A message is counted when it is read and shown up to 100 ms later: between the two, the
    pane's totals are already new. Its signature must still change when the row comes."""
    pub = peer("pub", "--count", "1")
    _subscribe(shell, pub.endpoint)
    _start_watch(shell)
    w = shell["w"]
    pub.expect("DONE")
    wait_for(lambda: w.messages[-1:] == [[b"t", b"m-0"]], what="the first message shown")
    w.stop()  # no thread beside this test reads the pane now

    def last_shown(frames: list[bytes]) -> Callable[[], bool]:
        return lambda: w.messages[-1:] == [frames]

    def counted(total: int) -> Callable[[], bool]:
        return lambda: w.counts["s"] == total

    caught = 0
    for i in range(20):
        before = w.counts["s"]
        last = [b"t", f"b-{i}".encode()]
        pub.publish(b"t", f"a-{i}".encode())  # shown at once or held: the next comes within 100 ms
        pub.publish(*last)
        wait_for(counted(before + 2), what="both counted")
        signature = w._signature()
        if last_shown(last)():
            continue  # shown before the signature was read: try again
        caught += 1
        wait_for(last_shown(last), what=f"b-{i} shown")
        assert w.counts["s"] == before + 2
        assert w._signature() != signature
        if caught == 3:
            break
    assert caught, "no round read the pane between counting and showing a message"


def _outside_scripts(html: str) -> str:
    return re.sub(r"<script>.*?</script>", "", html, flags=re.S)


def test_a_quiet_pane_is_redrawn_every_second_and_never_says_live_as_text(shell: Shell) -> None:
    """No traffic: the pane is still redrawn (a page tells a fed pane by its redraws), each
    time "as of" its time; "live" is only ever the page's script's word; stop() says when."""
    shell.ok("%zmq socket s sub")
    first = _start_watch(shell)
    did = first.transient["display_id"]
    # Shown before its thread starts, the pane already runs: not "stopped".
    assert "data-state='snapshot'" in first.data["text/html"]
    updates = wait_for(lambda: shell.pub.updates(did)[1:], timeout=10, what="two redraws of a quiet pane")
    shown = [first.data["text/html"]] + [u.data["text/html"] for u in updates]
    for html in shown:
        assert re.search(r">as of \d\d:\d\d:\d\d</span><script>", html)
        assert "live" not in _outside_scripts(html)
    # Each render is numbered, so that a page can tell an update from what it showed first.
    numbers = [int(re.search(r"data-seq='(\d+)'", html).group(1)) for html in shown]  # type: ignore[union-attr]
    assert numbers == sorted(set(numbers)), numbers
    w = shell["w"]
    shell.ok("w.stop()")
    assert w.stopped_at is not None
    final = shell.pub.updates(did)[-1].data["text/html"]
    stamp = time.strftime("%H:%M:%S", time.localtime(w.stopped_at))
    assert f"data-state='stopped'>stopped at {stamp}</span>" in final
    assert "<script" not in final


def test_a_pane_updated_less_often_than_a_second_waits_three_intervals_before_it_says_stale(
    shell: Shell,
) -> None:
    shell.ok("%config ZmqMagics.update_interval = 2000")
    shell.ok("%zmq socket s sub")
    html = _start_watch(shell).data["text/html"]
    assert "Date.now()-p.at>6000" in html  # three 2 s intervals, not the 3 s of a faster pane
    shell.ok("%zmq unwatch s")


class _HeldUpPublisher(RecordingPublisher):
    """Holds the pane thread's next update back until released (a loaded machine's delay)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.armed = False
        self.entered = threading.Event()
        self.release = threading.Event()

    def publish(self, data: Any, metadata: Any = None, source: Any = None, **kwargs: Any) -> None:
        if self.armed and threading.current_thread().name.startswith("zmqrepl-"):
            self.armed = False
            self.entered.set()
            self.release.wait(20)
        super().publish(data, metadata, source, **kwargs)


def test_a_render_held_up_in_the_thread_never_lands_after_the_final_one(shell: Shell) -> None:
    pub = _HeldUpPublisher(shell=shell.ip)
    shell.ip.display_pub = shell.pub = pub  # the fixture puts IPython's own back afterwards
    try:
        shell.ok("%zmq socket s sub")
        did = _start_watch(shell).transient["display_id"]
        pub.armed = True  # the pane's next redraw (a quiet pane: within a second) is held
        assert pub.entered.wait(10), "the pane thread never redrew"
        threading.Timer(3.0, pub.release.set).start()  # past stop()'s 2 s wait for the thread
        shell.ok("%zmq unwatch s")
        assert pub.release.is_set()  # stop() waited for the held render
        updates = pub.updates(did)
        assert len(updates) >= 2  # the held render, then stop()'s final one
        held = [u for u in updates if u.thread != "MainThread"][-1]
        assert updates.index(held) < len(updates) - 1, "the held render landed last"
        assert "data-state='stopped'" in updates[-1].data["text/html"]
    finally:
        pub.release.set()
