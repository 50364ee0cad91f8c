"""PollSet: the same items polled again and again, revents as plain ints."""

from __future__ import annotations

import os

import pytest

from zmqrepl.core import Context, PollItem, PollSet, ZMQError


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
