"""The shell tests' fixture: ``shell(*args)`` starts the real program in a pseudo-terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from .pty_shell import Shell


@pytest.fixture
def shell(tmp_path: Path) -> Iterator[Callable[..., Shell]]:
    shells: list[Shell] = []

    def start(*args: str, module: str = "zmqrepl", **options: Any) -> Shell:
        """``options``: Shell's (cols, env)."""
        sh = Shell(tmp_path, *args, module=module, **options)
        shells.append(sh)
        return sh

    try:
        yield start
    finally:
        for sh in shells:
            sh.kill()
        for sh in shells:
            assert "Traceback" not in sh.plain()
