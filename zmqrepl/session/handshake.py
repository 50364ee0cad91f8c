"""Handshake failures in plain words: a monitor event and its value as a sentence.

libzmq 4.3 reports a failed handshake with one of three monitor events, each with a number:

- HANDSHAKE_FAILED_PROTOCOL: a ZMQ_PROTOCOL_ERROR_* code (zmq.h): what was wrong with what
  the peer, or the ZAP handler, sent;
- HANDSHAKE_FAILED_AUTH: the ZAP status code (RFC 27: 300, 400, 500), on the server that
  asked the handler and on the client it refused;
- HANDSHAKE_FAILED_NO_DETAIL: an errno, when the connection broke during the handshake
  (a CURVE client with a wrong server key sees only this: the server hangs up on it).

    >>> explain("handshake_failed_protocol", 0x11000002, "NULL")
    'security mechanism mismatch: this socket uses NULL, the peer another (PLAIN or CURVE)'

Only the event's own number is known here; what this socket uses (``mechanism``) comes
from the caller, who can read it from the socket.
"""

from __future__ import annotations

import errno
import os

__all__ = ["ENDED_IN_HANDSHAKE", "HANDSHAKE_FAILURES", "MECHANISMS", "explain", "is_handshake_failure"]

HANDSHAKE_FAILURES = ("handshake_failed_protocol", "handshake_failed_auth", "handshake_failed_no_detail")
MECHANISMS = {0: "NULL", 1: "PLAIN", 2: "CURVE"}  # ZMQ_MECHANISM's values (ZMQ_NULL, ...)

# libzmq 4.3.4 reports some failures with no handshake event at all, only DISCONNECTED
# (measured: a push connecting to a push; libzmq checks the socket types in the READY and
# drops the connection without a word). The peer book (peerbook.py) says this of them.
ENDED_IN_HANDSHAKE = (
    "the connection ended during the handshake and libzmq gave no reason (socket types "
    "that cannot talk, like push and push, or the peer left at once)"
)
_MALFORMED = "the peer sent a malformed {} command"
# ZMQ_PROTOCOL_ERROR_* of libzmq 4.3's zmq.h: the code, and what it means to a user.
_PROTOCOL = {
    0x10000000: "the peer broke the ZMTP protocol (no detail given)",
    0x10000001: "the peer sent a command the handshake did not expect at that point",
    0x10000002: "the peer's CURVE messages are out of sequence (a replayed or reordered message)",
    0x10000003: "the CURVE key exchange failed",
    0x10000011: "the peer sent a malformed handshake command",
    0x10000012: _MALFORMED.format("MESSAGE (an encrypted frame)"),
    0x10000013: _MALFORMED.format("HELLO"),
    0x10000014: _MALFORMED.format("INITIATE"),
    0x10000015: _MALFORMED.format("ERROR"),
    0x10000016: _MALFORMED.format("READY"),
    0x10000017: _MALFORMED.format("WELCOME"),
    0x10000018: "the peer's metadata (the properties of its READY or INITIATE) is invalid",
    0x11000001: "CURVE could not open the peer's handshake: wrong CURVE server key, or the "
    "client's key pair is broken",
    0x20000000: "the ZAP handler failed (no detail given)",
    0x20000001: "the ZAP handler sent a malformed reply",
    0x20000002: "the ZAP handler replied to another request (wrong request id)",
    0x20000003: "the ZAP handler replied with a ZAP version other than 1.0",
    0x20000004: "the ZAP handler replied with a status code other than 200, 300, 400 or 500",
    0x20000005: "the ZAP handler sent invalid metadata",
    0x30000000: "the WebSocket handshake failed",
}
_MISMATCH = 0x11000002
_ZAP_STATUS = {
    300: "temporary failure, the client may try again",
    400: "authentication failed",
    500: "the handler's internal error",
}
_HUNG_UP = (errno.EPIPE, errno.ECONNRESET, errno.ECONNABORTED)
# Why a peer hangs up during a handshake, by this socket's mechanism. Both sides check the
# mechanisms and the socket types; whichever finds a mismatch first drops the connection,
# and the other sees only that (measured: either side, from one attempt to the next).
_HUNG_UP_HINT = {
    "CURVE": " (with CURVE: a wrong server key, the server refused this client, or the peer "
    "uses another mechanism)",
    "PLAIN": " (it may use another mechanism than PLAIN, or not accept this socket type)",
    "NULL": " (it may use CURVE or PLAIN, or not accept this socket type, like push and push)",
    "": " (another security mechanism, a socket type it does not accept, or a refusal)",
}


def is_handshake_failure(event: str) -> bool:
    return event in HANDSHAKE_FAILURES


def explain(event: str, value: int, mechanism: str = "", zap_reason: str = "") -> str:
    """The sentence for a handshake failure event (``event`` as the session names it,
    "handshake_failed_protocol"); "" for any other event. ``mechanism``: this socket's
    (NULL, PLAIN, CURVE) if known; ``zap_reason``: why the session's own ZAP handler said
    no, if it was the one asked."""
    if event == "handshake_failed_protocol":
        if value == _MISMATCH:
            if mechanism:
                others = " or ".join(m for m in ("NULL", "PLAIN", "CURVE") if m != mechanism)
                return (
                    f"security mechanism mismatch: this socket uses {mechanism}, the peer another ({others})"
                )
            return "security mechanism mismatch: the peer uses another of NULL, PLAIN, CURVE"
        known = _PROTOCOL.get(value)
        if known is None:
            return f"the handshake broke the protocol (libzmq code 0x{value:08x})"
        return known
    if event == "handshake_failed_auth":
        meaning = _ZAP_STATUS.get(value, "an unknown status")
        text = f"ZAP handler denied the client: {value} ({meaning})"
        return f"{text}: {zap_reason}" if zap_reason else text
    if event == "handshake_failed_no_detail":
        if value in _HUNG_UP:
            return "the peer hung up during the handshake" + _HUNG_UP_HINT.get(mechanism, _HUNG_UP_HINT[""])
        if value == errno.EAGAIN or value == 0:
            return "the handshake did not finish in time (handshake_ivl) or broke off"
        return f"the handshake broke off: {os.strerror(value)}"
    return ""
