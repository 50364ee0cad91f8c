"""What the session keeps up with: a paced C publisher against a bare pyzmq loop, a watching
Session and the interactive shell, in one run.

    .venv/bin/python -m bench.ingest [--rates 200k,500k,1M] [--seconds 4] [--receivers ...] [--runs N]
                                     [--pub-sndhwm N]

For each rate a C publisher (bench/c/pacedpub.c: XPUB, libzmq's default HWMs unless
--pub-sndhwm, tcp on 127.0.0.1, 16-byte messages) sends for --seconds to one receiver at
a time, a fresh publisher each: a bare pyzmq ``recv()`` loop on a SUB, a Session whose
SUB is watched (its own counter counts), the same with a filter and a recording (``watch --where``, ``record
--where`` with another expression; at the rates of --filter-rates; the lines the recording
wrote are counted in its file at the end), and the shell (``python -m zmqrepl`` in a
pseudo-terminal, watching; its ``sockets`` table counts). Every receiver is a process of
its own, so CPU is its own: user+system seconds from its first message to its last, as a
share of one core over the stream. In the shell, a key is typed about every 250 ms while
the stream runs and the time until the pty shows it is the echo latency; RSS is the shell's
resident memory after ``watch`` and at the end. Receivers run one after another, so no two
compete for the 2 CPUs; the table goes to stdout (Markdown), progress to stderr.

With libzmq's default SNDHWM the publisher itself drops about 2 % at 500k msg/s, whoever
receives (pacedpub.c says why); --pub-sndhwm 2000 or more takes that loss away, so what is
lost is then the receiver's. The publisher counts what it dropped (and the most in any
10 ms): the table splits what a receiver did not get into that and what was lost after
sending, which is the receiver's own loss. Those drops move one pairing by thousands of
messages either way, so with --runs 2 or more a line per rate and receiver sums it up
against the loop of the same runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import pexpect

from .cbuild import build_c

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
SIZE = 16
# Every message is evaluated by each; told apart by what they let through (the last digit
# of the ASCII sequence number): the watch's 9 in 10, the recording's 8 in 10.
WATCH_FILTER = "--where \"topic[-1:] != b'7'\""
RECORD_FILTER = "--where \"topic[-1:] < b'8'\""
_TICK = os.sysconf("SC_CLK_TCK")
LOOP = "bare pyzmq recv()"
_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


@dataclass
class Figures:
    receiver: str
    rate: int
    sent: int = 0
    received: int = 0
    pub_dropped: int = 0  # of those sent, dropped by the publisher's own HWM
    pub_worst: int = 0  # the most it dropped in 10 ms
    steal_ms: float = 0.0  # CPU time the hypervisor took from this machine meanwhile
    matched: int = -1  # by the watch's filter
    recorded: int = -1  # by the recording's filter, as the session counted
    lines: int = -1  # lines in the recording's file at the end
    cpu: float = 0.0  # share of one core over the stream
    echo_ms: list[float] = field(default_factory=list)
    rss_mb: tuple[float, float] = (0.0, 0.0)

    @property
    def lost_after_sending(self) -> int:
        """Of those the publisher sent, what the receiver did not get: its own loss."""
        return self.sent - self.pub_dropped - self.received


def _rate(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1000, "m": 1000000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


class Publisher:
    def __init__(self, exe: Path, rate: int, seconds: float, sndhwm: int | None) -> None:
        """``sndhwm``: None for libzmq's default."""
        self.rate = rate
        hwm = [] if sndhwm is None else [str(sndhwm)]
        self.proc = subprocess.Popen(
            [str(exe), str(rate), str(seconds), str(SIZE), *hwm], stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        word, self.endpoint = self.proc.stdout.readline().split()
        assert word == "ready", word
        self.steal0 = _steal_s()

    def finish(self, fig: Figures) -> None:
        """Into ``fig``: how many were sent, how many of them the publisher dropped."""
        out, _ = self.proc.communicate(timeout=120)
        word, sent, _seconds, dropped, worst = out.split()
        assert word == "sent", out
        fig.sent, fig.pub_dropped, fig.pub_worst = int(sent), int(dropped), int(worst)
        fig.steal_ms = (_steal_s() - self.steal0) * 1000


def _peer(publisher: Publisher, role: str, *commands: str) -> dict[str, float]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.ingest_peer", role, publisher.endpoint, *commands],
        stdout=subprocess.PIPE,
        text=True,
        cwd=str(ROOT),
    )
    out, _ = proc.communicate(timeout=120)
    result = json.loads(out.splitlines()[-1])
    assert isinstance(result, dict)
    return result


