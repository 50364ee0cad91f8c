"""Fixtures for the shell tests: sessions, pyzmq peers (other processes), all stopped in teardown."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "session"))

from peer_support import session, start_peer  # noqa: F401 - the fixtures of tests/session
