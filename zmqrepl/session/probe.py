"""``probe``: what listens on a tcp endpoint, asked over a plain TCP connection.

Not a ZeroMQ peer: it sends the start of a NULL client greeting, reads the peer's greeting
(and, from a NULL peer, its READY command), and closes without sending READY, so the peer
never makes a pipe for it. Every read is bounded (wire.py); the whole probe, the name
lookup included, ends within the timeout. Ctrl-C (KeyboardInterrupt) ends it at once.
"""

from __future__ import annotations

import errno
import re
import socket
import threading
import time
from typing import Callable

from .errors import CommandError, clip
from .results import ProbeReport
from .wire import (
    CLIENT_SIGNATURE,
    GREETING_SIZE,
    Greeting,
    command_wanted,
    greeting_rest,
    greeting_wanted,
    parse_command,
    parse_greeting,
    short_frame,
    shown_text,
)

__all__ = ["probe_endpoint", "split_endpoint"]

_TCP = re.compile(r"^tcp://(?:[^;]*;)?(?P<host>\[[^\]]*\]|[^:\[\]]*):(?P<port>[^:]*)$", re.IGNORECASE)
_USAGE = "probe tcp://HOST:PORT, e.g. probe tcp://127.0.0.1:5555"
# Bytes a non-ZeroMQ peer might still be sending after its first ones: read at most this.
_READ_CAP = 512
# How long a peer has to say more before it counts as waiting for us (a PLAIN or CURVE
# server, see _which_side; a ZMTP 1.0 peer after its identity), at least.
_SIDE_WAIT_MIN = 0.2
_REFUSED = "check the port, and that the program is running on that host"


def split_endpoint(endpoint: str) -> tuple[str, int]:
    """(host, port) of a tcp:// endpoint; CommandError for anything else."""
    scheme = endpoint.partition("://")[0].lower() if "://" in endpoint else ""
    if scheme and scheme != "tcp":
        raise CommandError(f"probe only speaks tcp, not {clip(scheme + '://', quoted=False)}", _USAGE)
    match = _TCP.match(endpoint)
    if not match:
        raise CommandError(f"{clip(endpoint)} is not a tcp://HOST:PORT endpoint", _USAGE)
    host, port_text = match["host"], match["port"]
    if host in ("", "*"):
        raise CommandError(f"probe needs a host to connect to, not {host or 'none'}", _USAGE)
    # ASCII digits only: str.isdigit() is true for '²', which int() rejects; and a short
    # string, as int() refuses strings of over 4300 digits.
    if (
        not (port_text.isascii() and port_text.isdigit() and len(port_text) <= 5)
        or not 0 < int(port_text) < 65536
    ):
        raise CommandError(f"probe needs a port number (1-65535), not {clip(port_text)}", _USAGE)
    return host.strip("[]"), int(port_text)


def probe_endpoint(endpoint: str, timeout_ms: int) -> ProbeReport:
    host, port = split_endpoint(endpoint)
    deadline = time.monotonic() + timeout_ms / 1000
    addresses = _resolve(host, port, deadline, timeout_ms)
    report = _Report(endpoint, timeout_ms)
    sock = _connect(addresses, deadline, report)
    if sock is None:
        return report.done()
    with sock:
        try:
            _converse(sock, deadline, report)
        except OSError as exc:  # a reset, or a send to a peer that went away
            report.note = report.note or f"the connection failed: {exc.strerror or exc}"
    return report.done()


class _Report:
    """A ProbeReport being filled in."""

    def __init__(self, endpoint: str, timeout_ms: int) -> None:
        self.endpoint = endpoint
        self.timeout_ms = timeout_ms
        self.outcome = "closed"
        self.greeting = Greeting("nothing")
        self.properties: dict[str, bytes] = {}
        self.first = b""
        self.note = ""
        self.hint = ""
        self.as_server: bool | None = None  # when found out rather than read from the greeting

    def done(self) -> ProbeReport:
        g = self.greeting
        socket_type = g.socket_type
        identity = g.identity
        if "Socket-Type" in self.properties:
            socket_type = self.properties["Socket-Type"].decode("ascii", "replace")
        if "Identity" in self.properties:
            identity = self.properties["Identity"]
        return ProbeReport(
            self.endpoint,
            self.outcome,
            g.version,
            g.mechanism,
            g.as_server if self.as_server is None else self.as_server,
            socket_type,
            identity,
            tuple(self.properties.items()),
            self.first,
            self.note,
            self.hint,
        )


