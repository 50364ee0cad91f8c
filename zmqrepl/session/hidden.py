"""Secrets stay off the screen: how a secret option's value is shown, and which lines carry one.

Which options are secret is a property of the option (``Option.secret`` in
zmqrepl.core.constants); this module only decides what the session shows instead.

    >>> option_text("curve_secretkey", b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")
    '(set)'
    >>> option_text("linger", 0)
    '0'
"""

from __future__ import annotations

from ..core import Option
from .errors import CommandError
from .render import short_value
from .tokens import Token, split_commands, tokenize

__all__ = ["HIDDEN", "NOT_SET", "carries_secret", "is_secret", "option_text"]

HIDDEN = "(set)"
NOT_SET = "(not set)"
# What libzmq reports for a CURVE key never set: 32 zero bytes, in Z85.
_UNSET_KEY = b"0" * 40


def is_secret(option: str | Option | int) -> bool:
    if isinstance(option, Option):
        return option.secret
    try:
        return Option.from_name(option).secret if isinstance(option, str) else Option(option).secret
    except ValueError:
        return False  # "hwm", or not an option at all: nothing secret about it


def option_text(option: str | Option | int, value: object) -> str:
    """An option value for a line or a table cell; a secret shows as (set) or (not set)."""
    if is_secret(option):
        return NOT_SET if value in (b"", "", _UNSET_KEY, None) else HIDDEN
    return short_value(value)


def _secret_in(tokens: list[Token]) -> bool:
    words = [t.text.lower() for t in tokens]
    if not words:
        return False
    if words[0] == "set":
        return len(words) > 2 and is_secret(words[2])
    return words[0] == "auth" and len(words) > 1 and words[1] == "plain"


def carries_secret(line: str) -> bool:
    """Whether a command line gives a secret (a secret option's value, a PLAIN password),
    so that history files and echoes leave it out."""
    try:
        return any(_secret_in(tokenize(command)) for command in split_commands(line))
    except CommandError:
        return True  # a line that does not even split: keep it out to be safe
