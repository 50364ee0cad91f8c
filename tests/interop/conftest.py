"""Fixtures for the pyzmq interoperability tests.

``peer`` starts ``pyzmq_peer.py`` in its own interpreter (``sys.executable``),
so pyzmq and its bundled libzmq never share a process with zmqrepl.core. The
peer is stopped (killed if need be) in teardown whatever happened. ``ctx`` is
a zmqrepl Context destroyed with linger 0 in teardown. Every wait is bounded.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest
from zr_interop_support import Peer

from zmqrepl.core import Context


@pytest.fixture
def start_peer(tmp_path: Path) -> Iterator[Any]:
    """Factory: ``start_peer()`` returns a fresh running Peer; all are stopped at teardown."""
    peers: list[Peer] = []

    def start() -> Peer:
        peer = Peer(tmp_path / f"peer{len(peers)}.stderr")
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
def peer(start_peer: Any) -> Peer:
    return start_peer()


@pytest.fixture
def ctx() -> Iterator[Context]:
    context = Context()
    try:
        yield context
    finally:
        context.destroy(linger=0)


@pytest.fixture
def ipc_dir() -> Iterator[str]:
    # A short directory of its own: ipc paths are limited to ~107 bytes.
    path = tempfile.mkdtemp(prefix="zri-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(params=["tcp", "ipc"])
def bind_endpoint(request: pytest.FixtureRequest, ipc_dir: str) -> str:
    """Where the zmqrepl side binds: any free port on 127.0.0.1, or a fresh ipc path."""
    if request.param == "tcp":
        return "tcp://127.0.0.1:*"
    return f"ipc://{ipc_dir}/sock"
