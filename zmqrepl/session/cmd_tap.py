"""The tap command: put the session between two running programs (tap.py does the work).

    tap t tcp://127.0.0.1:5555 tcp://127.0.0.1:5556 [--pattern reqrep|pubsub|pipeline]
    tap t pause | tap t resume

A tap is one named entry: ``watch``, ``record``, ``monitor``, ``sockets`` and ``close``
take its name; commands that would use its front socket as an ordinary one refuse it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .defaults import DEFAULT_TAP_SPIN_US, MAX_TAP_SPIN_US
from .errors import CommandError, clip, usage_error
from .results import TapStarted, TapSwitched
from .syntax import Parsed
from .tap import PATTERNS, Tap, looping, same_endpoint

if TYPE_CHECKING:
    from .session import Session

__all__ = ["ACTIONS", "REFUSED", "TAP_OPTIONS", "refuse_tap", "tap"]

ACTIONS = ("pause", "resume")

# Commands that would send, receive, subscribe or move endpoints on a tap's front socket
# behind the tap's back. Others (watch, record, monitor, get, close...) take a tap's name.
REFUSED = frozenset(
    (
        "bind",
        "connect",
        "unbind",
        "disconnect",
        "subscribe",
        "unsubscribe",
        "send",
        "recv",
        "poll",
        "replay",
    )
)


# What `set` changes on a tap, on both its sockets (cmd_sockets.set_option): how they
# connect and queue, not what they are (routing_id, router_mandatory... are the tap's own).
TAP_OPTIONS = (
    "linger",
    "hwm",
    "sndhwm",
    "rcvhwm",
    "heartbeat_ivl",
    "heartbeat_timeout",
    "heartbeat_ttl",
    "maxmsgsize",
    "reconnect_ivl",
    "reconnect_ivl_max",
    "sndbuf",
    "rcvbuf",
    "tcp_keepalive",
    "tcp_keepalive_idle",
    "tcp_keepalive_intvl",
    "tcp_keepalive_cnt",
)


def refuse_tap(session: Session, p: Parsed) -> None:
    """A CommandError when ``p`` is a command of REFUSED that names a tap, or a `set` on a tap
    of an option not in TAP_OPTIONS."""
    if p.command.name == "set":
        _refuse_option(session, p)
    if p.command.name not in REFUSED:
        return
    names = p.args.get("NAME")
    for name in names if isinstance(names, list) else [names]:
        entry = session.entries.get(name) if isinstance(name, str) else None
        if entry is not None and entry.tap is not None:
            raise CommandError(
                f"{name} is a tap: {p.command.name} does not work on it",
                f"watch {name}, record {name} FILE, tap {name} pause|resume and close {name} do",
            )


def _refuse_option(session: Session, p: Parsed) -> None:
    name = p.args.get("NAME")
    entry = session.entries.get(name) if isinstance(name, str) else None
    option = str(p.args.get("OPTION", "")).removeprefix("zmq_")
    if entry is not None and entry.tap is not None and option not in TAP_OPTIONS:
        raise CommandError(
            f"{name} is a tap: set changes only how its sockets connect and queue, not {clip(option)}",
            "set NAME OPTION VALUE on a tap takes " + ", ".join(TAP_OPTIONS[:6]) + ", ... (help tap)",
        )


def tap(session: Session, p: Parsed) -> TapStarted | TapSwitched:
    name: str = p.args["NAME"]
    listen: str = p.args["LISTEN"]
    target: str | None = p.args.get("TARGET")
    if listen in ACTIONS:
        if target is not None:
            raise CommandError(f"tap {name} {listen} takes nothing after it", f"tap {name} {listen}")
        return _switch(session, name, listen == "pause")
    if target is None:
        raise usage_error("tap needs TARGET, the endpoint the clients used to connect to", p.command)
    pattern = PATTERNS.get(str(p.flags["pattern"]).lower())
    if pattern is None:
        raise CommandError(
            f"unknown pattern {clip(str(p.flags['pattern']))}",
            "choose --pattern reqrep (REQ/DEALER to REP/ROUTER), pubsub or pipeline",
        )
    if name in session.entries:
        raise CommandError(
            f"a socket named {clip(name)} exists already", f"pick another name, or close {name} first"
        )
    if same_endpoint(listen, target):
        raise looping(name, target)
    spin = p.flags["spin"]
    if not isinstance(spin, int) or not 0 <= spin <= MAX_TAP_SPIN_US:
        raise CommandError(
            f"--spin takes microseconds from 0 to {MAX_TAP_SPIN_US}, not {clip(str(spin))}",
            f"--spin {DEFAULT_TAP_SPIN_US} (the default) answers sooner; --spin 0 never keeps a core busy",
        )

    def start() -> Tap:
        made = Tap.open(
            session, name, pattern, listen, target, session.new_socket_options(heartbeats=False), spin
        )
        session.entries[name] = made.entry
        return made

    made = session.engine.call(start)
    session.note_endpoint(made.listen)
    session.note_endpoint(target)
    return TapStarted(name, pattern.name, made.listen, target)


def _switch(session: Session, name: str, pause: bool) -> TapSwitched:
    entry = session.entry(name)
    tap = entry.tap
    if tap is None:
        raise CommandError(
            f"{name} is a {entry.kind.name.lower()} socket, not a tap",
            "make a tap with: tap NAME LISTEN TARGET",
        )
    if tap.paused != pause:
        session.engine.call(tap.pause if pause else tap.resume)
    return TapSwitched(name, pause)
