"""%load_ext zmqrepl / zmqrepl.magics, a fresh session per load, %config settings."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from zmqrepl.magics import ZmqMagics

from .magic_support import Shell, complete_line


def _registered(shell: Shell) -> tuple[bool, bool]:
    magics = shell.ip.magics_manager.magics
    return "zmq" in magics["line"], "zmq" in magics["cell"]


def _zmq_matchers(shell: Shell) -> int:
    return sum(getattr(m, "__name__", "") == "zmq_matcher" for m in shell.ip.Completer.custom_matchers)


@pytest.mark.parametrize("extension", ["zmqrepl", "zmqrepl.magics"])
def test_load_ext_registers_line_and_cell_magic(bare_shell: Shell, extension: str) -> None:
    assert _registered(bare_shell) == (False, False)
    bare_shell.ok(f"%load_ext {extension}")
    assert _registered(bare_shell) == (True, True)
    assert isinstance(bare_shell.magics, ZmqMagics)

    bare_shell.ok("v = %zmq version")
    assert set(bare_shell["v"]) == {"zmqrepl", "libzmq", "python", "warning"}
    ran = bare_shell.ok("%%zmq\nsocket a pub\nbind a tcp://127.0.0.1:*\nsockets")
    assert "a: pub socket" in ran.stdout
    bare_shell.ok("t = %zmq sockets")
    assert [i.name for i in bare_shell["t"]] == ["a"]
    assert set(complete_line(bare_shell.ip, "%zmq sock")) == {"socket", "sockets"}

    session = bare_shell.magics.session
    bare_shell.ok(f"%unload_ext {extension}")
    assert session.closed
    # Unloading takes the magics and the completer away again.
    assert _registered(bare_shell) == (False, False)
    ran = bare_shell.run("%zmq sockets")
    assert isinstance(ran.error, UsageError)
    assert "sockets" not in complete_line(bare_shell.ip, "%zmq sock")


def test_loading_twice_is_harmless_and_reload_starts_a_fresh_session(shell: Shell) -> None:
    shell.ok("%zmq socket a pub")
    first = shell.magics
    shell.ok("%load_ext zmqrepl.magics")  # already loaded through zmqrepl: a no-op
    assert shell.magics is first
    assert _zmq_matchers(shell) == 1
    old_session = first.session
    shell.ok("%reload_ext zmqrepl")
    assert old_session.closed
    assert shell.magics is not first
    shell.ok("t = %zmq sockets")
    assert list(shell["t"]) == []
    assert _zmq_matchers(shell) == 1


def test_config_settings_reach_the_magics(shell: Shell) -> None:
    m = shell.magics
    assert (m.shown_messages, m.default_format, m.update_interval) == (20, "auto", 100)
    shell.ok("%config ZmqMagics.shown_messages = 5")
    shell.ok("%config ZmqMagics.default_format = 'hex'")
    shell.ok("%config ZmqMagics.update_interval = 500")
    shell.ok("%config ZmqMagics.linger = 0")
    assert (m.shown_messages, m.default_format, m.update_interval, m.linger) == (5, "hex", 500, 0)
    # linger applies to the sockets of the session.
    shell.ok("%zmq socket a pub")
    shell.ok("lg = %zmq get a linger")
    assert shell["lg"] == 0
    # settings survive a reload (they live in the shell's config)
    shell.ok("%reload_ext zmqrepl")
    assert shell.magics.shown_messages == 5
