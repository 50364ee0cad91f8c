"""Fixtures for the session tests: sessions closed in teardown, pyzmq peers killed in teardown."""

from __future__ import annotations

from peer_support import session, start_peer  # noqa: F401 - the fixtures, shared with tests/shell
