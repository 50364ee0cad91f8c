"""Fixtures: an in-process IPython shell (fresh ZmqMagics and session per test) and pyzmq peers."""

from __future__ import annotations

from typing import Callable, Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell
from magic_support import Peer, RecordingPublisher, Shell
from traitlets.config import Config


def _instance() -> InteractiveShell:
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    return InteractiveShell.instance(config=config)


def _unload_everything(ip: InteractiveShell) -> None:
    for name in ("zmqrepl", "zmqrepl.magics"):
        if name in ip.extension_manager.loaded:
            ip.run_line_magic("unload_ext", name)
    ip.config.pop("ZmqMagics", None)


@pytest.fixture
def bare_shell() -> Iterator[Shell]:
    """The shell with a recording display publisher and without the extension."""
    ip = _instance()
    _unload_everything(ip)
    old = ip.display_pub
    pub = RecordingPublisher(shell=ip)
    ip.display_pub = pub
    shell = Shell(ip, pub)
    before = set(ip.user_ns)
    try:
        yield shell
    finally:
        _unload_everything(ip)
        ip.display_pub = old
        for name in set(ip.user_ns) - before:
            ip.user_ns.pop(name, None)


@pytest.fixture
def shell(bare_shell: Shell) -> Shell:
    """The shell with ``%load_ext zmqrepl`` done: a fresh ZmqMagics and session."""
    bare_shell.ok("%load_ext zmqrepl")
    return bare_shell


@pytest.fixture
def peer() -> Iterator[Callable[..., Peer]]:
    """Start pyzmq peers in other processes; all are stopped after the test."""
    started: list[Peer] = []

    def start(*args: str) -> Peer:
        p = Peer(*args)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()