def run_peer(
    pub: Publisher, seconds: float, role: str, label: str, *commands: str, recording: str = ""
) -> Figures:
    """``recording``: the file the commands record to, whose lines are counted at the end."""
    got = _peer(pub, role, *commands)
    fig = Figures(label, pub.rate, received=int(got["received"]), matched=int(got.get("matched", -1)))
    pub.finish(fig)
    fig.recorded = int(got.get("recorded", -1))
    if recording:
        with open(recording, "rb") as fh:  # the peer has exited: its recording is closed
            fig.lines = sum(1 for _ in fh)
    fig.cpu = got["cpu"] / seconds
    return fig


def _steal_s() -> float:
    """Seconds of CPU the hypervisor has taken from this machine's CPUs (/proc/stat's
    steal): on a shared host it comes in bursts that stall the publisher as much as any
    receiver does, so each row says how much of it fell in its run."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    return int(fields[8]) / _TICK if len(fields) > 8 else 0.0


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class _Pty:
    """The real shell in a pseudo-terminal; everything it writes is read and kept."""

    def __init__(self, home: str) -> None:
        env = dict(
            os.environ, TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1", XDG_STATE_HOME=home, XDG_CONFIG_HOME=home
        )
        env.pop("NO_COLOR", None)
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "zmqrepl", "--no-color"],
            env=env,
            dimensions=(30, 120),
            cwd=home,
            timeout=30,
        )
        self.child.delaybeforesend = None  # pexpect waits 50 ms before each send by default
        self.out = b""

    def read(self, seconds: float) -> bytes:
        end, got = time.monotonic() + seconds, b""
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            try:
                got += self.child.read_nonblocking(65536, timeout=left)
            except pexpect.TIMEOUT:
                break
        self.out += got
        return got

    def until(self, text: bytes, timeout: float = 30.0) -> None:
        start = len(self.out)
        deadline = time.monotonic() + timeout
        while text not in _ESCAPES.sub(b"", self.out[start:]):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the shell did not show {text!r}: {self.out[-2000:]!r}")
            self.read(0.05)

    def command(self, line: str, expect: bytes) -> None:
        self.child.send(line + "\r")
        self.until(expect)

    def echo(self, key: str = "~") -> float:
        """Milliseconds from typing ``key`` to seeing it, then rub it out."""
        t0 = time.perf_counter()
        self.child.send(key)
        seen = b""
        while key.encode() not in seen:
            seen += self.child.read_nonblocking(65536, timeout=5)
        ms = (time.perf_counter() - t0) * 1000
        self.out += seen
        self.child.send("\x7f")
        return ms


def run_shell(pub: Publisher, seconds: float) -> Figures:
    with tempfile.TemporaryDirectory() as home:
        sh = _Pty(home)
        try:
            sh.until(b"zmq>")
            sh.command("socket s sub", b"zmq>")
            sh.command(f"connect s {pub.endpoint}", b"zmq>")
            sh.command("watch s", b"zmq>")
            rss0 = _rss_mb(sh.child.pid)
            cpu0 = _proc_cpu(sh.child.pid)
            sh.child.send("subscribe s\r")  # the publisher starts at the subscription
            fig = Figures("shell (watch, pty)", pub.rate)
            while pub.proc.poll() is None:
                sh.read(0.25)
                if pub.proc.poll() is None:
                    fig.echo_ms.append(sh.echo())
            pub.finish(fig)
            cpu = _proc_cpu(sh.child.pid) - cpu0
            sh.read(1.0)
            fig.rss_mb = (rss0, _rss_mb(sh.child.pid))
            fig.cpu = cpu / seconds
            start = len(sh.out)
            sh.command("sockets", b"live")
            sh.read(0.3)
            table = _ESCAPES.sub(b"", sh.out[start:]).decode("utf-8", "replace")
            found = re.search(
                r"^s\s+sub\s.*\s(\d+)(?: \(\d+ matched\))?\s+\S+\s+\d+\s+\d+\s+\S+\s*$", table, re.M
            )
            if found is None:
                raise RuntimeError(f"no row for s in the sockets table:\n{table}")
            fig.received = int(found.group(1))
            sh.child.send("quit\r")
            sh.child.expect(pexpect.EOF, timeout=10)
        finally:
            sh.child.close(force=True)
    return fig


def _k(n: float) -> str:
    return f"{n / 1e6:.2f}M" if n >= 1e6 else f"{n / 1e3:.0f}k" if n >= 1e3 else f"{n:.0f}"


def _written(f: Figures) -> str:
    if f.recorded < 0 and f.lines < 0:
        return ""
    return f"{f.recorded:,} / {f.lines:,}"


def table(rows: list[Figures]) -> list[str]:
    out = [
        "| rate (msg/s) | receiver | sent | received | share | publisher dropped (worst 10 ms) "
        "| lost after sending | matched | recorded / lines written "
        "| CPU (1 core) | echo p50 / max (ms) | RSS start / end (MB) | steal (ms) |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for f in rows:
        echo = f"{statistics.median(f.echo_ms):.0f} / {max(f.echo_ms):.0f}" if f.echo_ms else ""
        rss = f"{f.rss_mb[0]:.0f} / {f.rss_mb[1]:.0f}" if f.rss_mb[1] else ""
        out.append(
            f"| {_k(f.rate)} | {f.receiver} | {f.sent:,} | {f.received:,} "
            f"| {f.received / max(1, f.sent):.1%} | {f.pub_dropped:,} ({f.pub_worst:,}) "
            f"| {f.lost_after_sending:,} "
            f"| {'' if f.matched < 0 else f'{f.matched:,}'} | {_written(f)} | {f.cpu:.0%} | {echo} | {rss} "
            f"| {f.steal_ms:.0f} |"
        )
    return out


def paired(rows: list[Figures]) -> list[str]:
    """For each rate run more than once, each receiver against the loop of the same runs: a
    single pairing moves by several thousand messages with the publisher's own drops
    (pacedpub.c), so only the spread over many says which is ahead."""
    out = []
    for rate in sorted({f.rate for f in rows}):
        at_rate = [f for f in rows if f.rate == rate]
        loops = [f for f in at_rate if f.receiver == LOOP]
        for receiver in dict.fromkeys(f.receiver for f in at_rate if f.receiver != LOOP):
            others = [f for f in at_rate if f.receiver == receiver]
            if len(loops) != len(others) or len(others) < 2:
                continue
            diffs = [o.received - p.received for p, o in zip(loops, others)]
            lost = sum(f.lost_after_sending for f in loops + others)
            out.append(
                f"{_k(rate)} msg/s, {len(diffs)} pairings, {receiver} minus the loop: median "
                f"{statistics.median(diffs):+,.0f}, mean {statistics.mean(diffs):+,.0f} "
                f"({min(diffs):+,} to {max(diffs):+,}), level or ahead in {sum(d >= 0 for d in diffs)}; "
                f"received: the loop {sum(f.received for f in loops):,}, {receiver} "
                f"{sum(f.received for f in others):,}; lost after sending, both: {lost:,}"
            )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.split("\n\n")[0])
    ap.add_argument("--rates", default="200k,500k,1M", help="publisher rates, msg/s (k and M allowed)")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--filter-rates", default="200k", help="rates for the filtered, recorded session")
    ap.add_argument(
        "--receivers", default="pyzmq,session,filter,shell", help="which of pyzmq,session,filter,shell to run"
    )
    ap.add_argument("--runs", type=int, default=1, help="repeat the whole series")
    ap.add_argument("--pub-sndhwm", type=int, default=None, help="the publisher's SNDHWM (default: libzmq's)")
    args = ap.parse_args(argv)
    hwms = (
        "default HWMs"
        if args.pub_sndhwm is None
        else f"publisher SNDHWM {args.pub_sndhwm}, other HWMs default"
    )
    which = set(args.receivers.split(","))
    exe = build_c("pacedpub")
    rows: list[Figures] = []
    filter_rates = {_rate(r) for r in args.filter_rates.split(",") if r}
    started = time.monotonic()
    series = [_rate(r) for r in args.rates.split(",")] * args.runs

    def pub(rate: int) -> Publisher:  # a fresh one for each receiver
        return Publisher(exe, rate, args.seconds, args.pub_sndhwm)

    with tempfile.TemporaryDirectory() as tmp:
        for run, rate in enumerate(series):
            if "pyzmq" in which:
                rows.append(run_peer(pub(rate), args.seconds, "pyzmq", LOOP))
            if "session" in which:
                rows.append(run_peer(pub(rate), args.seconds, "session", "Session (watch)"))
            if rate in filter_rates and "filter" in which:
                # A file of its own each run: a recording appends to what is there.
                rec = os.path.join(tmp, f"rec-{run}.jsonl")
                rows.append(
                    run_peer(
                        pub(rate),
                        args.seconds,
                        "session",
                        "Session (watch --where, record --where)",
                        f"watch s {WATCH_FILTER}",
                        f"record s {rec} {RECORD_FILTER}",
                        recording=rec,
                    )
                )
            if "shell" in which:
                rows.append(run_shell(pub(rate), args.seconds))
            print("\n".join(table(rows[-4:])), file=sys.stderr, flush=True)
    load = os.getloadavg()
    print(
        f"tcp 127.0.0.1, {SIZE} B, {hwms}, {args.seconds:g} s per receiver; "
        f"{time.monotonic() - started:.0f} s; load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print()
    print("\n".join(table(rows)))
    summary = paired(rows)
    if summary:
        print()
        print("\n\n".join(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
