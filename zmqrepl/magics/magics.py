"""%zmq and %%zmq: the session's command language in IPython.

%load_ext zmqrepl
%zmq socket s sub
%zmq connect s tcp://127.0.0.1:5556
%zmq subscribe s
w = %zmq watch s          # a pane that keeps updating under this cell
msg = %zmq recv s         # a list of bytes
"""

from __future__ import annotations

from typing import Any, Callable

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class, no_var_expand
from IPython.display import HTML, display
from traitlets import Int, TraitError, Unicode, validate

from ..session import (
    COMMANDS,
    DEFAULT_HEARTBEAT_IVL_MS,
    DEFAULT_HEARTBEAT_TIMEOUT_MS,
    DEFAULT_HISTORY_BYTES,
    DEFAULT_HISTORY_SIZE,
    DEFAULT_LINGER_MS,
    DEFAULT_MAXMSGSIZE,
    DEFAULT_VIEW,
    FORMATS,
    VIEWS,
    ArgKind,
    Bound,
    CommandError,
    HelpText,
    HistoryTable,
    KeyPair,
    MonitorSwitched,
    OptionValue,
    PeerDropped,
    PeerTable,
    PingReport,
    PollState,
    Received,
    Result,
    ScriptRan,
    Session,
    ShownMessage,
    SocketMade,
    SocketTable,
    StatsReport,
    TapStarted,
    TextLines,
    Unwatched,
    VersionInfo,
    Watching,
    dropped_line,
    split_commands,
)
from .expand import expand
from .html import history_html, messages_html, peers_html, shown_html, sockets_html
from .monitor import MonitorPane
from .progress import ProgressLine
from .speak import HelpView, notebook_line
from .stats import Stats
from .watch import Watch

__all__ = ["History", "Messages", "PeersTable", "ShownFrames", "SocketsTable", "ZmqMagics"]


class SocketsTable(list):  # type: ignore[type-arg]
    """The result of ``%zmq sockets``: a list of SocketInfo that shows as a table."""

    def _repr_html_(self) -> str:
        return sockets_html(self)


class PeersTable(list):  # type: ignore[type-arg]
    """The result of ``%zmq peers NAME``: a list of PeerInfo that shows as a table."""

    def __init__(self, table: PeerTable) -> None:
        super().__init__(table.peers)
        self.table = table

    def _repr_html_(self) -> str:
        return peers_html(self.table)

    def __repr__(self) -> str:
        return "\n".join(self.table.lines)


class Messages(list):  # type: ignore[type-arg]
    """Received messages (lists of bytes, every one), shown as a table of the newest
    SHOWN (``%zmq recv s --count 100000`` is not a 100,000-row table)."""

    SHOWN = 20

    def __init__(self, messages: list[list[bytes]], shown: list[Any]) -> None:
        super().__init__(messages)
        self._shown = shown[-self.SHOWN :]

    @property
    def not_shown(self) -> int:
        return len(self) - len(self._shown)

    def _more(self) -> str:
        return f"{self.not_shown:,} older messages not shown (this list holds all {len(self):,})"

    def _repr_html_(self) -> str:
        table = messages_html(self._shown)
        return f"<p><code>{self._more()}</code></p>{table}" if self.not_shown else table

    def __repr__(self) -> str:
        if not self.not_shown:
            return super().__repr__()
        newest = ", ".join(repr(m) for m in self[-self.SHOWN :])
        return f"[... {self._more()} ..., {newest}]"


class ShownFrames(list):  # type: ignore[type-arg]
    """The result of ``%zmq show [N]``: the message's frames (bytes, as kept), shown whole:
    JSON and msgpack as trees that fold, binary as a hex dump."""

    def __init__(self, result: ShownMessage) -> None:
        super().__init__(result.message.frames)
        self.result = result

    def _repr_html_(self) -> str:
        return shown_html(self.result)

    def __repr__(self) -> str:
        return "\n".join(self.result.lines)


class History(list):  # type: ignore[type-arg]
    """The result of ``%zmq history``: the kept messages that match (session Messages:
    ``.number``, ``.socket``, ``.frames``...), shown as a table."""

    def __init__(self, table: HistoryTable) -> None:
        super().__init__(table.messages)
        self.table = table

    def _repr_html_(self) -> str:
        return history_html(self.table)

    def __repr__(self) -> str:
        return "\n".join(self.table.lines)


