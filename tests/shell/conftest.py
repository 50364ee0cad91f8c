"""Fixtures for the shell tests: sessions, pyzmq peers (other processes), all stopped in teardown."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "session"))

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
