"""Fixtures for the session tests: sessions closed in teardown, pyzmq peers killed in teardown."""

from __future__ import annotations

from typing import Callable, Iterator

import pytest
from peer_support import Peer

from zmqrepl.session import Session


@pytest.fixture
def session() -> Iterator[Session]:
    s = Session(linger=0)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def start_peer() -> Iterator[Callable[..., Peer]]:
    peers: list[Peer] = []

    def start(*args: str) -> Peer:
        peer = Peer(*args)
        peers.append(peer)
        return peer

    try:
        yield start
    finally:
        for peer in peers:
            peer.stop()
        for peer in peers:
            assert peer.proc.poll() is not None
