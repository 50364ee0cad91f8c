"""The real ``zmqrepl`` program on hostile input: bad UTF-8 in scripts, on stdin and in
argv; stdout that cannot show every character; devices and pipes named as files;
megabyte lines; a config file that is a FIFO. Each answer is one line on stderr, no
traceback, no "internal error", and nothing blocks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from tests.peers import Peer

ZMQREPL = [sys.executable, "-m", "zmqrepl"]
MB = 1_000_000
HANG = 60.0  # seconds: detects a hang or a quadratic path, not a speed


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(
        os.environ,
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        TERM="xterm",
    )
    env.pop("ZMQREPL_DEBUG", None)
    env.update(extra)
    return env


def run(
    args: list[str] | list[bytes], tmp_path: Path, stdin: bytes = b"", **extra: str
) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(
        [*ZMQREPL, *args],
        input=stdin,
        capture_output=True,
        timeout=HANG,
        env=env_for(tmp_path, **extra),
        cwd=tmp_path,
    )
    for stream in (proc.stdout, proc.stderr):
        assert b"Traceback" not in stream and b"internal error" not in stream, stream[-2000:]
    return proc


def one_error(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and "(hint: " in lines[0], lines[0]
    return lines[0]


def test_script_with_bad_utf8(tmp_path: Path) -> None:
    script = tmp_path / "bad.zmq"
    script.write_bytes(b"version\nsocket b\xc3\x28 pub\n")
    proc = run([str(script)], tmp_path)
    assert proc.returncode == 2
    assert one_error(proc) == (
        f"error: {script} line 2 column 9: byte 0xc3 is not valid UTF-8 (hint: save the script as UTF-8)"
    )
    assert proc.stdout == b""  # refused before anything ran


@pytest.mark.parametrize(
    "locale",
    [{"LC_ALL": "C", "PYTHONIOENCODING": "ascii"}, {"PYTHONIOENCODING": "utf-8:strict"}, {"LC_ALL": "C"}],
)
def test_stdin_with_bad_utf8_under_strict_decoders(tmp_path: Path, locale: dict[str, str]) -> None:
    proc = run([], tmp_path, stdin=b"version\nsocket \xff pub\nversion\n", **locale)
    assert proc.returncode == 1
    assert one_error(proc).startswith("error: stdin line 2 column 8: byte 0xff is not valid UTF-8")
    assert proc.stdout.count(b"zmqrepl ") == 1  # line 1 ran, line 3 did not


def test_stdin_in_utf8_works_whatever_the_locale(tmp_path: Path) -> None:
    proc = run(
        [],
        tmp_path,
        stdin="socket a pull; bind a inproc://x; socket b push; connect b inproc://x\n"
        'send b "héllo €"; recv a --timeout 5000\n'.encode(),
        LC_ALL="C",
        PYTHONIOENCODING="ascii",
    )
    assert proc.returncode == 0, proc.stderr
    assert b"h\\xe9llo \\u20ac" in proc.stdout  # shown as escapes by an ASCII stdout, not a crash


def test_argv_with_undecodable_bytes(tmp_path: Path) -> None:
    proc = run([b"-c", b"send s caf\xe9"], tmp_path)
    assert proc.returncode == 1
    assert one_error(proc).startswith("error: command line column 11: byte 0xe9 is not valid UTF-8")


def test_send_at_dev_stdin_never_blocks_on_a_pipe(tmp_path: Path) -> None:
    # stdin is a pipe this test keeps open and never writes: reading it would block for ever.
    with subprocess.Popen(
        [*ZMQREPL, "-c", "socket s push; send s @/dev/stdin; version"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env_for(tmp_path),
        cwd=tmp_path,
    ) as proc:
        out, err = proc.communicate(timeout=HANG)
    assert proc.returncode == 1
    assert err.decode().strip().startswith("error: @/dev/stdin is not a regular file (it is a FIFO)")
    assert b"zmqrepl " not in out


def test_send_at_dev_stdin_reads_a_regular_file(tmp_path: Path) -> None:
    data = tmp_path / "data.bin"
    data.write_bytes(b"x" * 1234)
    with open(data, "rb") as stdin:
        proc = subprocess.run(
            [
                *ZMQREPL,
                "-c",
                "socket a pull; bind a inproc://x; socket s push; connect s inproc://x; send s @/dev/stdin",
            ],
            stdin=stdin,
            capture_output=True,
            timeout=HANG,
            env=env_for(tmp_path),
            cwd=tmp_path,
        )
    assert proc.returncode == 0, proc.stderr
    assert b"s: sent 1 part, 1234 bytes" in proc.stdout


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom", "/proc/self"])
def test_a_device_as_the_script(tmp_path: Path, target: str) -> None:
    proc = run([target], tmp_path)
    assert proc.returncode == 2
    assert f"error: script {target} is not a regular file" in one_error(proc)


@pytest.mark.parametrize("how", ["stdin", "script"])
def test_megabyte_line_in_batch(tmp_path: Path, how: str) -> None:
    for name, (line, expected) in {
        "200000 quoted words": ("send s " + '"ab" ' * (MB // 5), "at most 100000 words"),
        "one 1 MB frame": ('send s "' + "a" * MB + '"', "no socket named 's'"),
    }.items():
        script = tmp_path / "big.zmq"
        script.write_text(line + "\n", encoding="utf-8")
        started = time.monotonic()
        proc = run(
            [str(script)] if how == "script" else [],
            tmp_path,
            stdin=(line + "\n").encode() if how == "stdin" else b"",
        )
        seconds = time.monotonic() - started
        error = one_error(proc)
        assert len(error) < 300
        print(f"{how}, {name}: answered in {seconds:.2f} s (with interpreter start): {error[:60]}")
        assert expected in error, (name, error)


def test_devices_through_the_program_keep_memory_flat(tmp_path: Path) -> None:
    commands = (
        "socket s push; set s maxmsgsize -1",
        "send s @/dev/zero",
        "source /dev/zero",
        "source /dev/urandom",
        "replay /dev/zero s",
    )
    wrapper = (
        "import resource, subprocess, sys, json\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True)\n"
        "print(json.dumps([p.returncode, p.stderr.decode(), "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024]))\n"
    )
    for command in commands[1:]:
        proc = subprocess.run(
            [sys.executable, "-c", wrapper, *ZMQREPL, "-c", f"{commands[0]}; {command}"],
            capture_output=True,
            text=True,
            timeout=HANG,
            env=env_for(tmp_path),
        )
        code, err, peak_mb = json.loads(proc.stdout)
        print(f"{command}: peak RSS {peak_mb} MB: {err.strip()[:70]}")
        assert code == 1 and "is not a regular file (it is a character device)" in err
        assert peak_mb < 200


def test_config_file_that_is_a_fifo_or_bad_utf8(tmp_path: Path) -> None:
    config = tmp_path / "config" / "zmqrepl"
    config.mkdir(parents=True)
    os.mkfifo(config / "config.ini")
    proc = run(["-c", "version"], tmp_path)
    assert proc.returncode == 0
    assert proc.stderr.decode().startswith(
        f"warning: ignoring {config}/config.ini is not a regular file (it is a FIFO)"
    )
    os.unlink(config / "config.ini")
    (config / "config.ini").write_bytes(b"[shell]\nlinger = 5\xff\n")
    proc = run(["-c", "version"], tmp_path)
    assert proc.returncode == 0
    assert proc.stderr.decode().startswith(
        f"warning: ignoring {config}/config.ini line 2 column 11: byte 0xff is not valid UTF-8"
    )


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_as_stdin_is_read_a_line_at_a_time_bounded(tmp_path: Path, device: str) -> None:
    wrapper = (
        "import resource, subprocess, sys, json\n"
        "with open(sys.argv[1], 'rb') as stdin:\n"
        "    p = subprocess.run(sys.argv[2:], stdin=stdin, capture_output=True)\n"
        "print(json.dumps([p.returncode, p.stderr.decode('utf-8', 'replace'), "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, device, *ZMQREPL],
        capture_output=True,
        text=True,
        timeout=HANG,
        env=env_for(tmp_path),
    )
    code, err, peak_mb = json.loads(proc.stdout)
    print(f"stdin from {device}: peak RSS {peak_mb} MB: {err.strip()[:80]}")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("error: stdin line ")  # too long (zeros) or not UTF-8 (random bytes)
    assert peak_mb < 200


# Only "\n" (and "\r\n") ends a line of a script: the other breaks of str.splitlines are text.
ODD_BREAKS = "\u2028\x0c\x0b\x1c\x1d\x1e\x85\u2029"


@pytest.mark.parametrize("how", ["script", "source"])
def test_a_quoted_frame_holding_odd_line_breaks_is_sent_whole(
    tmp_path: Path, how: str, start_peer: Callable[..., Peer]
) -> None:
    peer = start_peer("pull")
    frame = f"a{ODD_BREAKS}b"
    multi = "two\nlines"  # a quote may span lines, in a script as in a source file
    script = tmp_path / "odd.zmq"
    script.write_bytes(
        (
            f"socket p push\r\nconnect p {peer.endpoint}\r\n"
            f"send p '{frame}'\r\nsend p '{multi}'\nsend p last # after 6 lines\n"
        ).encode()
    )
    proc = run([str(script)] if how == "script" else ["-c", f"source {script}"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert peer.expect("GOT") == "GOT " + frame.encode().hex()
    assert peer.expect("GOT") == "GOT " + multi.encode().hex()
    assert peer.expect("GOT") == "GOT " + b"last".hex()


def test_script_and_source_refuse_a_long_line_alike(tmp_path: Path) -> None:
    script = tmp_path / "long.zmq"
    # 1 MiB is counted in bytes: 2 bytes a character make a line of 600,000 characters too long.
    script.write_bytes(("version\nsend s '" + "é" * 600_000 + "'\n").encode())
    expected = (
        f"error: {script} line 2 is longer than 1 MiB (hint: split it into shorter "
        "commands; send big frames with @path)"
    )
    assert one_error(run([str(script)], tmp_path)) == expected
    assert one_error(run(["-c", f"source {script}"], tmp_path)) == expected
