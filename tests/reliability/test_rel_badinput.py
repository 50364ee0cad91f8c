"""Hypothesis-generated command lines (issue 6, item 7): Session.execute raises only
CommandError, the real ``zmqrepl`` program never prints a traceback and exits 0 or 1,
and %zmq raises only UsageError. Nothing hangs: each command runs under a watchdog.

Commands that wait by design (``recv`` without --timeout, ``poll``/``sleep`` with long
times) are interrupted by the watchdog and count as fine; anything else the watchdog
catches is a hang and fails the test.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zmqrepl.session import CommandError, Session
from zmqrepl.session.commands import ALIASES, COMMANDS
from zmqrepl.session.parser import parse
from zmqrepl.session.tokens import split_commands

from .rel_support import run_shell

WATCHDOG_S = 3.0
PROGRAM_EXAMPLES = int(os.environ.get("ZMQREPL_FUZZ_PROGRAM_EXAMPLES", "100"))
WAITING_COMMANDS = {"recv", "sleep", "poll"}

COMMAND_WORDS = sorted(COMMANDS) + sorted(ALIASES) + ["SOCKET", "Send", "sokcet"]
SOCKET_NAMES = ["a", "s", "r", "p", "nosuch", "1a", "a.b"]
TYPES = [
    "pub",
    "sub",
    "req",
    "rep",
    "dealer",
    "router",
    "push",
    "pull",
    "pair",
    "xpub",
    "xsub",
    "stream",
    "pubb",
    "PUB",
]
OPTIONS = [
    "linger",
    "rcvhwm",
    "sndhwm",
    "hwm",
    "maxmsgsize",
    "subscribe",
    "routing_id",
    "ipv6",
    "curve_server",
    "curve_secretkey",
    "curve_serverkey",
    "plain_username",
    "zap_domain",
    "last_endpoint",
    "events",
    "type",
    "rcvtimeo",
    "nosuchopt",
    "router_mandatory",
]
FRAMES = [
    '"two words"',
    "'single quoted'",
    '"esc \\n \\t \\x00 \\u00e9 \\q"',
    '"unclosed',
    "'",
    '""',
    "''",
    "0x0aff",
    "0xzz",
    "0x",
    "hex:0a:0b",
    "hex:0",
    "b64:AAEC",
    "b64:@@@",
    "b64:",
    'json:{"a":1}',
    "json:{",
    "json:'{\"a\": [1, 2]}'",
    'json:"x"x',
    "@/nonexistent",
    "@",
    "@/dev/null",
    "\\",
    "\\;",
    "\\#",
    "#comment",
    "x;y",
    "a\\ b",
    '"a";"b"',
]
FLAGS = [
    "--timeout",
    "--count",
    "--format",
    "--speed",
    "--stop",
    "--bogus",
    "--",
    "-",
    "--timeout=5",
    "--format=hex",
]
NUMBERS = [
    "0",
    "1",
    "-1",
    "5",
    "50",
    "1e5",
    "nan",
    "inf",
    "0x10",
    "3.5",
    "99999999999999999999999",
    "-99999999999999999999999",
    "007",
    "+3",
    "1_000",
]
WORDS = [
    "on",
    "off",
    "show",
    "allow",
    "deny",
    "curve",
    "plain",
    "any",
    "keypair",
    "text",
    "hex",
    "json",
    "msgpack",
    "auto",
    "127.0.0.1",
    "rDUHh&$Bc7&h9d5]c@[[9yx0:HU=?WDwjG*Zy^n2",
    "/dev/null",
    "/nonexistent/file",
    "/etc/hostname",
    "true",
    "false",
    "maybe",
]
ENDPOINTS = [
    "tcp://127.0.0.1:*",
    "tcp://*:*",
    "inproc://x",
    "inproc://",
    "ipc:///nonexistent/dir/x",
    "tcp://127.0.0.1:1",
    "tcp://127.0.0.1:99999",
    "udp://x",
    "tcp://",
    "tcp://[::1]:*",
    "tcp://127.0.0.1:*;",
    "nonsense",
]

token = st.one_of(
    st.sampled_from(COMMAND_WORDS),
    st.sampled_from(SOCKET_NAMES),
    st.sampled_from(TYPES),
    st.sampled_from(OPTIONS),
    st.sampled_from(FRAMES),
    st.sampled_from(FLAGS),
    st.sampled_from(NUMBERS),
    st.sampled_from(WORDS),
    st.sampled_from(ENDPOINTS),
    st.text(max_size=12),  # any unicode, controls included
    st.text(alphabet="\"'\\;#@:{}[] \t0x-", max_size=8),  # the characters the lexer cares about
)
command = st.tuples(st.sampled_from(COMMAND_WORDS), st.lists(token, max_size=6)).map(
    lambda t: " ".join([t[0], *t[1]])
)
line = st.one_of(
    command,
    st.lists(token, min_size=1, max_size=6).map(" ".join),
    st.lists(command, min_size=2, max_size=3).map("; ".join),
)
SETUP = [
    "socket a pub",
    "socket s sub",
    "socket r rep",
    "socket p pull",
    "bind p inproc://fuzz-p",
    "socket d dealer",
    "connect d inproc://fuzz-p",
]


class Hang(BaseException):
    """Raised in the main thread by the watchdog."""


@pytest.fixture
def watchdog() -> Iterator[Callable[[Callable[[], Any]], bool]]:
    """Run ``fn`` with a deadline; returns False if the watchdog had to interrupt it."""

    def on_signal(signum: int, frame: Any) -> None:
        raise Hang()

    old = signal.signal(signal.SIGUSR1, on_signal)

    def run(fn: Callable[[], Any]) -> bool:
        timer = threading.Timer(WATCHDOG_S, os.kill, (os.getpid(), signal.SIGUSR1))
        timer.start()
        try:
            fn()
            return True
        except Hang:
            return False
        finally:
            timer.cancel()

    try:
        yield run
    finally:
        signal.signal(signal.SIGUSR1, old)


def command_name(text: str) -> str:
    try:
        parsed = parse(text)
    except CommandError:
        return ""
    return parsed.command.name if parsed else ""


def may_wait(text: str) -> bool:
    """Whether a line holds a command that may block by design. %zmq runs a line's
    commands one by one, so a waiting one (``recv r; ...``) blocks even when a later
    one does not parse; the session parses the whole line first."""
    try:
        parts = split_commands(text)
    except CommandError:
        parts = [text]
    return any(command_name(part) in WAITING_COMMANDS for part in [text, *parts])


def test_session_execute_raises_only_command_error(
    watchdog: Callable[[Callable[[], Any]], bool], tmp_path: Path
) -> None:
    os.chdir(tmp_path)  # record/source with relative names stay in tmp_path
    tried: list[str] = []

    @settings(max_examples=400, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(setup=st.lists(st.sampled_from(SETUP), max_size=5), lines=st.lists(line, min_size=1, max_size=4))
    def check(setup: list[str], lines: list[str]) -> None:
        session = Session(linger=0)
        try:
            for text in [*setup, *lines]:
                tried.append(text)

                def run(text: str = text) -> None:
                    try:
                        session.execute(text)
                    except CommandError as exc:
                        assert exc.line.startswith(exc.message)

                finished = watchdog(run)
                assert finished or may_wait(text), f"hang: {text!r}"
                if session.closed:
                    break
            if not session.closed:
                assert session.execute("sockets") is not None  # the session still answers
        finally:
            session.close()

    check()
    print(f"\nsession: {len(tried)} command lines, only CommandError")


def test_zmqrepl_program_never_prints_a_traceback(tmp_path: Path) -> None:
    scripts: list[str] = []

    @settings(
        max_examples=PROGRAM_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(setup=st.lists(st.sampled_from(SETUP), max_size=4), lines=st.lists(line, min_size=1, max_size=4))
    def collect(setup: list[str], lines: list[str]) -> None:
        text = "\n".join(ln.replace("\n", " ").replace("\r", " ") for ln in [*setup, *lines])
        # commands that wait by design get bounds, so the program always ends
        scripts.append(text.replace("recv ", "recv --timeout 100 ").replace("sleep ", "sleep 5 #"))

    collect()
    home = tmp_path / "home"
    (home / "config" / "zmqrepl").mkdir(parents=True)
    # linger 0: a script that queued messages for nobody need not wait 1 s at exit
    (home / "config" / "zmqrepl" / "config.ini").write_text("[shell]\nlinger = 0\n", encoding="utf-8")

    def run(script: str) -> tuple[str, Any]:
        t0 = time.monotonic()
        proc = run_shell([], stdin=script + "\n", timeout=30, home=home)
        took.append((time.monotonic() - t0, script))
        return script, proc

    took: list[tuple[float, str]] = []

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(run, scripts))
    statuses: dict[int, int] = {}
    for script, proc in results:
        statuses[proc.returncode] = statuses.get(proc.returncode, 0) + 1
        assert "Traceback" not in proc.stderr + proc.stdout, (script, proc.stderr)
        assert "internal error" not in proc.stderr, (script, proc.stderr)
        assert proc.returncode in (0, 1), (script, proc.returncode, proc.stderr)
        if proc.returncode == 1:
            assert proc.stderr.rstrip().splitlines()[-1].startswith("error: "), (script, proc.stderr)
    print(
        f"\nzmqrepl program: {len(scripts)} stdin scripts, exit statuses {statuses}; slowest "
        f"{max(took)[0]:.1f} s"
    )


def test_zmq_magic_raises_only_usage_error(
    ipython: Any, watchdog: Callable[[Callable[[], Any]], bool], tmp_path: Path
) -> None:
    from IPython.core.error import UsageError
    from IPython.utils.capture import capture_output

    os.chdir(tmp_path)
    ipython.run_line_magic("config", "ZmqMagics.linger = 0")
    tried: list[str] = []

    @settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(setup=st.lists(st.sampled_from(SETUP), max_size=3), lines=st.lists(line, min_size=1, max_size=3))
    def check(setup: list[str], lines: list[str]) -> None:
        for text in [*setup, *lines]:
            tried.append(text)

            def run(text: str = text) -> None:
                try:
                    with capture_output():
                        ipython.run_line_magic("zmq", text)
                except UsageError:
                    pass

            finished = watchdog(run)
            assert finished or may_wait(text), f"hang: {text!r}"
        with capture_output():
            for name in _session(ipython).socket_names():
                ipython.run_line_magic("zmq", f"close {name}")
            ipython.run_line_magic("zmq", "unwatch")

    check()
    print(f"\n%zmq: {len(tried)} command lines, only UsageError")


def _session(ip: Any) -> Session:
    session: Session = ip.magics_manager.registry["ZmqMagics"].session
    return session
