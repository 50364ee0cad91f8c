"""Fixtures for the pyzmq interoperability tests.

``peer`` is an "ops" peer of tests.peers (pyzmq in its own interpreter, so pyzmq and its
bundled libzmq never share a process with zmqrepl.core), stopped in teardown; ``start_peer``
and ``ctx`` come from tests/conftest.py. Every wait is bounded.
"""

from __future__ import annotations

import shutil
import tempfile
from typing import Callable, Iterator

import pytest

from tests.peers import Peer


@pytest.fixture
def peer(start_peer: Callable[..., Peer]) -> Peer:
    return start_peer()


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
