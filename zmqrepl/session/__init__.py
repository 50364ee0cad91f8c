"""The session layer: the command language and named sockets, for any front end.

Nothing here imports prompt_toolkit or IPython.
"""

from __future__ import annotations

from .commands import COMMANDS, ArgKind, Command
from .errors import CommandError
from .events import EventBatch, EventLog, Message, MonitorNotice, Notice, PeerDropped
from .session import Result, Session, SocketInfo

__all__ = [
           "COMMANDS",
           "ArgKind",
           "Command",
           "CommandError",
           "EventBatch",
           "EventLog",
           "Message",
           "MonitorNotice",
           "Notice",
           "PeerDropped",
           "Result",
           "Session",
           "SocketInfo",
]
