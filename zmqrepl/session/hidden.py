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


_Z85 = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")
_HEX = frozenset("0123456789abcdefABCDEF")


def _looks_like_key(word: str) -> bool:
    """A CURVE key written as Z85 (40 characters) or hex (64 digits)."""
    return (len(word) == 40 and all(c in _Z85 for c in word)) or (
        len(word) == 64 and all(c in _HEX for c in word)
    )


def _secret_in(tokens: list[Token]) -> bool:
    # Generous on purpose: a line with a typo (``sett s curve_secretkey K``,
    # ``auht plain u pw``) fails, yet holds the real secret all the same. Leaving a
    # harmless line out of the history costs little; keeping a key in it does not.
    for token in tokens:
        word = token.text.lower()
        if "secret" in word or "password" in word or word == "plain" or _looks_like_key(token.text):
            return True
    return False


def carries_secret(line: str) -> bool:
    """Whether a command line gives a secret (a secret option's value, a PLAIN password),
    so that history files and echoes leave it out."""
    try:
        return any(_secret_in(tokenize(command)) for command in split_commands(line))
    except CommandError:
        return True  # a line that does not even split: keep it out to be safe
