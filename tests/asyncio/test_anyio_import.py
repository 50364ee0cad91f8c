"""Without anyio, importing zmqrepl.core.anyio says what to install (in a fresh interpreter
where ``import anyio`` fails), and zmqrepl.core itself imports neither async module."""

from __future__ import annotations

import subprocess
import sys

from tests.peers import ROOT


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=str(ROOT)
    )


def test_without_anyio_the_import_error_gives_the_hint() -> None:
    result = _python(
        "import sys; sys.modules['anyio'] = None\n"
        "try:\n"
        "    import zmqrepl.core.anyio\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    assert result.returncode == 0, result.stderr
    assert "zmqrepl.core.anyio needs the anyio package" in result.stdout
    assert "pip install 'zmqrepl[anyio]'" in result.stdout


def test_zmqrepl_core_imports_no_event_loop_library() -> None:
    result = _python(
        "import sys, zmqrepl.core\n"
        "print(sorted(m for m in ('anyio', 'trio', 'uvloop', 'zmqrepl.core.asyncio', 'zmqrepl.core.anyio')"
        " if m in sys.modules))\n"
    )
    assert (result.returncode, result.stdout) == (0, "[]\n"), result.stderr
