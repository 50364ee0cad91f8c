"""``%zmq probe``: the one line in a notebook, and errors as UsageError lines."""

from __future__ import annotations

from typing import Callable

from .magic_support import Peer, Shell


def test_zmq_probe_prints_the_line(shell: Shell, peer: Callable[..., Peer]) -> None:
    rep = peer("rep")
    shell["ep"] = rep.endpoint
    ran = shell.ok("%zmq probe {ep}")
    assert ran.stdout == f"{rep.endpoint}: ZeroMQ (ZMTP 3.1), NULL security, a REP socket\n"
    ran = shell.run("%zmq probe inproc://x")
    assert ran.error is not None and "probe only speaks tcp, not inproc://" in str(ran.error)
