#!/usr/bin/env python3
"""Soak test (not run by `make test`): the real zmqrepl shell watching a rate-limited stream.

    .venv/bin/python scripts/soak.py --minutes 10 --rate 50000

Starts ``zmqrepl`` with commands on stdin (socket s pull; bind; watch s), a C PUSH sender
(tests/reliability/sender.c, compiled into a temporary directory) at --rate msg/s, samples
the shell's RSS and CPU every --every seconds, and at the end prints: messages sent vs
counted by the shell (from a final `sockets`), the achieved rate, RSS start/peak/end, CPU%.
Exits 1 if the counts differ.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "reliability"))

from rel_support import ZMQREPL, build_sender, rss_kib  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--rate", type=float, default=50_000, help="messages per second")
    ap.add_argument("--size", type=int, default=16, help="bytes per message (8..64)")
    ap.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    args = ap.parse_args()
    seconds = args.minutes * 60
    count = int(args.rate * seconds)

    with tempfile.TemporaryDirectory(prefix="zmqrepl-soak-") as tmp:
        home = Path(tmp)
        sender_bin = build_sender(home)
        env = dict(os.environ, XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home / "state"))
        shell = subprocess.Popen([str(ZMQREPL)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=env, bufsize=1)
        lines: queue.Queue[str] = queue.Queue()
        shown = [0]

        def read() -> None:
            assert shell.stdout is not None
            for text in shell.stdout:
                shown[0] += 1
                if not text.startswith("s ["):   # keep everything but watched messages
                    lines.put(text.rstrip("\n"))

        threading.Thread(target=read, daemon=True).start()
        sender = None
        try:
            assert shell.stdin is not None
            shell.stdin.write("socket s pull\nset s rcvhwm 100000\nbind s tcp://127.0.0.1:*\nwatch s\n")
            shell.stdin.flush()
            endpoint = ""
            deadline = time.monotonic() + 30
            while not endpoint and time.monotonic() < deadline:
                m = re.search(r"s bound to (\S+)", lines.get(timeout=30))
                endpoint = m.group(1) if m else ""
            if not endpoint:
                print("the shell did not bind", file=sys.stderr)
                return 1
            samples: list[tuple[float, int, float]] = []
            t0 = time.monotonic()
            cpu0 = cpu_seconds(shell.pid)
            samples.append((0.0, rss_kib(shell.pid), 0.0))
            sender = subprocess.Popen([str(sender_bin), endpoint, str(count), str(args.size),
                                       str(args.rate)], stdout=subprocess.PIPE, text=True)
            print(f"soak: {args.minutes:g} min at {args.rate:,.0f} msg/s of {args.size} B "
                  f"-> {endpoint} (shell pid {shell.pid})", flush=True)
            last_cpu, last_t = cpu0, t0
            while sender.poll() is None and time.monotonic() - t0 < seconds + 60:
                time.sleep(args.every)
                now, cpu = time.monotonic(), cpu_seconds(shell.pid)
                rss = rss_kib(shell.pid)
                pct = 100 * (cpu - last_cpu) / (now - last_t)
                samples.append((now - t0, rss, pct))
                last_cpu, last_t = cpu, now
                print(f"  {now - t0:7.1f} s  RSS {rss / 1024:7.1f} MiB  CPU {pct:5.1f}%", flush=True)
            if sender.poll() is None:
                sender.send_signal(signal.SIGTERM)
            out, _ = sender.communicate(timeout=60)
            sent, send_seconds = int(out.split()[1]), float(out.split()[2])
            elapsed = time.monotonic() - t0
            cpu_total = cpu_seconds(shell.pid) - cpu0
            # let the shell drain, then ask for its counters
            time.sleep(2.0)
            while not lines.empty():
                lines.get_nowait()
            shell.stdin.write("sockets\n")
            shell.stdin.flush()
            counted = -1
            deadline = time.monotonic() + 30
            while counted < 0 and time.monotonic() < deadline:
                row = lines.get(timeout=30)
                m = re.match(r"s +pull +\S+ \S+ +.*?(\d+) +(\d+) +\d+ +\d+ +watch", row)
                if m:
                    counted = int(m.group(1))
            shell.stdin.write("quit\n")
            shell.stdin.flush()
            shell.wait(timeout=30)
        finally:
            for proc in (sender, shell):
                if proc is not None and proc.poll() is None:
                    proc.kill()
                    proc.wait(timeout=10)

    rss = [r for _, r, _ in samples]
    print(f"sent {sent:,}, counted by the shell {counted:,} ({'exact' if sent == counted else 'MISMATCH'})")
    print(f"achieved rate {sent / send_seconds:,.0f} msg/s over {send_seconds:.1f} s "
          f"(run {elapsed:.1f} s); shell printed {shown[0]:,} lines")
    print(f"RSS start {rss[0] / 1024:.1f} MiB, peak {max(rss) / 1024:.1f} MiB, end {rss[-1] / 1024:.1f} MiB")
    print(f"CPU of the shell: {100 * cpu_total / elapsed:.1f}% of one core on average, "
          f"peak sample {max(p for _, _, p in samples):.1f}%")
    return 0 if sent == counted else 1


if __name__ == "__main__":
    sys.exit(main())
