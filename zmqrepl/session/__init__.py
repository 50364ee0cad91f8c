"""The session layer: the command language and named sockets, for any front end.

Nothing here imports prompt_toolkit or IPython.
"""

from __future__ import annotations

from .commands import COMMANDS, lookup
from .defaults import DEFAULT_LINGER_MS, DEFAULT_MAXMSGSIZE, DEFAULT_SEND_TIMEOUT_MS
from .errors import CommandError
from .events import EventBatch, EventLog, Message, MonitorNotice, Notice, PeerDropped
from .frames import FORMATS
from .render import message_lines
from .results import (
    AuthState,
    Bound,
    EndpointChanged,
    KeyPair,
    MonitorSwitched,
    OptionSet,
    OptionValue,
    PollState,
    Quit,
    Received,
    RecordSwitched,
    ReplayStarted,
    Result,
    ScriptRan,
    Sent,
    SocketClosed,
    SocketInfo,
    SocketMade,
    SocketTable,
    Subscription,
    TextLines,
    Unwatched,
    VersionInfo,
    Watching,
)
from .session import Session
from .syntax import Arg, ArgKind, Command, Flag, Parsed

__all__ = [
    "COMMANDS",
    "DEFAULT_LINGER_MS",
    "DEFAULT_MAXMSGSIZE",
    "DEFAULT_SEND_TIMEOUT_MS",
    "FORMATS",
    "Arg",
    "ArgKind",
    "AuthState",
    "Bound",
    "Command",
    "CommandError",
    "EndpointChanged",
    "EventBatch",
    "EventLog",
    "Flag",
    "KeyPair",
    "Message",
    "MonitorNotice",
    "MonitorSwitched",
    "Notice",
    "OptionSet",
    "OptionValue",
    "Parsed",
    "PeerDropped",
    "PollState",
    "Quit",
    "Received",
    "RecordSwitched",
    "ReplayStarted",
    "Result",
    "ScriptRan",
    "Sent",
    "Session",
    "SocketClosed",
    "SocketInfo",
    "SocketMade",
    "SocketTable",
    "Subscription",
    "TextLines",
    "Unwatched",
    "VersionInfo",
    "Watching",
    "lookup",
    "message_lines",
]
