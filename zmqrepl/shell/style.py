"""Colours of the shell, by the span kinds of session.completion.classify."""

from __future__ import annotations

from prompt_toolkit.styles import Style

__all__ = ["STYLE"]

STYLE = Style.from_dict(
    {
        "command": "bold ansiblue",
        "socket": "ansicyan",
        "type": "ansimagenta",
        "option": "ansiyellow",
        "endpoint": "ansigreen",
        "frame": "",
        "string": "ansibrightgreen",
        "flag": "ansibrightblack",
        "value": "ansiyellow",
        "error": "ansired underline",
        "time": "ansibrightblack",
        "size": "ansibrightblack",
        "event": "ansimagenta",
        "notice": "ansiyellow",
        "bad": "ansired",
        "summary": "ansibrightblack italic",
        "bottom-toolbar": "noreverse bg:#222222 #cccccc",
        "toolbar.socket": "bold #88ccff",
        "toolbar.hint": "#aaaaaa",
        "prompt": "bold",
    }
)
