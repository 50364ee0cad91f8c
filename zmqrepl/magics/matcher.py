"""Tab completion for %zmq and %%zmq in IPython, from the session's grammar."""

from __future__ import annotations

from typing import Any

from ..session import Session, complete

__all__ = ["make_matcher"]


def _command_text(full_text: str, line: int, column: int) -> str | None:
    lines = full_text.split("\n")
    if line >= len(lines):
        return None
    current = lines[line][:column]
    stripped = current.lstrip()
    if stripped.startswith("%zmq ") and not stripped.startswith("%%"):
        return stripped[len("%zmq ") :]
    if lines[0].lstrip().startswith("%%zmq"):
        return (
            stripped[len("%%zmq ") :]
            if line == 0 and stripped.startswith("%%zmq ")
            else (None if line == 0 else current.lstrip())
        )
    return None


def make_matcher(session: Any) -> Any:
    """A matcher (IPython's v2 API) that completes zmqrepl commands."""
    from IPython.core.completer import SimpleCompletion, context_matcher

    @context_matcher()
    def zmq_matcher(context: Any) -> Any:
        text = _command_text(context.full_text, context.cursor_line, context.cursor_position)
        if text is None:
            return {"completions": [], "suppress": False}
        sess: Session = session()
        candidates = complete(text, sess.completion_context())
        fragment = text[len(text) + candidates[0].start :] if candidates else ""
        return {
            "completions": [SimpleCompletion(c.text, type=c.meta or "zmq") for c in candidates],
            "matched_fragment": fragment,
            "suppress": bool(candidates),
        }

    return zmq_matcher