def _resolve(host: str, port: int, deadline: float, timeout_ms: int) -> list[tuple[int, tuple[object, ...]]]:
    """getaddrinfo, waited for no longer than the deadline (it cannot be told a timeout)."""
    found: list[tuple[int, tuple[object, ...]]] = []
    failure: list[OSError | UnicodeError] = []
    ready = threading.Event()

    def lookup() -> None:
        try:
            for family, _, _, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
                found.append((family, tuple(address)))
        except (OSError, UnicodeError) as exc:
            failure.append(exc)
        finally:
            ready.set()

    threading.Thread(target=lookup, name="probe-resolve", daemon=True).start()
    if not ready.wait(max(deadline - time.monotonic(), 0.0)):
        raise CommandError(
            f"could not look up {clip(host)} within {timeout_ms} ms", "check the name, or give an address"
        )
    exc = failure[0] if failure else None
    if isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE):  # not the name's fault
        raise CommandError(f"cannot look up {clip(host)}: {exc.strerror}", _no_socket(exc))
    if exc is not None or not found:
        why = str(getattr(exc, "strerror", None) or exc) if exc is not None else "no address"
        raise CommandError(
            f"cannot find host {clip(host)}: {why}", "check the name, or give an address like 127.0.0.1"
        )
    return found


def _connect(
    addresses: list[tuple[int, tuple[object, ...]]], deadline: float, report: _Report
) -> socket.socket | None:
    """A connected socket, or None with the report saying why not: why the last address
    tried failed. An address that failed before one that answers leaves no trace."""
    failed: tuple[str, str, str] | None = None  # outcome, note, hint
    for family, address in addresses:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError as exc:  # EAFNOSUPPORT (no IPv6 here), EMFILE, ENOBUFS
            failed = ("unreachable", f"cannot open a socket for it: {exc.strerror or exc}", _no_socket(exc))
            continue
        try:
            sock.settimeout(left)
            sock.connect(address)
        except ConnectionRefusedError:
            sock.close()
            failed = ("refused", "connection refused: nothing listens there", _REFUSED)
            continue
        except (socket.timeout, TimeoutError):
            sock.close()
            break
        except OSError as exc:
            sock.close()
            failed = (
                "unreachable",
                f"cannot connect: {exc.strerror or exc}",
                "check the host and the network",
            )
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    if failed is None:  # no address answered at all
        failed = (
            "timeout",
            f"no answer to the connection within {report.timeout_ms} ms",
            "a host that is down or a firewall that drops packets; a longer --timeout?",
        )
    report.outcome, report.note, report.hint = failed
    return None


def _read(
    sock: socket.socket, data: bytes, wanted: Callable[[bytes], int], deadline: float
) -> tuple[bytes, str]:
    """Read until ``wanted(data)`` bytes are in; also says why it stopped early: "" (it did
    not), "closed" or "timeout"."""
    while len(data) < wanted(data):
        left = deadline - time.monotonic()
        if left <= 0:
            return data, "timeout"
        sock.settimeout(left)
        try:
            # Reading past what is wanted loses nothing: a peer says no more until we do.
            chunk = sock.recv(min(max(wanted(data), GREETING_SIZE) - len(data), _READ_CAP))
        except (socket.timeout, TimeoutError):
            return data, "timeout"
        except ConnectionResetError:
            return data, "closed"
        if not chunk:
            return data, "closed"
        data += chunk
    return data, ""


def _send(sock: socket.socket, data: bytes, deadline: float) -> bool:
    """Whether ``data`` went out: False when the peer has closed (or reset) meanwhile."""
    sock.settimeout(max(deadline - time.monotonic(), 0.001))
    try:
        sock.sendall(data)
    except OSError:
        return False
    return True


