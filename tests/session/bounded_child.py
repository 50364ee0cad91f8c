"""Runs session commands in a fresh interpreter and reports each outcome and the peak memory.

    python bounded_child.py '["socket s push", "send s @/dev/zero"]'

prints {"start_mb": peak RSS with the session made}, one JSON line per command, {"line",
"error", "seconds"}, then {"vmhwm_mb": peak RSS}.
The tests run it in a subprocess with a timeout, so a command that blocks or eats memory
without bound fails the test instead of the test run.
"""

from __future__ import annotations

import json
import sys
import time

from zmqrepl.session import CommandError, Session


def peak_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    session = Session(linger=0)
    print(json.dumps({"start_mb": peak_rss_mb()}), flush=True)
    try:
        for line in json.loads(sys.argv[1]):
            started = time.monotonic()
            error = None
            try:
                session.run(line)
            except CommandError as exc:
                error = exc.line
            print(
                json.dumps({"line": line, "error": error, "seconds": time.monotonic() - started}), flush=True
            )
    finally:
        session.close()
    print(json.dumps({"vmhwm_mb": peak_rss_mb()}), flush=True)


if __name__ == "__main__":
    main()
