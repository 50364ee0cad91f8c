"""Fixtures for the zmqrepl.core tests: contexts, endpoints over every transport."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from typing import Callable, Iterator

import pytest

from zmqrepl.core import Context, Socket

_names = itertools.count()

TRANSPORTS = ["inproc", "ipc", "tcp"]


@pytest.fixture
def ctx() -> Iterator[Context]:
    """A private context, destroyed (linger 0) after the test."""
    context = Context()
    yield context
    context.destroy(linger=0)


@pytest.fixture
def short_dir() -> Iterator[str]:
    # ipc paths are limited to ~107 bytes; pytest's tmp_path can be longer than that.
    path = tempfile.mkdtemp(prefix="zr", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _endpoint(transport: str, directory: str) -> str:
    n = next(_names)
    if transport == "inproc":
        return f"inproc://zmqrepl-test-{n}"
    if transport == "ipc":
        return f"ipc://{directory}/s{n}"
    return "tcp://127.0.0.1:*"


@pytest.fixture(params=TRANSPORTS)
def endpoint(request: pytest.FixtureRequest, short_dir: str) -> str:
    """An endpoint to bind to: inproc, ipc in a temporary directory, tcp on port *."""
    return _endpoint(request.param, short_dir)


@pytest.fixture
def new_endpoint(endpoint: str, short_dir: str) -> Callable[[], str]:
    """More endpoints of the same transport as ``endpoint``."""
    transport = endpoint.split("://")[0]
    return lambda: _endpoint(transport, short_dir)


@pytest.fixture
def connected(ctx: Context, endpoint: str) -> Callable[[str, str], tuple[Socket, Socket]]:
    """make(bind_type, connect_type) -> (bound, connecting) sockets joined over ``endpoint``."""

    def make(bind_type: str, connect_type: str) -> tuple[Socket, Socket]:
        a = ctx.socket(bind_type)
        b = ctx.socket(connect_type)
        for s in (a, b):
            s.set("linger", 0)
            s.set("rcvtimeo", 5000)
            s.set("sndtimeo", 5000)
        b.connect(a.bind(endpoint))
        return a, b

    return make
