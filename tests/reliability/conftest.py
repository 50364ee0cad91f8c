"""Fixtures for the reliability tests: sessions, child processes (killed in teardown),
a pyzmq peer, the compiled C sender, and an in-process IPython shell with %zmq."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from rel_support import Processes, PyPeer, build_sender

from zmqrepl.session import Session


@pytest.fixture
def procs() -> Iterator[Processes]:
    p = Processes()
    try:
        yield p
    finally:
        p.kill_all()


@pytest.fixture
def pypeer(procs: Processes) -> Callable[[], PyPeer]:
    return lambda: PyPeer(procs)


@pytest.fixture
def session() -> Iterator[Session]:
    s = Session(linger=0)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="session")
def sender(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sender(tmp_path_factory.mktemp("sender"))


@pytest.fixture
def ipython() -> Iterator[Any]:
    """The in-process IPython shell with ``%load_ext zmqrepl``; unloaded afterwards."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    ip = InteractiveShell.instance(config=config)
    for name in ("zmqrepl", "zmqrepl.magics"):
        if name in ip.extension_manager.loaded:
            ip.run_line_magic("unload_ext", name)
    ip.config.pop("ZmqMagics", None)  # a %config of an earlier test must not leak in
    ip.run_line_magic("load_ext", "zmqrepl")
    try:
        yield ip
    finally:
        for name in ("zmqrepl", "zmqrepl.magics"):
            if name in ip.extension_manager.loaded:
                ip.run_line_magic("unload_ext", name)
        ip.config.pop("ZmqMagics", None)
