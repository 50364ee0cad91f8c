"""The prompt_toolkit Completer over the session's grammar (Tab and complete-while-typing)."""

from __future__ import annotations

from typing import Iterable

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from ..session import Session, complete

__all__ = ["SessionCompleter"]


class SessionCompleter(Completer):
    def __init__(self, session: Session) -> None:
        self._ctx = session.completion_context()

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        for cand in complete(document.text_before_cursor, self._ctx):
            yield Completion(cand.text, cand.start, display_meta=cand.meta)
