"""prompt_toolkit completer and lexer over the session's grammar."""

from __future__ import annotations

from typing import Callable, Iterable

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.lexers import Lexer

from ..session import Session
from ..session.completion import CompletionContext, classify, complete

__all__ = ["SessionCompleter", "SessionLexer", "completion_context"]


def completion_context(session: Session) -> CompletionContext:
    return CompletionContext(session.socket_names, session.endpoints_used, session.socket_type)


class SessionCompleter(Completer):
    def __init__(self, session: Session) -> None:
        self._ctx = completion_context(session)

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        for cand in complete(document.text_before_cursor, self._ctx):
            yield Completion(cand.text, cand.start, display_meta=cand.meta)


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
                    out.append(("", text[pos:span.start]))
                out.append(("class:" + span.kind, text[span.start:span.end]))
                pos = span.end
            if pos < len(text):
                out.append(("", text[pos:]))
            return out

        return line
