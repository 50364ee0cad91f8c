"""ZAP authentication (ZeroMQ RFC 27): who may connect to your servers.

A ``ZapPolicy`` decides (pure logic, no sockets); an ``Authenticator`` runs it
on the context's ZAP endpoint in a thread of its own, for library users. The
core runs no thread of its own for its work: this one exists only while a library
user has started an Authenticator (importing the module or making one starts
nothing). The shell and the magics run the same policy inside their session
engine instead (zmqrepl/session/zap.py).

    >>> ctx = Context()
    >>> auth = Authenticator(ctx).start()
    >>> auth.policy.allow_curve(client_public_key)     # or allow_any_curve()
    >>> auth.policy.plain_users["admin"] = "secret"
    >>> auth.policy.deny("10.0.0.7")
    >>> auth.policy.metadata["admin"] = {"X-Role": "ops"}  # read with recv_multipart(properties=...)
    ... # server sockets of ctx with curve_server / plain_server now ask the policy
    >>> auth.stop()
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .constants import Option
from .context import Context
from .curve import z85_decode, z85_encode
from .errors import ZMQError
from .poll import PollItem, poll
from .properties import is_property_name
from .socket import Socket

__all__ = ["ZAP_ENDPOINT", "Authenticator", "ZapDecision", "ZapPolicy", "close_zap_handler"]

ZAP_ENDPOINT = "inproc://zeromq.zap.01"


def close_zap_handler(sock: Socket) -> None:
    """Close a ZAP handler so that the next handshake finds no handler at once.

    zmq_close() leaves an inproc endpoint registered until libzmq's reaper thread gets
    to the socket: a handshake in that window sends its ZAP request to a socket that
    never answers (the client then hangs until handshake_ivl, 30 s by default), and a
    new handler cannot bind yet. zmq_unbind() of an inproc endpoint unregisters it
    before it returns.
    """
    try:
        sock.unbind(ZAP_ENDPOINT)
    except ZMQError:
        pass  # the context is terminating or the bind never happened: close does the rest
    sock.close()


@dataclass(frozen=True)
class ZapDecision:
    address: str
    mechanism: str
    allowed: bool
    reason: str
    user: str = ""


def _key_bytes(key: bytes | str) -> bytes:
    raw = key.encode("ascii") if isinstance(key, str) else bytes(key)
    if len(raw) == 40:
        return z85_decode(raw)
    if len(raw) == 32:
        return raw
    raise ValueError("a CURVE public key is 40 Z85 characters or 32 bytes (hint: curve keypair)")


def _zap_metadata(properties: dict[str, str]) -> bytes | None:
    """Properties as ZMTP metadata (for each: name length in one byte, name, value
    length in four, value), or None if a name is not a property name."""
    out = bytearray()
    for name, value in properties.items():
        if not isinstance(name, str) or not isinstance(value, str) or not is_property_name(name):
            return None
        raw = value.encode("utf-8", "surrogateescape")
        out += bytes([len(name)]) + name.encode("ascii") + len(raw).to_bytes(4, "big") + raw
    return bytes(out)


@dataclass
class ZapPolicy:
    """Allow/deny by peer address, CURVE public keys, PLAIN users. Thread-safe enough:
    every field is replaced or mutated atomically under the GIL."""

    allowed_addresses: set[str] = field(default_factory=set)  # empty: any address
    denied_addresses: set[str] = field(default_factory=set)
    curve_keys: set[bytes] = field(default_factory=set)  # raw 32-byte keys
    curve_any: bool = False
    plain_users: dict[str, str] = field(default_factory=dict, repr=False)  # passwords: not shown
    log: list[ZapDecision] = field(default_factory=list)
    log_limit: int = 1000
    # user -> properties the reply attaches to its connections, which the server reads
    # with recv_multipart(properties=(name, ...)). The user is the one a decision names:
    # the PLAIN user name, the CURVE key in Z85, "" for NULL.
    metadata: dict[str, dict[str, str]] = field(default_factory=dict)

    def allow(self, address: str) -> None:
        self.allowed_addresses.add(address)
        self.denied_addresses.discard(address)

    def deny(self, address: str) -> None:
        self.denied_addresses.add(address)
        self.allowed_addresses.discard(address)

    def allow_curve(self, key: bytes | str) -> None:
        self.curve_keys.add(_key_bytes(key))

    def allow_any_curve(self, on: bool = True) -> None:
        self.curve_any = on

    def _check(self, address: str, mechanism: str, credentials: list[bytes]) -> tuple[bool, str, str]:
        if self.allowed_addresses and address not in self.allowed_addresses:
            return False, f"address {address} is not on the allow list", ""
        if address in self.denied_addresses:
            return False, f"address {address} is denied", ""
        if mechanism == "NULL":
            return True, "NULL mechanism, address accepted", ""
        if mechanism == "PLAIN":
            if len(credentials) != 2:
                return False, "malformed PLAIN credentials", ""
            user = credentials[0].decode("utf-8", "replace")
            password = credentials[1].decode("utf-8", "replace")
            if self.plain_users.get(user) == password and user in self.plain_users:
                return True, "PLAIN user accepted", user
            return False, f"PLAIN user {user!r} unknown or wrong password", ""
        if mechanism == "CURVE":
            if len(credentials) != 1 or len(credentials[0]) != 32:
                return False, "malformed CURVE credentials", ""
            key = credentials[0]
            text = z85_encode(key).decode("ascii")
            if self.curve_any or key in self.curve_keys:
                return True, "CURVE key accepted", text
            return False, f"CURVE key {text} is not on the allow list", ""
        return False, f"mechanism {mechanism} is not supported", ""

    def handle(self, request: list[bytes]) -> list[bytes]:
        """The ZAP reply (frames) for a ZAP request (frames)."""
        if len(request) < 6 or request[0] != b"1.0":
            request_id = request[1] if len(request) > 1 else b""
            return [b"1.0", request_id, b"500", b"malformed ZAP request", b"", b""]
        request_id = request[1]
        address = request[3].decode("utf-8", "replace")
        mechanism = request[5].decode("ascii", "replace")
        allowed, reason, user = self._check(address, mechanism, request[6:])
        self.log.append(ZapDecision(address, mechanism, allowed, reason, user))
        del self.log[: -self.log_limit]
        if allowed:
            extra = _zap_metadata(self.metadata.get(user, {}))
            if extra is None:
                return [b"1.0", request_id, b"500", b"bad metadata for this user", b"", b""]
            return [b"1.0", request_id, b"200", b"OK", user.encode("utf-8"), extra]
        return [b"1.0", request_id, b"400", reason.encode("utf-8"), b"", b""]


class Authenticator:
    """Serves a ZapPolicy on ``ctx``'s ZAP endpoint from a background thread."""

    def __init__(self, context: Context, policy: ZapPolicy | None = None) -> None:
        self.context = context
        self.policy = policy or ZapPolicy()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: ZMQError | None = None
        self._thread = threading.Thread(target=self._run, name="zmqrepl-zap", daemon=True)

    def start(self) -> Authenticator:
        self._thread.start()
        self._ready.wait(5)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def __enter__(self) -> Authenticator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        sock = Socket("rep", self.context)
        try:
            sock.set(Option.LINGER, 0)
            sock.bind(ZAP_ENDPOINT)
        except ZMQError as exc:
            self._error = ZMQError(
                exc.errno,
                exc.strerror,
                f"cannot start the ZAP handler: {exc.message} (hint: one Authenticator per context)",
            )
            sock.close()
            self._ready.set()
            return
        self._ready.set()
        items = [PollItem(sock, in_=True)]
        try:
            while not self._stop.is_set():
                if poll(items, 100) and items[0].readable:
                    request = sock.recv_multipart(nonblocking=True)
                    if request is not None:
                        sock.send_multipart(self.policy.handle(request))
        except ZMQError:
            pass  # the context was terminated: nothing left to authenticate
        finally:
            close_zap_handler(sock)
