"""Frames that carry a sequence number, for ``send ... --count N``.

With --count, ``%n`` in a text frame (a word, "quoted text" or json:...) becomes the
message's number, 0 to N-1, and ``%%`` a literal ``%``; hex, b64 and @file frames are
sent as they are. (Not ``{n}``: the magics expand braces from the notebook's variables.)

    >>> t = FrameTemplate.of(b"tick %n of 100%%", True)
    >>> t.render(7)
    b'tick 7 of 100%'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .frames import is_text_literal
from .tokens import Token

__all__ = ["FrameTemplate", "MessageTemplate"]

_MARK = re.compile(rb"%[n%]")


@dataclass(frozen=True)
class FrameTemplate:
    """A frame as pieces between which the number goes (one piece: a constant frame)."""

    pieces: tuple[bytes, ...]

    @classmethod
    def of(cls, data: bytes, text: bool) -> FrameTemplate:
        if not text or b"%" not in data:
            return cls((data,))
        pieces: list[bytes] = []
        current = bytearray()
        pos = 0
        for m in _MARK.finditer(data):
            current += data[pos : m.start()]
            if m.group() == b"%%":
                current += b"%"
            else:
                pieces.append(bytes(current))
                current.clear()
            pos = m.end()
        current += data[pos:]
        pieces.append(bytes(current))
        return cls(tuple(pieces))

    @property
    def constant(self) -> bool:
        return len(self.pieces) == 1

    def render(self, n: int) -> bytes:
        if len(self.pieces) == 1:
            return self.pieces[0]
        return (b"%d" % n).join(self.pieces)


@dataclass(frozen=True)
class MessageTemplate:
    frames: tuple[FrameTemplate, ...]

    @classmethod
    def of(cls, frames: list[bytes], tokens: list[Token]) -> MessageTemplate:
        """``frames`` as parsed from ``tokens`` (one each, in order)."""
        return cls(tuple(FrameTemplate.of(f, is_text_literal(t)) for f, t in zip(frames, tokens)))

    @property
    def constant(self) -> bool:
        return all(f.constant for f in self.frames)

    def render(self, n: int) -> list[bytes]:
        return [f.render(n) for f in self.frames]

    def size(self, n: int) -> int:
        return sum(len(f) for f in self.render(n))
