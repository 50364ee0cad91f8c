"""The session layer: the command language and named sockets, for any front end.

Nothing here imports prompt_toolkit or IPython. This package is the session's public
face: the front ends (zmqrepl.shell, zmqrepl.magics) import what they need from here,
never from its modules, and never from zmqrepl.core (tests/layout/test_layers.py checks both).
"""

from __future__ import annotations

from .commands import COMMANDS, lookup
from .completion import Candidate, CompletionContext, Span, classify, complete, current_command
from .defaults import (
    DEFAULT_HEARTBEAT_IVL_MS,
    DEFAULT_HEARTBEAT_TIMEOUT_MS,
    DEFAULT_HISTORY_BYTES,
    DEFAULT_HISTORY_SIZE,
    DEFAULT_LINGER_MS,
    DEFAULT_MAXMSGSIZE,
    DEFAULT_SEND_TIMEOUT_MS,
    DEFAULT_VIEW,
    HEARTBEAT_WARNING,
    VIEWS,
)
from .demo import DemoPublisher
from .dump import FrameDump
from .errors import CommandError
from .events import EventBatch, EventLog, Message, MonitorNotice, Notice, PeerDropped, SessionEvent
from .files import human_size, open_append, read_bounded, read_tail
from .frames import FORMATS, render_frame
from .hidden import carries_secret
from .progress import Progress, ProgressListener
from .render import (
    FRAMES_LINE,
    HELP_EXAMPLE,
    dropped_line,
    format_size,
    format_time,
    message_line,
    message_lines,
    message_time,
    monitor_line,
    notice_line,
    number_text,
    subscription_text,
    summary_line,
    table_lines,
)
from .results import (
    AuthState,
    Bound,
    EndpointChanged,
    HelpText,
    HistoryTable,
    KeyPair,
    MonitorSwitched,
    OptionSet,
    OptionValue,
    PeerInfo,
    PeerTable,
    PollState,
    ProbeReport,
    Quit,
    Received,
    RecordSwitched,
    ReplayStarted,
    Result,
    ScriptRan,
    Sent,
    ShownMessage,
    SocketClosed,
    SocketInfo,
    SocketMade,
    SocketTable,
    Subscription,
    TapStarted,
    TapSwitched,
    TextLines,
    Unwatched,
    VersionInfo,
    Watching,
)
from .results_load import PingReport, RecordStatus, Replayed, SentBurst, format_latency
from .results_stats import STATS_TOP, StatsReport, size_range, sparkline, topic_text
from .scripts import MAX_SCRIPT_LINE, long_line_error, read_script
from .session import Session
from .stats import RateSample
from .syntax import Arg, ArgKind, Command, Flag, Parsed
from .tokens import split_commands
from .utf8 import decode_utf8
from .visible import columns, fit_columns, safe_text

__all__ = [  # noqa: RUF022 - grouped by what a front end uses them for, sorted in each group
    # commands: the table, its rows, and the one error every command raises
    "COMMANDS",
    "FORMATS",
    "Arg",
    "ArgKind",
    "Command",
    "CommandError",
    "Flag",
    "Parsed",
    "lookup",
    # the session and its defaults
    "DEFAULT_HEARTBEAT_IVL_MS",
    "HEARTBEAT_WARNING",
    "DEFAULT_HEARTBEAT_TIMEOUT_MS",
    "DEFAULT_HISTORY_BYTES",
    "DEFAULT_HISTORY_SIZE",
    "DEFAULT_LINGER_MS",
    "DEFAULT_MAXMSGSIZE",
    "DEFAULT_SEND_TIMEOUT_MS",
    "DEFAULT_VIEW",
    "VIEWS",
    "Session",
    # what commands return (results.py): front ends render by these types
    "AuthState",
    "Bound",
    "EndpointChanged",
    "FrameDump",
    "HelpText",
    "HistoryTable",
    "KeyPair",
    "MonitorSwitched",
    "OptionSet",
    "OptionValue",
    "PeerInfo",
    "PeerTable",
    "PollState",
    "ProbeReport",
    "Quit",
    "Received",
    "RecordSwitched",
    "ReplayStarted",
    "Result",
    "ScriptRan",
    "Sent",
    "ShownMessage",
    "SocketClosed",
    "SocketInfo",
    "SocketMade",
    "SocketTable",
    "Subscription",
    "TapStarted",
    "TapSwitched",
    "TextLines",
    "Unwatched",
    "VersionInfo",
    "Watching",
    # results of load and long commands (results_load.py)
    "PingReport",
    "RecordStatus",
    "Replayed",
    "SentBurst",
    "format_latency",
    # stats NAME (results_stats.py, stats.py): rates, a sample of sizes and first frames
    "STATS_TOP",
    "RateSample",
    "StatsReport",
    "size_range",
    "sparkline",
    "topic_text",
    # how long commands stand, told to the front end's listener (Session.progress)
    "Progress",
    "ProgressListener",
    # events the engine pushes while commands run
    "EventBatch",
    "EventLog",
    "Message",
    "MonitorNotice",
    "Notice",
    "PeerDropped",
    "SessionEvent",
    # rendering to plain text
    "FRAMES_LINE",
    "HELP_EXAMPLE",
    "columns",
    "dropped_line",
    "fit_columns",
    "format_size",
    "format_time",
    "message_line",
    "message_lines",
    "message_time",
    "monitor_line",
    "notice_line",
    "number_text",
    "render_frame",
    "safe_text",
    "subscription_text",
    "summary_line",
    "table_lines",
    # completion, highlighting and the syntax hint, from the command table
    "Candidate",
    "CompletionContext",
    "Span",
    "classify",
    "complete",
    "current_command",
    # input reading: command lines, scripts, bounded files, UTF-8, secrets kept out of history
    "MAX_SCRIPT_LINE",
    "carries_secret",
    "decode_utf8",
    "human_size",
    "long_line_error",
    "open_append",
    "read_bounded",
    "read_script",
    "read_tail",
    "split_commands",
    # a peer to try things on (``zmqrepl --demo``)
    "DemoPublisher",
]
