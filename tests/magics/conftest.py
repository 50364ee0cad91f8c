"""Fixtures of the magic tests: an in-process IPython shell (fresh ZmqMagics and session per
test) and pyzmq peers (tests.peers, through the shared ``start_peer``)."""

from __future__ import annotations

from typing import Callable, Iterator

import pytest

from tests.peers import Peer
from tests.support import fresh_ipython, unload_zmqrepl

from .magic_support import RecordingPublisher, Shell


@pytest.fixture
def bare_shell() -> Iterator[Shell]:
    """The shell with a recording display publisher and without the extension."""
    ip = fresh_ipython()
    old = ip.display_pub
    pub = RecordingPublisher(shell=ip)
    ip.display_pub = pub
    shell = Shell(ip, pub)
    before = set(ip.user_ns)
    try:
        yield shell
    finally:
        unload_zmqrepl(ip)
        ip.display_pub = old
        for name in set(ip.user_ns) - before:
            ip.user_ns.pop(name, None)


@pytest.fixture
def shell(bare_shell: Shell) -> Shell:
    """The shell with ``%load_ext zmqrepl`` done: a fresh ZmqMagics and session."""
    bare_shell.ok("%load_ext zmqrepl")
    return bare_shell


@pytest.fixture
def peer(start_peer: Callable[..., Peer]) -> Callable[..., Peer]:
    """``peer(ROLE, *ARGS)``: a pyzmq peer; a publisher's messages here are "m-<i>"."""
    return lambda role, *args: start_peer(role, "--prefix", "m", *args)
