"""The real ``zmqrepl`` program, non-interactively: -c, a script file, stdin and --version."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

import zmqrepl
from tests.peers import Peer

ZMQREPL = [sys.executable, "-m", "zmqrepl"]


def run(
    args: list[str], tmp_path: Path, stdin: str | None = "", timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        TERM="xterm",
    )
    env.pop("ZMQREPL_DEBUG", None)
    return subprocess.run(
        [*ZMQREPL, *args], input=stdin, capture_output=True, text=True, timeout=timeout, env=env, cwd=tmp_path
    )


def plain(proc: subprocess.CompletedProcess[str]) -> None:
    for text in (proc.stdout, proc.stderr):
        assert "\x1b" not in text
        assert "Traceback" not in text


def test_dash_c_success(tmp_path: Path) -> None:
    proc = run(["-c", "version; socket a pub; bind a tcp://127.0.0.1:*; sockets"], tmp_path)
    plain(proc)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("zmqrepl ") and "libzmq" in lines[0]
    assert lines[1].startswith("a: pub socket")
    assert lines[2].startswith("a bound to tcp://127.0.0.1:")
    assert lines[3].split()[:3] == ["name", "type", "endpoints"]
    assert lines[5].split()[:2] == ["a", "pub"]
    assert proc.stderr == ""


def test_dash_c_stops_at_first_failure(tmp_path: Path) -> None:
    proc = run(["-c", "version; sokcet a pub; socket b pub"], tmp_path)
    plain(proc)
    assert proc.returncode != 0
    assert "zmqrepl" in proc.stdout and "b: pub socket" not in proc.stdout
    assert proc.stderr.strip() == (
        "error: unknown command 'sokcet' (hint: did you mean socket or sockets or source?)"
    )


def test_script_file(tmp_path: Path, start_peer: Callable[..., Peer]) -> None:
    peer = start_peer("rep")
    script = tmp_path / "exchange.zmq"
    script.write_text(
        f"# a request/reply exchange\nsocket r req\nconnect r {peer.endpoint}\n"
        "send r hello; recv r --timeout 10000\nquit\nversion\n",
        encoding="utf-8",
    )
    proc = run([str(script)], tmp_path)
    plain(proc)
    assert proc.returncode == 0, proc.stderr
    assert "r [2 parts]" in proc.stdout
    assert "reply" in proc.stdout and "hello" in proc.stdout
    assert "zmqrepl 0.1" not in proc.stdout  # nothing runs after quit
    assert peer.expect("GOT") == "GOT " + b"hello".hex()


def test_script_file_failure_and_missing_file(tmp_path: Path) -> None:
    script = tmp_path / "bad.zmq"
    script.write_text("socket a pub\nbind a nowhere\nsocket b pub\n", encoding="utf-8")
    proc = run([str(script)], tmp_path)
    plain(proc)
    assert proc.returncode != 0
    assert "not an endpoint" in proc.stderr and "hint:" in proc.stderr
    assert "b: pub socket" not in proc.stdout
    missing = run([str(tmp_path / "nope.zmq")], tmp_path)
    plain(missing)
    assert missing.returncode != 0 and "cannot read" in missing.stderr


def test_stdin(tmp_path: Path) -> None:
    proc = run([], tmp_path, stdin="version\nsocket a sub # comment\nsockets\n")
    plain(proc)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1].startswith("a: sub socket")
    failing = run([], tmp_path, stdin="socket a sub\nsend a hi\nsocket b sub\n")
    plain(failing)
    assert failing.returncode != 0
    assert "does not support send" in failing.stderr
    assert "b: sub socket" not in failing.stdout


def test_watch_in_batch_prints_plain_messages(tmp_path: Path, start_peer: Callable[..., Peer]) -> None:
    peer = start_peer("pub", "--count", "30", "--prefix", "tick")
    proc = run(
        ["-c", f"socket s sub; connect s {peer.endpoint}; subscribe s; watch s; sleep 1500; sockets"],
        tmp_path,
    )
    plain(proc)
    assert proc.returncode == 0, proc.stderr
    assert "tick-0" in proc.stdout and "tick-29" in proc.stdout
    assert "s [2 parts]" in proc.stdout
    row = proc.stdout.splitlines()[-1]
    assert re.fullmatch(r"s +sub +connect tcp://\S+ +.*subscribe='' +30 +0 +\d+ +0 +watch", row), row


MALFORMED = [
    "sokcet a pub",
    "socket",
    "socket a",
    "socket a b c",
    "socket 1a pub",
    "socket a pubb",
    "socket a pub; socket a sub",
    "bind x tcp://*:1",
    "socket a pub; bind a foo",
    "socket a pub; bind a tcp://nohost:1",
    "socket a sub; set a rcvhwm abc",
    "socket a sub; set a nosuchopt 1",
    "socket a sub; set a ipv6 maybe",
    "socket a sub; get a subscribe",
    "socket a sub; set a routing_id 0xzz",
    "socket a pub; send a json:{bad",
    "socket a pub; send a b64:@@@",
    'socket a pub; send a "unclosed',
    "socket a pub; send a \\q",
    "socket a pub; recv a",
    "socket a sub; recv a --timeout x",
    "socket a sub; recv a --bogus 1",
    "socket a sub; recv a --timeout",
    "socket a sub; watch a --format weird",
    "help nosuch",
    "curve foo",
    "sleep -1",
    "sleep abc",
    "source /nonexistent",
    "socket a push; replay /etc/hostname a",
    "socket a sub; monitor a on",
    "socket a pub; subscribe a",
    "socket a sub; send a x",
    "socket a sub; set a linger 99999999999999999999",
    "socket a sub; set a sndhwm -1",
    "socket a pub; bind a ipc:///nonexistent/dir/x",
    "socket a sub; set a curve_secretkey bad",
    "socket a pub; send a @/nonexistent",
    "socket a pub; send a @/",
    "socket a rep; send a x",
    "socket a sub; set a maxmsgsize 1e5",
    "version extra",
    "'",
    '"',
    "\\",
    "socket a sub; close a; close a",
    "socket a push; send a --timeout",
    "json:{",
    "@",
    "--help",
    "socket a sub; unbind a tcp://127.0.0.1:5",
    "socket a pub; replay /dev/null a --speed nan",
    "socket a dealer; set a routing_id ''",
    "socket a sub; set a subscribe b64:=",
    "socket a push; set a sndtimeo 0; send a x",
    "sleep 99999999999999999999999999",
]


@pytest.mark.parametrize("commands", MALFORMED)
def test_malformed_commands_give_one_error_line(commands: str, tmp_path: Path) -> None:
    proc = run([f"-c{commands}"], tmp_path, timeout=20)
    plain(proc)
    assert proc.returncode == 1
    errors = proc.stderr.strip().splitlines()
    assert len(errors) == 1, proc.stderr
    assert errors[0].startswith("error: ") and "hint:" in errors[0]
    assert "internal error" not in errors[0]


def test_malformed_commands_on_stdin_do_not_stop_nothing_else_crashes(tmp_path: Path) -> None:
    # Every malformed command at once through stdin: the first failure ends the run, cleanly.
    proc = run([], tmp_path, stdin="\n".join(MALFORMED) + "\n")
    plain(proc)
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1


def test_console_script_and_settings(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("zmqrepl")
    assert script.exists()
    config = tmp_path / "config" / "zmqrepl"
    config.mkdir(parents=True)
    (config / "config.ini").write_text("[shell]\nlinger = 5\nmaxmsgsize = 1000\n", encoding="utf-8")
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_STATE_HOME=str(tmp_path / "st"))
    proc = subprocess.run(
        [str(script), "-c", "socket a pub; get a linger"], capture_output=True, text=True, timeout=30, env=env
    )
    plain(proc)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "a: pub socket (linger 5 ms, maxmsgsize 1000)",
        "a.linger = 5",
    ]
    (config / "config.ini").write_text(
        "[shell]\nheartbeat_ivl = 300\nheartbeat_timeout = 900\n", encoding="utf-8"
    )
    proc = subprocess.run(
        [str(script), "-c", "socket a sub; get a heartbeat_timeout"],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )
    plain(proc)
    assert proc.stdout.splitlines() == [
        "a: sub socket (linger 1000 ms, maxmsgsize 67108864, heartbeat every 300 ms, timeout 900 ms)",
        "a.heartbeat_timeout = 900",
    ], proc.stderr
    (config / "config.ini").write_text("[shell]\nlinger = soon\n", encoding="utf-8")
    proc = subprocess.run(
        [str(script), "-c", "socket a pub"], capture_output=True, text=True, timeout=30, env=env
    )
    plain(proc)
    assert proc.returncode == 0
    assert proc.stderr.startswith("warning: ignoring ") and "hint:" in proc.stderr
    assert "linger 1000 ms" in proc.stdout


def test_version_flag_prints_the_package_version(tmp_path: Path) -> None:
    """``zmqrepl --version``: the one version number (zmqrepl.__version__, which pyproject reads);
    tests/packaging checks the same of an installed sdist."""
    proc = run(["--version"], tmp_path, stdin=None)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"zmqrepl {zmqrepl.__version__}\n"
    assert proc.stderr == ""
