"""{name} expansion leaves single-quoted text alone (a Z85 key may contain {x})."""

from __future__ import annotations

import pytest

from zmqrepl.magics.expand import expand
from zmqrepl.session import CommandError


def test_single_quoted_text_is_not_expanded() -> None:
    key = "abc{x}defghijklmnopqrstuvwxyzABCDEFGHIJK"[:40]
    assert expand(f"auth curve '{key}'", {}) == f"auth curve '{key}'"


def test_names_outside_quotes_still_expand_next_to_quoted_text() -> None:
    line = expand("send s {a} '{a}' {b}", {"a": b"\x01\x02", "b": "t"})
    assert line == "send s 0x0102 '{a}' \"t\""


def test_unknown_name_outside_quotes_is_an_error() -> None:
    with pytest.raises(CommandError, match="no variable 'nope'"):
        expand("send s {nope} '{fine}'", {})
