"""Commands about sockets themselves: socket, bind, connect, set, get, subscribe, close, sockets."""

from __future__ import annotations

from typing import Any

from ..core import Option, Socket, SocketType, ValueType
from .base import SessionCore
from .entry import SocketEntry
from .errors import CommandError, clip, core_error
from .frames import parse_frame
from .hidden import HIDDEN, NOT_SET, is_secret, option_text
from .parser import Parsed
from .render import short_value, table_lines
from .results import (
    Result,
    SocketInfo,
)
from .tokens import Token

__all__ = ["SocketCommands"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SocketCommands(SessionCore):
    def _cmd_socket(self, p: Parsed) -> Result:
        name: str = p.args["NAME"]
        kind: SocketType = p.args["TYPE"]
        if name in self._entries:
            raise CommandError(f"a socket named {clip(name)} exists already",
                               f"pick another name, or close {name} first")

        def create() -> SocketEntry:
            sock = Socket(kind, self.engine.context)
            sock.set(Option.LINGER, self.linger)
            sock.set(Option.MAXMSGSIZE, self.maxmsgsize)
            entry = SocketEntry(name, kind, sock)
            # Session defaults that differ from libzmq's show in the sockets table.
            entry.changed.update(linger=self.linger, maxmsgsize=self.maxmsgsize)
            self._entries[name] = entry
            return entry

        self.engine.call(create)
        return Result("socket", name, [f"{name}: {kind.name.lower()} socket "
                                       f"(linger {self.linger} ms, maxmsgsize {self.maxmsgsize})"])

    def _endpoint_cmd(self, p: Parsed, op: str) -> Result:
        entry = self._entry(p.args["NAME"])
        endpoint: str = p.args["ENDPOINT"]

        def act() -> str:
            if op == "bind":
                resolved = entry.socket.bind(endpoint)
                entry.bound.append(resolved)
                return resolved
            if op == "connect":
                self._watch_connections(entry)  # before connecting: no event is missed
            getattr(entry.socket, op)(endpoint)
            target = entry.connected if op in ("connect", "disconnect") else entry.bound
            if op == "connect":
                target.append(endpoint)
            elif endpoint in target:
                target.remove(endpoint)
            return endpoint

        done = self.engine.call(act)
        if op in ("bind", "connect") and done not in self._endpoints:
            self._endpoints.append(done)
        past = {"bind": "bound to", "connect": "connecting to", "unbind": "unbound from",
                "disconnect": "disconnected from"}[op]
        return Result(op, done, [f"{entry.name} {past} {done}"])

    def _cmd_bind(self, p: Parsed) -> Result:
        return self._endpoint_cmd(p, "bind")

    def _cmd_connect(self, p: Parsed) -> Result:
        return self._endpoint_cmd(p, "connect")

    def _cmd_unbind(self, p: Parsed) -> Result:
        return self._endpoint_cmd(p, "unbind")

    def _cmd_disconnect(self, p: Parsed) -> Result:
        return self._endpoint_cmd(p, "disconnect")

    def _cmd_set(self, p: Parsed) -> Result:
        entry = self._entry(p.args["NAME"])
        option: str = p.args["OPTION"]
        value = _option_value(option, p.args["VALUE"])

        def act() -> None:
            entry.socket.set(option, value)
            entry.changed[option] = value

        try:
            self.engine.call(act)
        except (TypeError, ValueError) as exc:
            raise core_error(str(exc), "see: help set") from None
        shown = HIDDEN if is_secret(option) else short_value(value)
        lines = [f"{entry.name}.{option} = {shown}"]
        if option == "curve_server" and value and self.security_warning and not self._curve_server_warned:
            # A CURVE server is what the listed CVEs attack; say it once per session.
            self._curve_server_warned = True
            lines.append("warning: " + self.security_warning)
        return Result("set", HIDDEN if is_secret(option) else value, lines)

    def _cmd_get(self, p: Parsed) -> Result:
        entry = self._entry(p.args["NAME"])
        option: str = p.args["OPTION"]
        try:
            value = self.engine.call(lambda: entry.socket.get(option))
        except ValueError as exc:
            raise CommandError(str(exc), "options you set show in: sockets") from None
        if is_secret(option):
            shown = option_text(option, value)
            if shown == NOT_SET:
                return Result("get", shown, [f"{entry.name}.{option} = {shown}"])
            if not p.flags["reveal"]:
                return Result("get", shown, [f"{entry.name}.{option} = {shown} (a secret: get "
                                             f"{entry.name} {option} --reveal shows it)"])
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            return Result("get", value, [f"{entry.name}.{option} = '{text}'"])  # asked for: whole
        shown = short_value(value)
        if option == "type" and isinstance(value, int):
            shown = SocketType(value).name.lower()
        elif option == "events" and isinstance(value, int):
            shown = " ".join(w for w, bit in (("in", 1), ("out", 2)) if value & bit) or "none"
        return Result("get", value, [f"{entry.name}.{option} = {shown}"])

    def _subscription(self, p: Parsed, on: bool) -> Result:
        entry = self._entry(p.args["NAME"])
        topic: bytes = p.args.get("TOPIC") or b""
        verb = "subscribe" if on else "unsubscribe"
        if entry.kind not in (SocketType.SUB, SocketType.XSUB):
            raise CommandError(f"{entry.name} is a {entry.kind.name.lower()} socket; only sub and "
                               f"xsub sockets {verb}", "make one with: socket NAME sub")

        def act() -> None:
            if entry.kind is SocketType.SUB:
                entry.socket.set(Option.SUBSCRIBE if on else Option.UNSUBSCRIBE, topic)
            else:
                entry.socket.send((b"\x01" if on else b"\x00") + topic, nonblocking=True)
            key = "subscribe" if on else "unsubscribe"
            entry.changed[key] = topic

        self.engine.call(act)
        shown = repr(topic.decode("utf-8", "replace")) if topic else "everything"
        return Result(verb, topic, [f"{entry.name} {verb}d to {shown}"
                                    if on else f"{entry.name} unsubscribed from {shown}"])

    def _cmd_subscribe(self, p: Parsed) -> Result:
        return self._subscription(p, True)

    def _cmd_unsubscribe(self, p: Parsed) -> Result:
        return self._subscription(p, False)

    def _cmd_close(self, p: Parsed) -> Result:
        entry = self._entry(p.args["NAME"])
        self.engine.call(lambda: self._close_entry(entry))
        return Result("close", entry.name, [f"{entry.name} closed"])

    def _cmd_sockets(self, p: Parsed) -> Result:
        infos = self.sockets()
        if not infos:
            return Result("sockets", infos, ["no sockets yet (make one with: socket NAME TYPE)"])
        return Result("sockets", infos, table_lines(SocketInfo.COLUMNS, [i.row() for i in infos]))


def _option_value(option: str, token: Token) -> Any:
    """The Python value for ``set``, by the option's type."""
    vt = ValueType.INT if option == "hwm" else Option.from_name(option).value_type
    text = token.text
    if vt in (ValueType.INT, ValueType.INT64, ValueType.UINT64):
        try:
            return int(text, 0)
        except ValueError:
            raise CommandError(f"option {option} takes a whole number, not {clip(text)}",
                               f"e.g. set NAME {option} 1000") from None
    if vt is ValueType.BOOL:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise CommandError(f"option {option} takes true or false, not {clip(text)}",
                           f"e.g. set NAME {option} true")
    if vt is ValueType.STR:
        return text
    if vt is ValueType.CURVE_KEY and not token.quoted and len(text) == 40:
        return text  # a Z85 key as curve keypair prints it, even one starting with @ or 0x
    if not is_secret(option) or text.startswith("@"):
        return parse_frame(token)  # @path: an error names the file, never its contents
    try:
        return parse_frame(token)
    except CommandError:
        # The frame parser quotes what it could not read: here that is a secret.
        raise CommandError(f"option {option}: the value given is not a valid frame literal",
                           "give the 40-character Z85 key that curve keypair prints") from None


