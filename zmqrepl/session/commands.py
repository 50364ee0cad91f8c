"""The command language, as one table.

Each command lists its arguments with a kind; the parser, ``help``, the shell's
completer, lexer and toolbar hint, and IPython completion all read this table.

    >>> COMMANDS["send"].usage
    'send NAME FRAME [FRAME ...]'
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ..core.constants import Option

__all__ = ["ALIASES", "COMMANDS", "FORMATS", "Arg", "ArgKind", "Command", "Flag", "lookup"]

FORMATS = ("auto", "text", "hex", "json", "msgpack")
AUTH_ACTIONS = ("on", "off", "show", "allow", "deny", "curve", "plain")


class ArgKind(enum.Enum):
    SOCKET = "socket name"          # an existing socket
    NEW_SOCKET = "new socket name"  # a name not used yet
    SOCKET_TYPE = "socket type"
    OPTION = "socket option"
    VALUE = "option value"
    ENDPOINT = "endpoint"
    FRAME = "frame"
    INT = "integer"
    NUMBER = "number"
    FILE = "file"
    COMMAND = "command"
    WORD = "word"
    FORMAT = "format"
    SWITCH = "switch"  # a flag that takes no value


@dataclass(frozen=True)
class Arg:
    name: str
    kind: ArgKind
    optional: bool = False
    repeat: bool = False  # takes every remaining word
    choices: tuple[str, ...] = ()  # for WORD: the words allowed

    @property
    def usage(self) -> str:
        text = self.name + (" ..." if self.repeat else "")
        if self.repeat and not self.optional:
            text = f"{self.name} [{self.name} ...]"
        return f"[{text}]" if self.optional else text


@dataclass(frozen=True)
class Flag:
    name: str  # without the leading --
    kind: ArgKind
    help: str
    default: object = None

    @property
    def usage(self) -> str:
        if self.kind is ArgKind.SWITCH:
            return f"[--{self.name}]"
        return f"[--{self.name} {_FLAG_METAVARS[self.kind]}]"


_FLAG_METAVARS = {ArgKind.INT: "N", ArgKind.NUMBER: "X", ArgKind.FORMAT: "|".join(FORMATS),
                  ArgKind.WORD: "WORD"}


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    args: tuple[Arg, ...] = ()
    flags: tuple[Flag, ...] = ()
    details: str = ""
    examples: tuple[str, ...] = ()
    aliases: tuple[str, ...] = field(default=())

    @property
    def usage(self) -> str:
        return " ".join([self.name, *(a.usage for a in self.args), *(f.usage for f in self.flags)])

    def arg_at(self, index: int) -> Arg | None:
        """The argument a word at position ``index`` (0 = first argument) fills."""
        for i, arg in enumerate(self.args):
            if i == index or (arg.repeat and index >= i):
                return arg
        return None


def _cmd(name: str, summary: str, *args: Arg, flags: tuple[Flag, ...] = (), details: str = "",
         examples: tuple[str, ...] = (), aliases: tuple[str, ...] = ()) -> Command:
    return Command(name, summary, args, flags, details, examples, aliases)


S = ArgKind.SOCKET
_SECRETS = [o.name.lower() for o in Option if o.secret]
_TIMEOUT = Flag("timeout", ArgKind.INT, "give up after this many milliseconds")
_FORMAT = Flag("format", ArgKind.FORMAT, "how frames are shown: " + "|".join(FORMATS), "auto")

_TABLE = [
    _cmd("help", "show the commands, or one command in detail", Arg("CMD", ArgKind.COMMAND, True),
         examples=("help", "help send")),
    _cmd("version", "show the zmqrepl, libzmq and Python versions"),
    _cmd("socket", "make a socket with a name of your choice",
         Arg("NAME", ArgKind.NEW_SOCKET), Arg("TYPE", ArgKind.SOCKET_TYPE),
         details="TYPE is pub, sub, req, rep, dealer, router, push, pull, pair, xpub, xsub or "
                 "stream. New sockets get linger 1000 ms and maxmsgsize 64 MiB.",
         examples=("socket s sub", "socket r req")),
    _cmd("bind", "bind a socket to an endpoint (port * picks a free one)",
         Arg("NAME", S), Arg("ENDPOINT", ArgKind.ENDPOINT),
         examples=("bind s tcp://127.0.0.1:5555", "bind s tcp://*:*", "bind s ipc:///tmp/feed")),
    _cmd("connect", "connect a socket to an endpoint", Arg("NAME", S), Arg("ENDPOINT", ArgKind.ENDPOINT),
         examples=("connect s tcp://127.0.0.1:5555",)),
    _cmd("unbind", "stop listening on an endpoint", Arg("NAME", S), Arg("ENDPOINT", ArgKind.ENDPOINT)),
    _cmd("disconnect", "drop a connection made with connect", Arg("NAME", S),
         Arg("ENDPOINT", ArgKind.ENDPOINT)),
    _cmd("set", "set a socket option", Arg("NAME", S), Arg("OPTION", ArgKind.OPTION),
         Arg("VALUE", ArgKind.VALUE),
         details="Numbers for numeric options, true/false for flags, a frame literal for bytes "
                 "options (routing_id, subscribe...). 'hwm' sets both sndhwm and rcvhwm.",
         examples=("set s rcvhwm 10000", "set d routing_id client-1", "set s linger 0")),
    _cmd("get", "show a socket option", Arg("NAME", S), Arg("OPTION", ArgKind.OPTION),
         flags=(Flag("reveal", ArgKind.SWITCH, "show a secret's value instead of (set)", False),),
         details="Secrets (" + ", ".join(_SECRETS) + ") show as (set) everywhere, "
                 "unless asked for with --reveal.",
         examples=("get s last_endpoint", "get s rcvhwm", "get s curve_secretkey --reveal")),
    _cmd("subscribe", "subscribe a SUB socket to a topic prefix (none: everything)",
         Arg("NAME", S), Arg("TOPIC", ArgKind.FRAME, True), examples=("subscribe s", "subscribe s weather")),
    _cmd("unsubscribe", "remove a subscription", Arg("NAME", S), Arg("TOPIC", ArgKind.FRAME, True)),
    _cmd("send", "send one multipart message, one frame per argument",
         Arg("NAME", S), Arg("FRAME", ArgKind.FRAME, repeat=True),
         details="Frames: word or \"quoted text\" (UTF-8, backslash escapes), 0x0a0b or hex:0a0b, "
                 "b64:AAEC, json:{\"a\":1} (checked and compacted), @path (a regular file's contents, "
                 "at most the socket's maxmsgsize), \"\" (an empty frame).",
         examples=("send r hello", 'send d "" "two words" 0xff00', 'send p json:{"n":1}')),
    _cmd("recv", "wait for messages on a socket and show them", Arg("NAME", S),
         flags=(_TIMEOUT, Flag("count", ArgKind.INT, "how many messages to wait for", 1), _FORMAT),
         details="Ctrl-C stops waiting. Without --timeout it waits until the messages come.",
         examples=("recv r", "recv s --count 5 --timeout 2000")),
    _cmd("watch", "show every incoming message on sockets as it arrives",
         Arg("NAME", S, repeat=True), flags=(_FORMAT,), examples=("watch s", "watch s d --format hex")),
    _cmd("unwatch", "stop watching a socket (none: all of them)", Arg("NAME", S, True)),
    _cmd("monitor", "show connection events of a socket live (connected, disconnected...)",
         Arg("NAME", S), Arg("off", ArgKind.WORD, True, choices=("off",)),
         examples=("monitor s", "monitor s off")),
    _cmd("poll", "show which sockets can receive or send now", Arg("NAME", S, repeat=True),
         flags=(_TIMEOUT,), examples=("poll s d --timeout 1000",)),
    _cmd("close", "close a socket", Arg("NAME", S)),
    _cmd("sockets", "list sockets: type, endpoints, changed options, counters, rates",
         aliases=("ls",)),
    _cmd("curve", "make a CURVE key pair (Z85)", Arg("keypair", ArgKind.WORD, choices=("keypair",)),
         examples=("curve keypair",)),
    _cmd("auth", "authenticate peers of CURVE/PLAIN servers (ZAP): allow/deny addresses, keys, users",
         Arg("ACTION", ArgKind.WORD, True, choices=AUTH_ACTIONS), Arg("ARGS", ArgKind.WORD, True, True),
         details="auth on | off | show; auth allow ADDRESS; auth deny ADDRESS; auth curve PUBLICKEY "
                 "(or: auth curve any); auth plain USER PASSWORD. Applies to every socket of the "
                 "session. Without auth, a CURVE server accepts any client that knows its key.",
         examples=("auth curve any", "auth allow 127.0.0.1", "auth plain admin secret")),
    _cmd("record", "log incoming messages of a socket to a JSON Lines file (--stop ends it)",
         Arg("NAME", S), Arg("FILE", ArgKind.FILE, True),
         flags=(Flag("stop", ArgKind.SWITCH, "stop recording", False),),
         examples=("record s feed.jsonl", "record s --stop")),
    _cmd("replay", "send the messages of a recorded file through a socket",
         Arg("FILE", ArgKind.FILE), Arg("NAME", S),
         flags=(Flag("speed", ArgKind.NUMBER, "1 = recorded pace, 2 = twice as fast, 0 = at once", 1.0),),
         examples=("replay feed.jsonl p --speed 0",)),
    _cmd("sleep", "wait some milliseconds (messages keep showing)", Arg("MS", ArgKind.INT)),
    _cmd("source", "run the commands of a file", Arg("FILE", ArgKind.FILE)),
    _cmd("quit", "close every socket and leave", aliases=("exit",)),
]

COMMANDS: dict[str, Command] = {c.name: c for c in _TABLE}
ALIASES: dict[str, str] = {a: c.name for c in _TABLE for a in c.aliases}


def lookup(word: str) -> Command | None:
    word = word.lower()
    return COMMANDS.get(ALIASES.get(word, word))
