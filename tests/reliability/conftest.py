"""Fixtures for the reliability tests: child processes (killed in teardown) and the compiled
C sender; ``session``, ``pypeer`` and ``ipython`` come from tests/conftest.py."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from .rel_support import Processes, build_sender


@pytest.fixture
def procs() -> Iterator[Processes]:
    p = Processes()
    try:
        yield p
    finally:
        p.kill_all()


@pytest.fixture(scope="session")
def sender(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sender(tmp_path_factory.mktemp("sender"))
