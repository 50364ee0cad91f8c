"""Parent side of the fuzzer: runs batches of sequences in child processes.

A child
that dies by a signal, exits early or hangs is a failure naming the sequence
it was running (the child prints each sequence id before running it).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child.py")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(CHILD)))

# A sequence does at most ~25 operations, each waiting 20 ms or so: seconds are a hang.
SEQUENCE_TIMEOUT = 20.0

_stats_lock = threading.Lock()
STATS: dict[str, Any] = {
    "sequences": 0,
    "operations": 0,
    "children": 0,
    "seconds": 0.0,
    "exceptions": Counter(),
}


@dataclass
class Finding:
    kind: str  # "crash", "hang", "unexpected exception"
    sequence: dict[str, Any] | None
    detail: str

    def report(self) -> str:
        seq = json.dumps(self.sequence, indent=None) if self.sequence is not None else "(unknown)"
        return (
            f"{self.kind} in sequence {self.sequence['id'] if self.sequence else '?'}:\n"
            f"{self.detail}\nsequence: {seq}\n"
            f"replay: echo '{{\"sequences\": [{seq}]}}' | {sys.executable} {CHILD}"
        )


@dataclass
class ChildResult:
    sequences: int = 0
    operations: int = 0
    exceptions: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)


def _describe_exit(returncode: int | None, stderr: str) -> tuple[str, str]:
    if returncode is None:
        return "hang", "killed after the child's overall timeout"
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return "crash", f"child killed by {name}"
    if "Timeout (" in stderr:
        return "hang", f"sequence ran past {SEQUENCE_TIMEOUT} s (faulthandler dump below)"
    if returncode == 3:
        return "hang", "the second thread did not finish"
    return "crash", f"child exited with status {returncode}"


def run_child(sequences: list[dict[str, Any]]) -> ChildResult:
    """Run sequences in one child process; parse what it printed."""
    started = time.monotonic()
    request = json.dumps({"sequences": sequences, "sequence_timeout": SEQUENCE_TIMEOUT})
    by_id = {s["id"]: s for s in sequences}
    overall = 30.0 + SEQUENCE_TIMEOUT + 2.0 * len(sequences)
    env = dict(os.environ, PYTHONFAULTHANDLER="1")
    returncode: int | None
    try:
        proc = subprocess.run(
            [sys.executable, CHILD],
            input=request,
            capture_output=True,
            text=True,
            timeout=overall,
            cwd=ROOT,
            env=env,
        )
        stdout, stderr, returncode = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:  # subprocess.run has killed it
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        stderr = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        returncode = None
    result = ChildResult()
    running: int | None = None
    done = False
    for line in stdout.splitlines():
        tag, _, rest = line.partition(" ")
        if tag == "B":
            running = int(rest)
        elif tag == "E":
            seq_id, ops, counts = rest.split(" ", 2)
            result.sequences += 1
            result.operations += int(ops)
            result.exceptions.update(json.loads(counts))
            running = None
        elif tag == "U":
            seq_id, info = rest.split(" ", 1)
            item = json.loads(info)
            result.findings.append(
                Finding(
                    "unexpected exception",
                    by_id.get(int(seq_id)),
                    f"{item['where']} {item['op']}: {item['exception']}\n{item['traceback']}",
                )
            )
        elif tag == "DONE":
            done = True
    if not done or returncode != 0:
        kind, why = _describe_exit(returncode, stderr)
        if running is None and done:
            kind, why = "crash", f"at exit after all sequences: {why}"
        result.findings.append(
            Finding(
                kind,
                by_id.get(running) if running is not None else None,
                f"{why}\nstderr (tail):\n{stderr[-4000:]}",
            )
        )
    with _stats_lock:  # children run from a thread pool
        STATS["seconds"] += time.monotonic() - started
        STATS["sequences"] += result.sequences
        STATS["operations"] += result.operations
        STATS["children"] += 1
        STATS["exceptions"].update(result.exceptions)
    return result


def summary_line() -> str:
    exc = ", ".join(f"{name} {n}" for name, n in STATS["exceptions"].most_common())
    return (
        f"zmqrepl.core fuzz: {STATS['sequences']} sequences, {STATS['operations']} operations "
        f"in {STATS['children']} child processes, {STATS['seconds']:.1f} s of child time; "
        f"exceptions by type: {exc or 'none'}"
    )
