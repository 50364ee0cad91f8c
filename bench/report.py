"""The table (a Markdown pipe table, readable in a terminal too), the machine, the JSON."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any, Sequence

from .config import format_size
from .suite import Figure

__all__ = ["machine_info", "render_header", "render_table", "write_json"]

COLUMNS = ("zmqrepl", "pyzmq", "c")
_IMPLEMENTATION = "import platform; print(platform.python_implementation(), platform.python_version())"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _run(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine_info(
    pyzmq_mode: str = "wheel", pyzmq_python: str | None = sys.executable, python: str = sys.executable
) -> dict[str, Any]:
    """The machine and the libraries; zmqrepl's as the measured interpreter (python) sees
    them, pyzmq's as pyzmq_python does (None: pyzmq is not run). pyzmq_mode is
    bench.pyzmq_env's mode that gave pyzmq_python."""
    core_zmq = _run([python, "-c", "import zmqrepl.core as c; print('.'.join(map(str, c.zmq_version())))"])
    implementation = _run([python, "-c", _IMPLEMENTATION])
    pyzmq, pyzmq_zmq = None, None
    if pyzmq_python is not None:
        out = _run([pyzmq_python, "-c", "import zmq; print(zmq.__version__, zmq.zmq_version())"])
        pyzmq, pyzmq_zmq = (out.split() + ["?"] * 2)[:2]
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "kernel": platform.release(),
        "python": implementation,
        "libzmq_system": _run(["pkg-config", "--modversion", "libzmq"]),
        "libzmq_zmqrepl": core_zmq,
        "pyzmq_mode": pyzmq_mode,
        "pyzmq_python": pyzmq_python,
        "pyzmq": pyzmq,
        "libzmq_pyzmq": pyzmq_zmq,
        "loadavg": os.getloadavg(),
    }


def _pyzmq_note(m: dict[str, Any]) -> str:
    if m["pyzmq"] is None:
        return ""
    if m["pyzmq_mode"] == "system":
        return f", pyzmq {m['pyzmq']} built against the system libzmq {m['libzmq_pyzmq']}"
    return f", pyzmq {m['pyzmq']} with its own libzmq {m['libzmq_pyzmq']}"


def render_header(command: str, m: dict[str, Any], runs: int, seconds: float) -> str:
    before, after = (" ".join(f"{x:.2f}" for x in load) for load in (m["loadavg"], os.getloadavg()))
    return "\n".join(
        [
            f"# {command}  ({seconds:.0f} s; load average before: {before}, after: {after})",
            f"# {m['nproc']} x {m['cpu']}, Linux {m['kernel']}, {m['python']}; libzmq "
            f"{m['libzmq_zmqrepl']} (zmqrepl and C){_pyzmq_note(m)}",
            f"# medians of {runs} run(s); msg/s higher is better, us and ms lower is better",
            "",
        ]
    )


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "msg/s":
        for scale, suffix in ((1e6, "M"), (1e3, "k")):
            if value >= scale:
                return f"{value / scale:.3g}{suffix}"
        return f"{value:.3g}"
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a is not None and b else "-"


def render_table(figures: Sequence[Figure]) -> str:
    head = ("test", "transport", "size", "unit", "zmqrepl", "pyzmq", "C", "zmqrepl/pyzmq", "zmqrepl/C")
    rows = []
    for fig in figures:
        zr, py, c = (fig.median(impl) for impl in COLUMNS)
        size = format_size(fig.size) if fig.size else "-"
        rows.append(
            (
                fig.test,
                fig.transport,
                size,
                fig.unit,
                _fmt(zr, fig.unit),
                _fmt(py, fig.unit),
                _fmt(c, fig.unit),
                _ratio(zr, py),
                _ratio(zr, c),
            )
        )
    widths = [max(len(row[i]) for row in (head, *rows)) for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        return (
            "| "
            + " | ".join(c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
            + " |"
        )

    rule = "| " + " | ".join("-" * w if i < 4 else "-" * (w - 1) + ":" for i, w in enumerate(widths)) + " |"
    return "\n".join([line(head), rule, *map(line, rows)])


def write_json(path: str, figures: Sequence[Figure], meta: dict[str, Any]) -> None:
    rows = [
        {
            "test": f.test,
            "transport": f.transport,
            "size": f.size,
            "unit": f.unit,
            "higher_is_better": f.higher_is_better,
            "runs": f.runs,
            "median": {impl: f.median(impl) for impl in f.runs},
        }
        for f in figures
    ]
    Path(path).write_text(json.dumps({**meta, "figures": rows}, indent=1) + "\n")
