"""The prompt_toolkit Lexer over the session's grammar: highlighting as you type."""

from __future__ import annotations

from typing import Callable

from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.lexers import Lexer

from ..session import classify

__all__ = ["SessionLexer"]


class SessionLexer(Lexer):
    def __init__(self, sockets: Callable[[], list[str]]) -> None:
        self._sockets = sockets

    def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
        known = set(self._sockets())

        def line(number: int) -> StyleAndTextTuples:
            text = document.lines[number]
            out: StyleAndTextTuples = []
            pos = 0
            for span in classify(text, known):
                if span.start > pos:
                    out.append(("", text[pos : span.start]))
                out.append(("class:" + span.kind, text[span.start : span.end]))
                pos = span.end
            if pos < len(text):
                out.append(("", text[pos:]))
            return out

        return line
