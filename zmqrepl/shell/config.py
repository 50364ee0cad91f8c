"""Where the shell keeps its history and settings (XDG base directories).

Settings live in ``$XDG_CONFIG_HOME/zmqrepl/config.ini`` (default ~/.config):

    [shell]
    linger = 1000          ; ms given to queued messages when a socket closes
    maxmsgsize = 67108864  ; largest message a socket accepts (bytes)
    heartbeat_ivl = 5000   ; ms between ZMTP pings to each peer (0: none; see help socket)
    heartbeat_timeout = 15000  ; ms of silence after which a peer is disconnected
    max_messages = 40      ; messages shown (and numbered) per 100 ms before summarising
    history_size = 1000    ; messages shown that are kept for show N and history
    history_bytes = 33554432  ; bytes of frames those hold at most (the newest always stays)
    view = full            ; how watch and recv show messages: full or line
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path

from ..session import (
    DEFAULT_HEARTBEAT_IVL_MS,
    DEFAULT_HEARTBEAT_TIMEOUT_MS,
    DEFAULT_HISTORY_BYTES,
    DEFAULT_HISTORY_SIZE,
    DEFAULT_LINGER_MS,
    DEFAULT_MAXMSGSIZE,
    DEFAULT_VIEW,
    VIEWS,
    CommandError,
    decode_utf8,
    human_size,
    read_bounded,
)

__all__ = ["MAX_CONFIG", "Settings", "history_path", "load_settings"]

MAX_CONFIG = 64 * 1024


def _xdg(var: str, default: str) -> Path:
    base = os.environ.get(var) or os.path.expanduser(default)
    return Path(base) / "zmqrepl"


def history_path() -> Path:
    return _xdg("XDG_STATE_HOME", "~/.local/state") / "history"


@dataclass
class Settings:
    linger: int = DEFAULT_LINGER_MS
    maxmsgsize: int = DEFAULT_MAXMSGSIZE
    heartbeat_ivl: int = DEFAULT_HEARTBEAT_IVL_MS
    heartbeat_timeout: int = DEFAULT_HEARTBEAT_TIMEOUT_MS
    max_messages: int = 40
    history_size: int = DEFAULT_HISTORY_SIZE
    history_bytes: int = DEFAULT_HISTORY_BYTES
    view: str = DEFAULT_VIEW


def load_settings() -> tuple[Settings, str | None]:
    """The settings, and a warning line if the file could not be used."""
    settings = Settings()
    path = _xdg("XDG_CONFIG_HOME", "~/.config") / "config.ini"
    if not path.exists():
        return settings, None
    # No interpolation: a "%" in a value is a "%", not the start of a reference to resolve.
    parser = configparser.ConfigParser(interpolation=None)
    try:
        data = read_bounded(
            str(path),
            MAX_CONFIG,
            str(path),
            f"the {human_size(MAX_CONFIG)} limit for settings",
            "the settings file is a small text file",
        )
        text = decode_utf8(data, str(path), "save it as UTF-8")
    except CommandError as exc:
        return Settings(), f"ignoring {exc.line}"
    try:
        parser.read_string(text, str(path))
        section = parser["shell"] if parser.has_section("shell") else {}
        view = section.get("view", DEFAULT_VIEW).strip().lower()
    except configparser.Error as exc:
        said = " ".join(str(exc).split())[:200]  # its own text runs over several lines
        return Settings(), f"ignoring {path}: {said} (hint: lines are name = value under [shell])"
    for name in _NUMBERS:
        if name in section:
            try:
                value = int(section[name])
            except ValueError:
                value = None
            # linger and maxmsgsize take -1 (forever, no limit); a count cannot be negative.
            if value is None or (value < 0 and name in _COUNTS):
                least = ", 0 or more" if name in _COUNTS else ""
                said = f"{name} = {section[name][:40]!r}"
                return Settings(), f"ignoring {path}: {said} (hint: values are whole numbers{least})"
            setattr(settings, name, value)
    if view not in VIEWS:
        return Settings(), f"ignoring {path}: view = {view[:40]!r} (hint: view is {' or '.join(VIEWS)})"
    settings.view = view
    return settings, None


_COUNTS = ("max_messages", "history_size", "history_bytes")
_NUMBERS = (
    "linger",
    "maxmsgsize",
    "heartbeat_ivl",
    "heartbeat_timeout",
    "max_messages",
    "history_size",
    "history_bytes",
)
