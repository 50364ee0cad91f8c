"""One Python process running one role (and, for inproc, its peer in a second thread).

    python -m bench.worker IMPL ROLE ENDPOINTS CONTROL PLAN PEER SUBS

The same arguments as c/zbench.c after IMPL; prints one line per block, "size value...".
With a PEER both threads share the interpreter, so the GIL applies: an inproc figure is the
rate of the pair, not of one side alone.
"""

from __future__ import annotations

import sys
import threading
from typing import Sequence

from .bindings import load
from .config import parse_plan
from .roles import ROLES, Job, Row

__all__ = ["main"]


def main(argv: Sequence[str]) -> int:
    if len(argv) != 7:
        print("usage: python -m bench.worker IMPL ROLE ENDPOINTS CONTROL PLAN PEER SUBS", file=sys.stderr)
        return 2
    impl, role, endpoints, control, plan, peer, subs = argv
    binding = load(impl)
    ctx = binding.context()
    job = Job(binding, ctx, endpoints.split(","), control, parse_plan(plan), int(subs))
    errors: list[BaseException] = []

    def run_peer() -> None:
        try:
            ROLES[peer](job)
        except Exception as exc:  # noqa: BLE001 - re-raised by the main thread
            errors.append(exc)

    thread = threading.Thread(target=run_peer, daemon=True) if peer != "-" else None
    if thread is not None:
        thread.start()
    rows: list[Row] = ROLES[role](job)
    if thread is not None:
        thread.join()
    if errors:
        raise errors[0]
    for size, *values in rows:
        print(int(size), *(f"{v:.3f}" for v in values), flush=True)
    binding.term(ctx)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
