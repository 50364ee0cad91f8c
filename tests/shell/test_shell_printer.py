"""The batched event printer: exact summaries under a flood, plain text without a terminal."""

from __future__ import annotations

import time

from tests.support import wait_for
from zmqrepl.session import Session
from zmqrepl.shell.printer import Colours, EventPrinter


def wait_received(session: Session, name: str, n: int) -> None:
    deadline = time.monotonic() + 15
    while next(i for i in session.sockets() if i.name == name).received < n:
        assert time.monotonic() < deadline, "messages did not arrive"
        time.sleep(0.01)


def test_flood_is_summarised_with_exact_counts(session: Session) -> None:
    session.run(
        "socket src push; socket dst pull; set dst rcvhwm 0; set src sndhwm 0; "
        "bind dst inproc://flood; connect src inproc://flood; watch dst"
    )
    for i in range(500):
        session.send_frames("src", [f"m{i}".encode()])
    wait_received(session, "dst", 500)
    # Messages become events at most every 100 ms (the newest of a burst): wait for the last.
    wait_for(lambda: session.watch_buffer("dst")[-1].frames == (b"m499",), what="m499 shown")
    out: list[str] = []
    printer = EventPrinter(session, out.append, Colours(False), max_messages=40)
    printer.flush()
    text = "".join(out)
    lines = text.splitlines()
    assert len(lines) == 41
    assert lines[-1] == "+460 more on dst"  # every message shown or counted: 40 + 460
    assert "\x1b" not in text
    numbers = [int(line.rsplit("m", 1)[1]) for line in lines[:40]]
    assert lines[0].endswith("m0") and numbers == sorted(set(numbers))
    out.clear()
    printer.flush()
    assert out == []  # nothing left, nothing printed twice


def test_printer_thread_prints_events_and_colours(session: Session) -> None:
    session.run("socket src push; socket dst pull; bind dst inproc://pt; connect src inproc://pt; watch dst")
    out: list[str] = []
    printer = EventPrinter(session, out.append, Colours(True), interval=0.01)
    printer.start()
    try:
        session.run("send src hello")
        deadline = time.monotonic() + 10
        while not any("hello" in chunk for chunk in out):
            assert time.monotonic() < deadline, "the printer printed nothing"
            time.sleep(0.01)
    finally:
        printer.stop()
    text = "".join(out)
    assert "\x1b[36mdst\x1b[0m" in text and text.rstrip().endswith("[1 part] 5 B hello")
