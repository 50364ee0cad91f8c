"""The command language, as one table: each row names its handler.

Each command lists its arguments with a kind; the parser, ``help``, the shell's
completer, lexer and toolbar hint, and IPython completion all read this table, and
``Session.execute`` runs the handler a row names. Adding a command: one row here, one
handler (cmd_*.py) returning a result (results.py); see CONTRIBUTING.md.

    >>> COMMANDS["send"].usage
    'send NAME FRAME [FRAME ...]'
"""

from __future__ import annotations

from ..core.constants import Option
from . import cmd_inspect as inspect
from . import cmd_load as load
from . import cmd_messages as messages
from . import cmd_sockets as sockets
from . import cmd_tap as taps
from . import cmd_tools as tools
from .defaults import (
    DEFAULT_HEARTBEAT_IVL_MS,
    DEFAULT_HEARTBEAT_TIMEOUT_MS,
    DEFAULT_LINGER_MS,
    DEFAULT_MAXMSGSIZE,
    DEFAULT_PROBE_TIMEOUT_MS,
    DEFAULT_TAP_SPIN_US,
    DEFAULT_VIEW,
    VIEWS,
)
from .dump import SHOW_BYTES
from .files import human_size
from .filters import GREP_PREFIX, GREP_TIMEOUT_S
from .frames import FORMATS
from .peerbook import PEER_LIMIT
from .results_stats import STATS_TOP
from .stats import HISTORY_S, SAMPLE_PER_BATCH, SAMPLE_PER_SECOND
from .syntax import Arg, ArgKind, Command, Flag, Handler

__all__ = ["ALIASES", "COMMANDS", "lookup"]

AUTH_ACTIONS = ("on", "off", "show", "allow", "deny", "curve", "plain")


def _cmd(
    name: str,
    handler: Handler,
    summary: str,
    *args: Arg,
    flags: tuple[Flag, ...] = (),
    details: str = "",
    examples: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    after_close: bool = False,
) -> Command:
    return Command(name, summary, handler, args, flags, details, examples, aliases, after_close)


S = ArgKind.SOCKET
_SECRETS = [o.name.lower() for o in Option if o.secret]
_TIMEOUT = Flag("timeout", ArgKind.INT, "give up after this many milliseconds")
_FORMAT = Flag("format", ArgKind.FORMAT, "how frames are shown: " + "|".join(FORMATS), "auto")
_VIEW = Flag(
    "view",
    ArgKind.WORD,
    "|".join(VIEWS) + ": full is a line per frame, line is the whole message in one line "
    f"(time, socket, direction, part sizes, a preview); default: the view setting ({DEFAULT_VIEW})",
)
_FILTERS = (
    Flag("where", ArgKind.EXPR, "only messages for which this Python expression is true"),
    Flag("grep", ArgKind.REGEX, "only messages with a frame this regular expression finds (as UTF-8 text)"),
)
_FILTER_DETAILS = (
    "--where EXPR: a Python expression over each message, with frames (list of bytes), topic "
    "(frames[0]), parts (number of frames), size (total bytes) and json (the first frame that "
    "is a JSON object or array, else None). Allowed, and nothing else: those names; calls of "
    "len int str float bool any all min max abs sum round, isinstance(x, bytes|str|int|float|"
    "dict|list|tuple|bool); methods startswith endswith decode lower upper strip split find "
    "count index get keys values items isdigit hex (and a few like them); and or not, "
    "comparisons, in, is, x if c else y, + - / // %, * by an int constant up to 100, [i], "
    "[a:b], tuples, lists, dicts, constants. Refused when given: other attributes, :=, lambda, "
    "comprehensions, f-strings, **. Nothing loops but over the message and a value may not grow "
    "past 8x it, so a message costs time linear in its size. A message on which it raises does "
    f"not match (said once). --grep REGEX: Python's re syntax, searched in each frame's first "
    f"{human_size(GREP_PREFIX)} as UTF-8 text for at most {round(GREP_TIMEOUT_S * 1000)} ms a "
    "frame: a pattern slower than that is turned off (said once). Both given: both must match. "
    "Quote an expression with spaces; in single quotes backslashes stay as typed."
)

