"""Fixtures shared by every test folder: sessions, zmqrepl contexts, pyzmq peers in other
processes (tests/peers) and the in-process IPython shell; all closed or stopped in teardown."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from tests.peers import Peer
from tests.support import fresh_ipython, unload_zmqrepl
from zmqrepl.core import Context
from zmqrepl.session import Session


@pytest.fixture
def session() -> Iterator[Session]:
    """A Session with linger 0, closed after the test."""
    s = Session(linger=0)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def ctx() -> Iterator[Context]:
    """A private context, destroyed (linger 0) after the test."""
    context = Context()
    try:
        yield context
    finally:
        context.destroy(linger=0)


@pytest.fixture
def start_peer() -> Iterator[Callable[..., Peer]]:
    """``start_peer(ROLE, *ARGS)`` -> a ready Peer (``python -m tests.peers ROLE ARGS``);
    ``start_peer()`` is an "ops" peer driven by ``call``. All are stopped in teardown."""
    peers: list[Peer] = []

    def start(role: str = "ops", *args: str) -> Peer:
        peer = Peer(role, *args)
        peers.append(peer)
        return peer

    try:
        yield start
    finally:
        for peer in peers:
            peer.stop()
        for peer in peers:
            assert peer.proc.poll() is not None, "a pyzmq peer survived teardown"


@pytest.fixture
def pypeer(start_peer: Callable[..., Peer]) -> Callable[[], Peer]:
    """``pypeer()`` -> a fresh "ops" peer."""
    return lambda: start_peer("ops")


@pytest.fixture
def ipython() -> Iterator[Any]:
    """The in-process IPython shell with ``%load_ext zmqrepl``; unloaded afterwards."""
    ip = fresh_ipython()
    ip.run_line_magic("load_ext", "zmqrepl")
    try:
        yield ip
    finally:
        unload_zmqrepl(ip)
