"""Compile the C programs of bench/c/ against the system libzmq into bench/out/, once per source version."""

from __future__ import annotations

import hashlib
import shlex
import subprocess
from pathlib import Path

__all__ = ["OUT_DIR", "build_c", "build_zbench", "system_libzmq_version"]

HERE = Path(__file__).resolve().parent
OUT_DIR = HERE / "out"


def _pkg_config(*args: str) -> list[str]:
    try:
        out = subprocess.run(["pkg-config", *args, "libzmq"], check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise RuntimeError(
            "pkg-config cannot find libzmq (Debian/Ubuntu: apt-get install libzmq3-dev pkg-config)"
        ) from exc
    return shlex.split(out.stdout)


def system_libzmq_version() -> str:
    """The system libzmq's version as pkg-config gives it, e.g. "4.3.4"."""
    return " ".join(_pkg_config("--modversion"))


def build_zbench() -> Path:
    """The path of the compiled zbench; compiles it when the source (or flags) changed."""
    return build_c("zbench")


def build_c(name: str) -> Path:
    """The path of bench/c/NAME.c compiled; compiles it when the source (or flags) changed."""
    source = HERE / "c" / f"{name}.c"
    flags = _pkg_config("--cflags") + _pkg_config("--libs") + ["-lpthread"]
    digest = hashlib.sha256(source.read_bytes() + " ".join(flags).encode()).hexdigest()[:12]
    exe = OUT_DIR / f"{name}-{digest}"
    if exe.exists():
        return exe
    OUT_DIR.mkdir(exist_ok=True)
    tmp = exe.with_suffix(".tmp")
    cmd = ["cc", "-O2", "-Wall", "-o", str(tmp), str(source), *flags]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"compiling {name} failed: {shlex.join(cmd)}\n{result.stderr}")
    tmp.replace(exe)
    return exe