def _converse(sock: socket.socket, deadline: float, report: _Report) -> None:
    started = time.monotonic()
    if not _send(sock, CLIENT_SIGNATURE, deadline):
        report.note = "it accepted the connection and closed it at once"
        return
    # A ZeroMQ peer greets at once; a line-based server (HTTP, say) waits for a line. Half
    # the time for a greeting, then an empty line so those answer something to show.
    half = time.monotonic() + (deadline - time.monotonic()) / 2
    data, stop = _read(sock, b"", greeting_wanted, half)
    if not data and stop == "timeout" and _send(sock, b"\r\n\r\n", deadline):
        data, stop = _read(sock, b"", greeting_wanted, deadline)
    quiet = False
    if short_frame(data) and not stop:
        # What a ZMTP 1.0 peer sends, and the start of many other protocols' first message:
        # a 1.0 peer then waits for us, the others go on. One byte more within a few round
        # trips settles it.
        window = _quiet_until(deadline, time.monotonic() - started)
        more, stop = _read(sock, data, lambda _: len(data) + 1, window)
        quiet, data = more == data and stop == "timeout", more
    greeting = parse_greeting(data, ended=bool(stop), quiet=quiet)
    report.greeting = greeting
    report.first = data[:64]
    silence = f"{report.timeout_ms} ms"
    if greeting.kind == "nothing":
        if stop == "timeout":
            report.outcome = "timeout"
            report.note = f"it accepted the connection and said nothing in {silence}: not ZeroMQ"
            report.hint = "a ZeroMQ peer greets at once; check the port"
        else:
            report.outcome = "closed"
            report.note = "it accepted the connection and closed it without a word"
            report.hint = "a server that turns this address away, or one that is stopping"
        return
    if greeting.kind in ("not-zeromq", "malformed"):
        report.outcome = greeting.kind
        report.note = f"a broken ZMTP greeting: {greeting.problem}" if greeting.problem else ""
        return
    if greeting.kind == "partial":
        report.outcome = "timeout" if stop == "timeout" else "closed"
        why = "went quiet" if stop == "timeout" else "closed the connection"
        report.note = f"it began a ZMTP greeting, then {why} after {len(data)} bytes"
        return
    report.outcome = "zeromq"
    if greeting.kind != "zmtp3":
        return
    if greeting.mechanism == "NULL":
        _null_ready(sock, deadline, report)
    elif not greeting.as_server:
        _which_side(sock, deadline, time.monotonic() - started, report)


def _quiet_until(deadline: float, round_trip: float) -> float:
    """When a peer that says nothing more counts as waiting for us: a few round trips
    (``round_trip``: from our first bytes to its first answer, at most) from now."""
    return min(deadline, time.monotonic() + max(_SIDE_WAIT_MIN, 4 * round_trip))


def _no_socket(exc: OSError) -> str:
    """The hint for a socket this process could not open."""
    if exc.errno == errno.EAFNOSUPPORT:
        return "this host does not speak that address family (IPv6 turned off?): give an IPv4 address"
    if exc.errno in (errno.EMFILE, errno.ENFILE):
        return "this process has too many open: close some sockets, or raise the limit (ulimit -n)"
    return "check the host's resources (memory, buffers)"


def _null_ready(sock: socket.socket, deadline: float, report: _Report) -> None:
    """The rest of a NULL client greeting, then the peer's READY (or ERROR)."""
    if not _send(sock, greeting_rest("NULL", as_server=False), deadline):
        report.note = "socket type unknown: it closed the connection after its greeting"
        return
    frame, stop = _read(sock, b"", command_wanted, deadline)
    command = parse_command(frame)
    if stop and not command.name:
        why = {"closed": "it closed the connection", "timeout": "it went quiet"}[stop]
        report.note = f"socket type unknown: {why} after its greeting"
        return
    if command.name == "ERROR":
        report.note = f"it refused the handshake with ERROR {shown_text(command.reason, 64)}"
        report.hint = "a ZAP handler turned this address away"
    elif command.name != "READY":
        report.note = (
            f"socket type unknown: {command.problem or 'it sent ' + shown_text(command.name) + ', not READY'}"
        )
    else:
        report.properties = command.properties
        report.note = command.problem


def _which_side(sock: socket.socket, deadline: float, round_trip: float, report: _Report) -> None:
    """libzmq (4.3 at least) sends 0 as as-server whatever its role, but the client side of
    PLAIN and CURVE speaks first: it sends HELLO as soon as it has the rest of a greeting.
    We send one that claims the server side and wait a few round trips; a server says
    nothing (it waits for a HELLO that never comes), a client sends HELLO."""
    if not _send(sock, greeting_rest(report.greeting.mechanism or "", as_server=True), deadline):
        report.note = "side unknown: it closed the connection after its greeting"
        return
    window = _quiet_until(deadline, round_trip)
    frame, stop = _read(sock, b"", command_wanted, window)
    command = parse_command(frame)
    if command.name == "HELLO":
        report.as_server = False
    elif command.name == "ERROR":
        report.note = f"it refused the handshake with ERROR {shown_text(command.reason, 64)}"
    elif not frame and stop == "timeout":
        report.as_server = True
    else:
        report.note = "side unknown: " + (
            "it closed the connection after its greeting" if stop == "closed" else "it did not send HELLO"
        )