_TABLE = [
    _cmd(
        "help",
        tools.help_text,
        "show the commands, or one command in detail",
        Arg("CMD", ArgKind.COMMAND, True),
        examples=("help", "help send"),
        after_close=True,
    ),
    _cmd("version", tools.version, "show the zmqrepl, libzmq and Python versions", after_close=True),
    _cmd(
        "socket",
        sockets.make_socket,
        "make a socket with a name of your choice",
        Arg("NAME", ArgKind.NEW_SOCKET),
        Arg("TYPE", ArgKind.SOCKET_TYPE),
        details="TYPE is pub, sub, req, rep, dealer, router, push, pull, pair, xpub, xsub or "
        f"stream. New sockets get linger {DEFAULT_LINGER_MS} ms, maxmsgsize "
        f"{human_size(DEFAULT_MAXMSGSIZE)} and, but for req, rep and pub, ZMTP "
        f"heartbeats: a ping every {DEFAULT_HEARTBEAT_IVL_MS} ms, and a peer that sends nothing "
        f"within {DEFAULT_HEARTBEAT_TIMEOUT_MS} ms is disconnected, so a stopped peer shows in "
        "monitor and peers (set NAME heartbeat_ivl / heartbeat_timeout MS before bind or "
        "connect changes them; 0 turns them off). The session reads a socket with heartbeats "
        "as messages come and keeps up to rcvhwm of them for recv, watch and record (libzmq 4.3 "
        "can abort when a heartbeat socket's own queue stays full); what comes while that is "
        "full is dropped and counted (sockets: dropped), where without heartbeats the sender "
        "waits.",
        examples=("socket s sub", "socket r req"),
    ),
    _cmd(
        "bind",
        sockets.bind,
        "bind a socket to an endpoint (port * picks a free one)",
        Arg("NAME", S),
        Arg("ENDPOINT", ArgKind.ENDPOINT),
        examples=("bind s tcp://127.0.0.1:5555", "bind s tcp://*:*", "bind s ipc:///tmp/feed"),
    ),
    _cmd(
        "connect",
        sockets.connect,
        "connect a socket to an endpoint",
        Arg("NAME", S),
        Arg("ENDPOINT", ArgKind.ENDPOINT),
        examples=("connect s tcp://127.0.0.1:5555",),
    ),
    _cmd(
        "unbind",
        sockets.unbind,
        "stop listening on an endpoint",
        Arg("NAME", S),
        Arg("ENDPOINT", ArgKind.ENDPOINT),
    ),
    _cmd(
        "disconnect",
        sockets.disconnect,
        "drop a connection made with connect",
        Arg("NAME", S),
        Arg("ENDPOINT", ArgKind.ENDPOINT),
    ),
    _cmd(
        "set",
        sockets.set_option,
        "set a socket option",
        Arg("NAME", S),
        Arg("OPTION", ArgKind.OPTION),
        Arg("VALUE", ArgKind.VALUE),
        details="Numbers for numeric options, true/false for flags, a frame literal for bytes "
        "options (routing_id, subscribe...). 'hwm' sets both sndhwm and rcvhwm.",
        examples=("set s rcvhwm 10000", "set d routing_id client-1", "set s linger 0"),
    ),
    _cmd(
        "get",
        sockets.get,
        "show a socket option",
        Arg("NAME", S),
        Arg("OPTION", ArgKind.OPTION),
        flags=(Flag("reveal", ArgKind.SWITCH, "show a secret's value instead of (set)", False),),
        details="Secrets (" + ", ".join(_SECRETS) + ") show as (set) everywhere, "
        "unless asked for with --reveal.",
        examples=("get s last_endpoint", "get s rcvhwm", "get s curve_secretkey --reveal"),
    ),
    _cmd(
        "subscribe",
        sockets.subscribe,
        "subscribe a SUB socket to a topic prefix (none: everything)",
        Arg("NAME", S),
        Arg("TOPIC", ArgKind.FRAME, True),
        examples=("subscribe s", "subscribe s weather"),
    ),
    _cmd(
        "unsubscribe",
        sockets.unsubscribe,
        "remove a subscription",
        Arg("NAME", S),
        Arg("TOPIC", ArgKind.FRAME, True),
    ),
    _cmd(
        "send",
        messages.send,
        "send a multipart message, one frame per argument (or N numbered copies: --count)",
        Arg("NAME", S),
        Arg("FRAME", ArgKind.FRAME, repeat=True),
        flags=(
            Flag("count", ArgKind.INT, "send N copies (load): progress shows, Ctrl-C stops"),
            Flag("rate", ArgKind.NUMBER, "with --count: at most R messages per second", metavar="R"),
        ),
        details='Frames: word or "quoted text" (UTF-8, backslash escapes), 0x0a0b or hex:0a0b, '
        'b64:AAEC, json:{"a":1} (checked and compacted), @path (a regular file\'s contents, '
        'at most the socket\'s maxmsgsize), "" (an empty frame). '
        "With --count N, %n in a text frame (word, quoted or json:) becomes the message's "
        "number, 0 to N-1, and %% a literal % (%%n sends %n; hex, b64 and @file frames are "
        "sent as they are). json: is checked before %n is filled in, so there %n can only stand "
        'inside a string (json:{"seq":"%n"}); for a bare number use a quoted text '
        "frame: '{\"seq\": %n}'. The engine sends in chunks, as fast as the peers take them "
        "or paced at --rate (0.001 to 1e9 a second), and says the rate achieved. A full queue "
        "for 2 s (no peer) ends it with an error.",
        examples=(
            "send r hello",
            'send d "" "two words" 0xff00',
            'send p json:{"n":1}',
            "send p tick-%n --count 100000",
            "send p '{\"seq\": %n}' --count 2000 --rate 500",
        ),
    ),
    _cmd(
        "recv",
        messages.recv,
        "wait for messages on a socket and show them",
        Arg("NAME", S),
        flags=(
            _TIMEOUT,
            Flag("count", ArgKind.INT, "how many messages to wait for", 1),
            _FORMAT,
            _VIEW,
            *_FILTERS,
        ),
        details="Ctrl-C stops waiting. Without --timeout it waits until the messages come. "
        "With --count above 1 (at most 1,000,000) a progress bar shows how many came, and "
        "Ctrl-C keeps (and shows) the messages received so far; only the newest 100 are "
        "shown (a line says how many more came; the value holds them all). Each message "
        "shown gets a number (#42): show 42 prints it whole. With --where or --grep it waits "
        "for messages that match; those that do not are read and passed over (sockets counts "
        "them). " + _FILTER_DETAILS,
        examples=(
            "recv r",
            "recv s --count 5 --timeout 2000",
            "recv s --count 3 --view line",
            """recv s --where 'json and json.get("level") == "error"'""",
        ),
    ),
    _cmd(
        "watch",
        messages.watch,
        "show every incoming message on sockets as it arrives",
        Arg("NAME", S, repeat=True),
        flags=(
            Flag("format", ArgKind.FORMAT, "how frames are shown: " + "|".join(FORMATS) + " (default: auto)"),
            _VIEW,
            *_FILTERS,
        ),
        details="Each message shown gets a number (#42): show 42 prints it whole, history "
        "lists them. --view line shows one line per message: number, time, socket, direction "
        "(a tap's), part sizes in bytes (5+1.2k: two parts) and the frames, cut at the "
        "terminal's width. Under a flood the newest messages are shown and the rest counted "
        "(+N more); sockets counts every message. Messages that waited in the queue before the watch "
        "started show as queued, with the time they were read (queued ≤12:00:01.250). With --where "
        "or --grep only matching messages "
        "show, and sockets gives received and matched. watch NAME again changes the format or "
        "the view given (the others stay as they were) and sets the filter (none: every message). "
        + _FILTER_DETAILS,
        examples=(
            "watch s",
            "watch s d --format hex",
            "watch s --view line",
            "watch s --where \"topic == b'weather'\"",
            "watch s --where 'json and json[\"temp\"] > 30'",
            "watch s --grep 'error|warn'",
            "watch s --where 'parts == 2 and size > 1000'",
        ),
    ),
    _cmd("unwatch", messages.unwatch, "stop watching a socket (none: all of them)", Arg("NAME", S, True)),
    _cmd(
        "show",
        inspect.show,
        "print a shown message whole: every frame, JSON pretty, msgpack decoded, binary as hex",
        Arg("N", ArgKind.INT, True),
        flags=(
            Flag(
                "format",
                ArgKind.FORMAT,
                f"read the frames as {'|'.join(FORMATS)} (default: auto, or the watch's json|msgpack)",
            ),
            Flag(
                "bytes",
                ArgKind.INT,
                f"bytes of a binary frame shown (default {SHOW_BYTES})",
                SHOW_BYTES,
                metavar="B",
            ),
            Flag("frame", ArgKind.INT, "print only this frame (0 is the first)", metavar="K"),
        ),
        details="N is the number watch, recv and history give each message (#42: type show 42, "
        "as # starts a comment); without N, the newest. The session keeps the newest "
        "messages shown (history_size in the settings) and the first 16 KiB of each frame; "
        "record NAME FILE keeps every message whole. A hex dump shows offsets, 16 bytes "
        "a line and their ASCII. One show prints at most 20000 lines or 2 MiB of characters "
        "(then says what it left out); --frame K prints one frame. Numbers start at 1.",
        examples=("show", "show 42", "show 42 --format hex", "show 7 --bytes 16384", "show 7 --frame 2"),
    ),
    _cmd(
        "history",
        inspect.history,
        "list the messages shown (newest last), of one socket or all, with their numbers",
        Arg("NAME", S, True),
        flags=(
            Flag(
                "grep",
                ArgKind.WORD,
                "only messages with a frame that matches this regular expression",
                metavar="REGEX",
            ),
            Flag("last", ArgKind.INT, "how many of the newest matching messages to list (default 50)", 50),
        ),
        details="One line per message: number, time, socket, part sizes, a preview. --grep "
        "searches each frame as UTF-8 text (Python re syntax), newest first, for 2 s at most "
        "(then it lists what it found and says how far it got); Ctrl-C stops it. The session "
        "keeps the newest messages shown (history_size in the settings, 1000 by default).",
        examples=("history", "history s --grep temp", "history --grep '\"id\": 4[0-9]' --last 10"),
    ),
    _cmd(
        "stats",
        inspect.stats,
        "show a socket's traffic: rate over time, message sizes, counts per topic or peer",
        Arg("NAME", S),
        details="Rates come from the socket's counters, one sample a second for the last "
        f"{HISTORY_S // 60} minutes; messages that waited in the queue before a watch started "
        "count as received but not in any rate. Sizes and first frames (a SUB's topic, a "
        "ROUTER's or a tap's peer) are sampled from the messages a watch shows: at most "
        f"{SAMPLE_PER_BATCH} of each batch read and {SAMPLE_PER_SECOND:,} a second, so a flood "
        f"costs no more than a trickle; the output says how many were looked at. The {STATS_TOP} "
        "most seen first frames are listed, the rest as others. In a notebook the rates, the "
        "sizes and the counts are drawn as charts.",
        examples=("stats s",),
    ),
    _cmd(
        "monitor",
        messages.monitor,
        "show connection events of a socket live (connected, disconnected...)",
        Arg("NAME", S),
        Arg("off", ArgKind.WORD, True, choices=("off",)),
        details="A failed handshake is said in words (a security mechanism mismatch, a wrong "
        "CURVE server key, a client the ZAP handler denied); peers NAME keeps the state per peer.",
        examples=("monitor s", "monitor s off"),
    ),
    _cmd(
        "poll",
        messages.poll,
        "show which sockets can receive or send now",
        Arg("NAME", S, repeat=True),
        flags=(_TIMEOUT,),
        examples=("poll s d --timeout 1000",),
    ),
    _cmd("close", sockets.close, "close a socket", Arg("NAME", S)),
    _cmd(
        "sockets",
        sockets.sockets,
        "list sockets: type, endpoints, changed options, counters, rates",
        aliases=("ls",),
    ),
    _cmd(
        "peers",
        sockets.peers,
        "list a socket's peers: routing id, address, connection, messages in, first/last seen, state",
        Arg("NAME", S),
        details="State comes from the socket's monitor: connected, disconnected (when), handshake "
        "failed (why, in words). A ROUTER's messages are counted per routing id from the first "
        "peers NAME on, of those the session reads (watch, recv, record), with the address "
        "each one came from (tcp: the IP; ipc: localhost:uid:gid:pid). The newest "
        f"{PEER_LIMIT} peers are kept. On a bound socket a routing id is matched to the connection by order.",
        examples=("peers r",),
    ),
    _cmd(
        "curve",
        tools.curve,
        "make a CURVE key pair (Z85)",
        Arg("keypair", ArgKind.WORD, choices=("keypair",)),
        examples=("curve keypair",),
    ),
    _cmd(
        "auth",
        tools.auth,
        "authenticate peers of CURVE/PLAIN servers (ZAP): allow/deny addresses, keys, users",
        Arg("ACTION", ArgKind.WORD, True, choices=AUTH_ACTIONS),
        Arg("ARGS", ArgKind.WORD, True, True),
        details="auth on | off | show; auth allow ADDRESS; auth deny ADDRESS; auth curve PUBLICKEY "
        "(or: auth curve any); auth plain USER PASSWORD. Applies to every socket of the "
        "session. Without auth, a CURVE server accepts any client that knows its key.",
        examples=("auth curve any", "auth allow 127.0.0.1", "auth plain admin secret"),
    ),
    _cmd(
        "record",
        messages.record,
        "log incoming messages of a socket to a JSON Lines file (--stop ends it)",
        Arg("NAME", S),
        Arg("FILE", ArgKind.FILE, True),
        flags=(
            Flag("stop", ArgKind.SWITCH, "stop recording", False),
            *_FILTERS,
            Flag(
                "max-size",
                ArgKind.WORD,
                "rotate when the next message would take FILE past SIZE (64k at least: 500k, 10M, 1G)",
                metavar="SIZE",
            ),
            Flag(
                "files",
                ArgKind.INT,
                "with --max-size: keep K files in all (FILE, FILE.1 ...; 1 to 100)",
                metavar="K",
            ),
        ),
        details="One JSON object per line (see the README to load it in pandas). "
        "With --where or --grep only matching messages are written; sockets gives how many. "
        "record NAME alone shows the recording: messages, bytes, rotations, and messages that "
        "could not be written (a full disk stops the recording and says how many were lost). "
        "--max-size SIZE --files K keeps a ring of K files, like tcpdump -C/-W: when FILE "
        "would pass SIZE, FILE.1 becomes FILE.2 and so on (the oldest, FILE.K-1, is "
        "dropped), FILE becomes FILE.1 and a new FILE starts; FILE always holds the newest "
        "messages (K defaults to 2, at most 100; SIZE is at least 64k, since a rotation renames "
        "up to K-1 files; a message larger than SIZE gets a file of its own). k, M and G are "
        "1024-based. FILE is resolved when the recording starts (a later cd does not move it); "
        "only regular files are rotated (a symlink at FILE.2 stops the recording); a rotation "
        "that fails (a rename refused) is said once and the recording goes on in FILE. " + _FILTER_DETAILS,
        examples=(
            "record s feed.jsonl",
            "record s",
            "record s --stop",
            "record s errors.jsonl --grep ERROR",
            "record s feed.jsonl --max-size 10M --files 5",
        ),
    ),
    _cmd(
        "replay",
        messages.replay,
        "send the messages of a recorded file through a socket",
        Arg("FILE", ArgKind.FILE),
        Arg("NAME", S),
        flags=(
            Flag("speed", ArgKind.NUMBER, "1 = recorded pace, 2 = twice as fast, 0 = at once", 1.0),
            Flag("direction", ArgKind.WORD, "a tap's recording: only what the client or the server sent"),
            Flag("background", ArgKind.SWITCH, "return at once; a notice says when it ends", False),
        ),
        details="The command waits for the end with a progress bar (rate, time left); Ctrl-C "
        "stops it and says how many were sent. With --background it runs while you type.",
        examples=(
            "replay feed.jsonl p --speed 0",
            "replay tap.jsonl d --direction client",
            "replay feed.jsonl p --background",
        ),
    ),
    _cmd(
        "tap",
        taps.tap,
        "sit between two running programs: forward every message both ways and show it",
        Arg("NAME", ArgKind.NEW_SOCKET),
        Arg("LISTEN", ArgKind.ENDPOINT, choices=taps.ACTIONS),
        Arg("TARGET", ArgKind.ENDPOINT, True),
        flags=(
            Flag("pattern", ArgKind.WORD, "reqrep (default), pubsub or pipeline", "reqrep"),
            Flag(
                "spin",
                ArgKind.INT,
                f"us to poll for the next message before sleeping (default {DEFAULT_TAP_SPIN_US}; 0: never)",
                DEFAULT_TAP_SPIN_US,
            ),
        ),
        details="tap NAME pause: messages wait in the queues (up to the HWM); tap NAME resume. "
        "The tap binds LISTEN and connects to TARGET, where the server listens; point "
        "the clients at LISTEN instead. Messages pass unchanged and in order. reqrep: REQ or "
        "DEALER clients, REP or ROUTER server (envelopes kept); a reply for a client that has "
        "gone or whose queue is full is dropped and counted. pubsub: SUB clients, PUB "
        "server; subscriptions go up and show. pipeline: PUSH clients, PULL server. Then: "
        "watch NAME shows each message with its direction and client; peers NAME each "
        "client; sockets counts each way; record NAME FILE logs both ways (replay FILE S "
        "--direction client sends one way); set NAME OPTION VALUE sets both sockets (linger, "
        "hwm, sndhwm, rcvhwm, heartbeat_ivl, heartbeat_timeout, maxmsgsize, reconnect and tcp "
        "options; heartbeats for connections made after); close NAME ends the tap. --spin: after "
        "passing a message on, the tap polls for the next without sleeping, which takes tens of "
        "us off a round trip and keeps a core busy meanwhile.",
        examples=(
            "tap t tcp://127.0.0.1:5555 tcp://127.0.0.1:5556",
            "tap feed tcp://*:6000 tcp://10.0.0.5:5556 --pattern pubsub",
            "tap t pause",
        ),
    ),
    _cmd(
        "ping",
        load.ping,
        "measure round trips to a live service from a req or dealer socket",
        Arg("NAME", S),
        flags=(
            Flag("count", ArgKind.INT, "round trips (at most 1,000,000)", load.DEFAULT_PING_COUNT),
            Flag("size", ArgKind.INT, "bytes in each request", load.DEFAULT_PING_SIZE, metavar="B"),
            Flag(
                "timeout",
                ArgKind.INT,
                "ms to wait for each reply",
                load.DEFAULT_PING_TIMEOUT_MS,
                metavar="MS",
            ),
        ),
        details="Sends a request of --size bytes ('p' * size), waits for its reply, then sends "
        "the next, and prints min, p50, p99 and max of the round trips as the session sees "
        "them. A dealer's request is ping:ID:N, an empty delimiter, then the payload: a REP "
        "or ROUTER server sends the frames before the delimiter back, so a reply to another "
        "request (a late one) is skipped and counted, not timed. A reply that does not come "
        "within --timeout stops it there, with the figures so far (an error if none came); "
        "a req socket then still waits for that reply (recv NAME takes it, or close and make "
        "it again). When the socket's last peer disconnects with a request in flight, it ends "
        "at once with the figures so far (that reply cannot come). Ctrl-C stops it; a req "
        "stopped between a request and its reply drops "
        "that reply if it comes within --timeout, and can then send again.",
        examples=("ping r", "ping d --count 1000 --size 1024", "ping r --timeout 200"),
    ),
    _cmd(
        "probe",
        tools.probe,
        "show what listens on a tcp endpoint: ZeroMQ or not, ZMTP version, security, socket type",
        Arg("ENDPOINT", ArgKind.ENDPOINT),
        flags=(
            Flag("timeout", ArgKind.INT, "give up after this many milliseconds", DEFAULT_PROBE_TIMEOUT_MS),
        ),
        details="A plain TCP connection, not a ZeroMQ peer: it reads the peer's greeting (and "
        "a NULL peer's READY: socket type, identity) and leaves before the handshake ends, "
        "so the peer makes no pipe for it (its monitor shows a failed handshake). It also "
        "tells a non-ZeroMQ server (showing the bytes it sent), a closed port and silence "
        f"apart. --timeout bounds it all (default {DEFAULT_PROBE_TIMEOUT_MS} ms); Ctrl-C stops it.",
        examples=("probe tcp://127.0.0.1:5555", "probe tcp://example.com:80 --timeout 500"),
    ),
    _cmd("sleep", tools.sleep, "wait some milliseconds (messages keep showing)", Arg("MS", ArgKind.INT)),
    _cmd("source", tools.source, "run the commands of a file", Arg("FILE", ArgKind.FILE)),
    _cmd("quit", tools.quit_session, "close every socket and leave", aliases=("exit",), after_close=True),
]

COMMANDS: dict[str, Command] = {c.name: c for c in _TABLE}
ALIASES: dict[str, str] = {a: c.name for c in _TABLE for a in c.aliases}


def lookup(word: str) -> Command | None:
    word = word.lower()
    return COMMANDS.get(ALIASES.get(word, word))
