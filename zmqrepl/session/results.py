"""What commands return, and the session's defaults: plain data for any front end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .events import Message

__all__ = ["DEFAULT_LINGER_MS", "DEFAULT_MAXMSGSIZE", "DEFAULT_SEND_TIMEOUT_MS", "READ_BATCH", "Result",
           "SocketInfo"]

DEFAULT_LINGER_MS = 1000
DEFAULT_MAXMSGSIZE = 64 * 1024 * 1024
DEFAULT_SEND_TIMEOUT_MS = 2000
READ_BATCH = 1000  # messages taken from one socket before the engine looks at the others

@dataclass
class Result:
    """What a command produced: a value for Python, text lines, messages to render."""

    command: str
    value: Any = None
    lines: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    quit: bool = False


@dataclass(frozen=True)
class SocketInfo:
    name: str
    type: str
    endpoints: str
    options: str
    received: int
    sent: int
    rate_in: float
    rate_out: float
    flags: str

    COLUMNS = ("name", "type", "endpoints", "options", "in", "out", "in/s", "out/s", "live")

    def row(self) -> tuple[object, ...]:
        return (self.name, self.type, self.endpoints, self.options, self.received, self.sent,
                f"{self.rate_in:.0f}", f"{self.rate_out:.0f}", self.flags)
