"""PollSet: the same items polled again and again, revents as plain ints."""

from __future__ import annotations

import os
import threading

import pytest

from zmqrepl.core import Context, PollItem, PollSet, ZMQError

from .support import wait_until


def test_pollset_reports_each_item_as_it_becomes_ready(ctx: Context) -> None:
    r, w = os.pipe()
    try:
        pull, push = ctx.socket("pull"), ctx.socket("push")
        endpoint = pull.bind("tcp://127.0.0.1:*")
        push.connect(endpoint)
        both = PollSet([PollItem(pull, in_=True), PollItem(push, in_=True, out=True)])
        assert both.wait(2000) == [0, 2]  # a PUSH that has a peer can send; nothing to read
        pollset = PollSet([PollItem(r, in_=True), PollItem(pull, in_=True)])
        assert pollset.wait(0) == [0, 0]
        push.send(b"x")
        assert pollset.wait(2000) == [0, 1]  # the same arrays, polled again
        os.write(w, b"!")
        assert pollset.wait(2000) == [1, 1]
        assert pull.recv() == b"x"
        os.read(r, 1)
        assert pollset.wait(0) == [0, 0]
        pull.close()
        with pytest.raises(ZMQError):
            pollset.wait(0)
        with pytest.raises(TypeError):
            PollSet([r])  # type: ignore[list-item]
        push.close()
    finally:
        os.close(r)
        os.close(w)


def test_a_spinning_wait_sees_what_comes_while_it_spins_and_then_sleeps(ctx: Context) -> None:
    """wait(timeout, spin_us): polls without sleeping first; the result is the same as
    a plain wait's, whether the message comes during the spin or after it. (A wait is at
    most one 50 ms slice: each case waits again until the message is seen or 5 s pass.)"""
    pull, push = ctx.socket("pull"), ctx.socket("push")
    push.connect(pull.bind("tcp://127.0.0.1:*"))
    pollset = PollSet([PollItem(pull, in_=True)])
    assert pollset.wait(1, 500) == [0]  # nothing came: spun, slept what was left, returned
    assert pollset.wait(0, 10_000_000) == [0]  # a spin longer than the timeout is cut to it
    for delay, spin_us, text in ((0.002, 40_000, b"during the spin"), (0.02, 1000, b"after it")):
        sender = threading.Timer(delay, push.send, args=(text,))
        sender.start()
        assert wait_until(lambda: pollset.wait(50, spin_us) == [1], timeout=5)  # noqa: B023 - used at once
        sender.join()
        assert pull.recv() == text