@magics_class
class ZmqMagics(Magics):
    shown_messages = Int(20, help="Messages shown in a watch pane (newest first).").tag(config=True)
    update_interval = Int(100, help="Milliseconds between watch updates (at least 100).").tag(config=True)
    default_format = Unicode("auto", help=f"Frame format: {', '.join(FORMATS[:-1])} or {FORMATS[-1]}.").tag(
        config=True
    )
    linger = Int(DEFAULT_LINGER_MS, help="Linger (ms) of new sockets: bounds close and shutdown.").tag(
        config=True
    )
    maxmsgsize = Int(DEFAULT_MAXMSGSIZE, help="Largest message new sockets accept (bytes).").tag(config=True)
    heartbeat_ivl = Int(
        DEFAULT_HEARTBEAT_IVL_MS,
        help="Milliseconds between ZMTP pings new sockets (but req, rep and pub) send each peer "
        "(0: none; %zmq help socket says what else they change).",
    ).tag(config=True)
    heartbeat_timeout = Int(
        DEFAULT_HEARTBEAT_TIMEOUT_MS, help="Milliseconds of silence after which new sockets drop a peer."
    ).tag(config=True)
    history_size = Int(
        DEFAULT_HISTORY_SIZE, help="Messages shown (watch, recv) kept for %zmq show N and %zmq history."
    ).tag(config=True)
    history_bytes = Int(
        DEFAULT_HISTORY_BYTES, help="Bytes of frames those messages hold at most (the newest always stays)."
    ).tag(config=True)
    view = Unicode(
        DEFAULT_VIEW, help="How watch and recv tables show a message: full (a line per frame) or line."
    ).tag(config=True)

    @validate("history_size", "history_bytes")
    def _check_history_size(self, proposal: Any) -> int:
        if proposal["value"] < 0:
            name = proposal["trait"].name
            raise TraitError(f"{name} is 0 or more, not {proposal['value']} (hint: e.g. 1000)")
        return int(proposal["value"])

    @validate("view")
    def _check_view(self, proposal: Any) -> str:
        view = str(proposal["value"]).strip().lower()
        if view not in VIEWS:
            raise TraitError(f"view is {' or '.join(VIEWS)}, not {proposal['value']!r:.40}")
        return view

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self._session: Session | None = None
        self.watches: dict[str, Watch] = {}
        self.monitors: dict[str, MonitorPane] = {}
        self._drops_told: set[PeerDropped] = set()

    @property
    def session(self) -> Session:
        if self._session is None or self._session.closed:
            self._session = Session(
                linger=self.linger,
                maxmsgsize=self.maxmsgsize,
                heartbeat_ivl=self.heartbeat_ivl,
                heartbeat_timeout=self.heartbeat_timeout,
                history_size=self.history_size,
                history_bytes=self.history_bytes,
                view=self.view,
            )
            self._session.progress = ProgressLine()  # long commands show a line that updates
        return self._session

    def close(self) -> None:
        for pane in [*self.watches.values(), *self.monitors.values()]:
            pane.stop()
        self.watches.clear()
        self.monitors.clear()
        if self._session is not None:
            self._session.close()

    # -- the magics ---------------------------------------------------------------

    @no_var_expand
    @line_magic
    def zmq(self, line: str) -> Any:
        """Run one zmqrepl command; ``%zmq help`` lists them."""
        return self._run([line])

    @no_var_expand
    @cell_magic("zmq")  # type: ignore[arg-type]
    def zmq_cell(self, line: str, cell: str) -> Any:
        """Run one zmqrepl command per line."""
        return self._run([line, *cell.splitlines()])

    def _run(self, lines: list[str]) -> Any:
        namespace = self.shell.user_ns if self.shell is not None else {}
        value: Any = None
        self._tell_drops()
        try:
            for text in lines:
                for command in split_commands(text):
                    value = self._one(expand(command, namespace))
        except _Stopped as stopped:  # Ctrl-C stopped a long command: it said what it did
            return stopped.value
        except CommandError as exc:
            raise UsageError(notebook_line(exc)) from None
        except KeyboardInterrupt:
            print("cancelled")
            return None
        finally:
            self._tell_drops()
        return value

    def _tell_drops(self) -> None:
        """Print each dropped peer once, at the next %zmq (live panes show them at once)."""
        if self._session is None:
            return
        drops = list(self._session.drops)
        for drop in drops:
            if drop not in self._drops_told:
                print(dropped_line(drop))
        self._drops_told = set(drops)

    def _one(self, command: str) -> Any:
        if self.default_format != "auto" and _takes_format(command) and "--format" not in command:
            command += f" --format {self.default_format}"
        result = self.session.execute(command)
        if result is None:
            return None
        value = self._present(result)
        if result.interrupted:  # the rest of the cell is not run
            raise _Stopped(value)
        return value

    # -- what a result shows, by its type (the first class of its MRO with a presenter) --

    def _present(self, result: Result) -> Any:
        presenters: dict[type, Callable[[Any], Any]] = {
            Watching: lambda r: self._watch(list(r.sockets), r.filter),
            Unwatched: self._unwatched,
            MonitorSwitched: self._monitor,
            SocketTable: lambda r: SocketsTable(r.sockets),
            PeerTable: PeersTable,
            ShownMessage: ShownFrames,
            HistoryTable: History,
            StatsReport: Stats,
            HelpText: HelpView,
            Received: self._received,
            SocketMade: self._socket_made,
            VersionInfo: self._version,
            # Answers to questions: the cell's value, which IPython shows.
            Bound: _value,
            OptionValue: _value,
            KeyPair: _value,
            PollState: _value,
            TextLines: self._text,
            TapStarted: _lines_and_value,  # the port a tcp://*:* LISTEN got, for the clients
            PingReport: _lines_and_value,  # the figures in words, and in seconds for Python
        }
        for kind in type(result).__mro__:
            present = presenters.get(kind)
            if present is not None:
                return present(result)
        return self._text(result)

    def _text(self, result: Result) -> None:
        """The default: messages as a table, then the result's lines."""
        if isinstance(result, ScriptRan) and result.shown:
            display(HTML(messages_html(result.shown)))
        _print(result.lines)

    def _unwatched(self, result: Unwatched) -> None:
        for sock in result.sockets:
            watch = self.watches.pop(sock, None)
            if watch is not None:
                watch.stop()
        _print(result.lines)

    def _monitor(self, result: MonitorSwitched) -> Any:
        old = self.monitors.pop(result.socket, None)
        if old is not None:
            old.stop()
        if not result.on:
            _print(result.lines)
            return None
        pane = MonitorPane(self.session, result.socket, interval=self.update_interval / 1000)
        self.monitors[result.socket] = pane
        return pane.start()

    def _received(self, result: Received) -> Any:
        _print(result.lines)
        if result.asked == 1 and result.messages:
            return list(result.messages[0])  # one message (recv without --count)
        return Messages(list(result.messages), list(result.shown))  # --count N: always a list

    def _socket_made(self, result: SocketMade) -> Any:
        _print(result.lines)
        return self.session.handle(result.name)

    def _version(self, result: VersionInfo) -> dict[str, str | None]:
        if result.warning:
            print("warning: " + result.warning)
        return result.value

    def _watch(self, names: list[str], only: str = "") -> Watch:
        for name in names:
            old = self.watches.pop(name, None)
            if old is not None:
                old.stop()
        if only:
            print(f"watching {' '.join(names)}, only messages matching {only}")
        watch = Watch(self.session, names, shown=self.shown_messages, interval=self.update_interval / 1000)
        for name in names:
            self.watches[name] = watch
        watch.start()
        return watch


class _Stopped(Exception):
    """A command stopped by Ctrl-C, with what the magic returns for it."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


def _print(lines: list[str]) -> None:
    if lines:
        print("\n".join(lines))


def _value(result: Result) -> object:
    return result.value


def _lines_and_value(result: Result) -> object:
    _print(result.lines)
    return result.value


def _takes_format(line: str) -> bool:
    """Whether the command on ``line`` has a --format flag that defaults to auto (watch,
    recv; not show, which reads a message as it was shown). The name must be written as
    the table has it: a default format is never added to ``RECV s``."""
    words = line.split()
    command = COMMANDS.get(words[0]) if words else None
    # watch's flag has no default (watch NAME again keeps the format it had); show's reads
    # a message whole.
    return (
        command is not None
        and command.name != "show"
        and any(f.kind is ArgKind.FORMAT for f in command.flags)
    )
