"""Command line: pick the tests, run them, print one table (and write JSON)."""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from typing import Callable, Sequence

from .cbuild import build_zbench
from .config import IMPLS, PUBSUB_SIZES, QUICK_SIZES, SIZES, TESTS, TRANSPORTS, format_size, parse_size
from .importtime import import_times
from .pyzmq_env import MODES, pyzmq_python
from .report import machine_info, render_header, render_table, write_json
from .runner import ROOT
from .suite import Figure, Options, run_suite

__all__ = ["main"]


def _choices(allowed: Sequence[str]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        items = [t.strip().lower() for t in text.split(",") if t.strip()]
        bad = [t for t in items if t not in allowed]
        if bad or not items:
            raise argparse.ArgumentTypeError(f"pick from {','.join(allowed)}, not {text!r}")
        return items

    return parse


def _sizes(text: str) -> list[int]:
    try:
        return [parse_size(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes such as 1,32,1K,4M, not {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Throughput (PUSH/PULL, each side alone against C), REQ/REP latency and PUB/SUB fan-out "
            "of zmqrepl.core, pyzmq and a C loop, plus import time. Progress goes to stderr, the "
            "table to stdout."
        ),
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=("1 run, 0.3 of the messages, sizes " + ",".join(map(_short, QUICK_SIZES)) + " unless --sizes"),
    )
    p.add_argument("--runs", type=int, help="runs per figure, the median is shown (default 3, quick 1)")
    p.add_argument("--scale", type=float, help="multiply every message count (default 1, quick 0.3)")
    p.add_argument(
        "--only",
        type=_choices(TESTS),
        default=list(TESTS),
        metavar="TESTS",
        help=f"comma list of {','.join(TESTS)} (default all)",
    )
    p.add_argument(
        "--transports",
        type=_choices(TRANSPORTS),
        default=list(TRANSPORTS),
        metavar="LIST",
        help="comma list of inproc,ipc,tcp (default all; PUB/SUB skips inproc)",
    )
    p.add_argument(
        "--sizes",
        type=_sizes,
        metavar="LIST",
        help="message sizes, e.g. 1,32,1K,4M (default " + ",".join(map(_short, SIZES)) + ")",
    )
    p.add_argument(
        "--pubsub-sizes",
        type=_sizes,
        default=list(PUBSUB_SIZES),
        metavar="LIST",
        help="PUB/SUB message sizes (default " + ",".join(map(_short, PUBSUB_SIZES)) + ")",
    )
    p.add_argument(
        "--impls",
        type=_choices(IMPLS),
        default=list(IMPLS),
        metavar="LIST",
        help="comma list of zmqrepl,pyzmq,c (default all)",
    )
    p.add_argument(
        "--pyzmq",
        choices=MODES,
        default="system",
        help=(
            "which pyzmq to run: 'system' (default) builds pyzmq, the version installed here, from "
            "source against the system libzmq that zmqrepl and C use, once, into a venv in bench/out/ "
            "(about 20 s; pip fetches the build tools from PyPI); 'wheel' runs the installed pyzmq "
            "with the libzmq its wheel bundles"
        ),
    )
    p.add_argument(
        "--python",
        metavar="PATH",
        default=sys.executable,
        help=(
            "run the Python workers (zmqrepl, and pyzmq unless --pyzmq system builds its own venv "
            "from this interpreter) and the import times under this interpreter, e.g. PyPy; "
            "zmqrepl must be built for it (`pip install -e .` in its environment: make test-all "
            "leaves one in .nox/tests-pypy3-9), and pyzmq installed there (default: this Python)"
        ),
    )
    p.add_argument("--json", metavar="PATH", help="also write every run's figures here")
    return p


def _short(size: int) -> str:
    return format_size(size).replace(" KiB", "K").replace(" MiB", "M").replace(" B", "")


def _check_python(python: str) -> None:
    """Stop at once, with what to do, when the measured interpreter cannot import zmqrepl."""
    result = subprocess.run([python, "-c", "import zmqrepl.core"], capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["it does not run"])[-1]
        raise SystemExit(
            f"python -m bench: {python} cannot import zmqrepl.core ({last}); build it for that "
            "interpreter first: `PATH/TO/python -m pip install -e .` in its venv (make test-all "
            "leaves one in .nox/)"
        )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    if runs < 1:
        raise SystemExit("--runs must be 1 or more")
    sizes = args.sizes or list(QUICK_SIZES if args.quick else SIZES)
    opts = Options(
        tests=args.only,
        transports=args.transports,
        sizes=sizes,
        pubsub_sizes=args.pubsub_sizes,
        impls=args.impls,
        runs=runs,
        scale=args.scale or (0.3 if args.quick else 1.0),
        pyzmq=args.pyzmq,
        python=args.python,
    )
    command = "python -m bench " + shlex.join(sys.argv[1:] if argv is None else argv)
    started = time.monotonic()
    _check_python(opts.python)
    try:  # built (once) before anything is timed
        python = pyzmq_python(opts.pyzmq, opts.python) if "pyzmq" in opts.impls else None
    except RuntimeError as exc:
        raise SystemExit(f"python -m bench: {exc}") from None
    machine = machine_info(opts.pyzmq, python, opts.python)
    figures: list[Figure] = []
    if set(opts.tests) - {"import"}:
        figures = run_suite(opts, build_zbench())
    if "import" in opts.tests:
        times = import_times(list(opts.impls), 5 if args.quick else 11, python or opts.python, opts.python)
        figures.append(Figure("import", "-", 0, "ms", False, runs=times))
    print(render_header(command.strip(), machine, runs, time.monotonic() - started))
    print(render_table(figures))
    if args.json:
        write_json(
            args.json,
            figures,
            {
                "command": command.strip(),
                "machine": machine,
                "runs": runs,
                "scale": opts.scale,
                "sizes": sizes,
                "pyzmq_mode": opts.pyzmq,
            },
        )
    return 0
