"""``probe`` in the real shell, in a pseudo-terminal: one line per target, Ctrl-C cancels."""

from __future__ import annotations

import socket
from typing import Callable

from tests.peers import Peer

from .pty_shell import Shell


def test_probe_prints_one_line_and_ctrl_c_cancels_it(
    shell: Callable[..., Shell], start_peer: Callable[..., Peer]
) -> None:
    peer = start_peer()
    peer.call("socket", name="r", type="ROUTER", options=[["ROUTING_ID", "backend"]])
    endpoint = peer.call("bind", sock="r", endpoint="tcp://127.0.0.1:*")
    sh = shell()
    before = len(sh.plain())
    sh.command(f"probe {endpoint}", "identity 'backend'")
    out = sh.plain()[before:]
    assert f"{endpoint}: ZeroMQ (ZMTP 3.1), NULL security, a ROUTER socket, identity 'backend'\r\n" in out

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # the kernel accepts; nobody says a word
    try:
        port = silent.getsockname()[1]
        sh.command(f"probe tcp://127.0.0.1:{port} --timeout 300", "said nothing in 300 ms")
        sh.wait_prompt()
        sh.child.send(f"probe tcp://127.0.0.1:{port} --timeout 60000\r")
        sh.wait(lambda: sh.typed().rstrip() != "zmq>", "the probe waiting")
        sh.interrupt_until("cancelled")  # as for recv
        sh.wait_prompt()
    finally:
        silent.close()
    sh.command("probe ipc:///tmp/x", "probe only speaks tcp")
    assert "error: probe only speaks tcp, not ipc:// (hint: probe tcp://HOST:PORT" in sh.plain()
    sh.child.sendcontrol("d")
    assert sh.exit_status() == 0
