"""CURVE keys and Z85 text.

>>> public, secret = curve_keypair()       # two 40-character Z85 bytes
>>> curve_public(secret) == public
True
>>> z85_decode(z85_encode(b"\\x86\\x4f\\xd2\\x6f")) == b"\\x86\\x4f\\xd2\\x6f"
True
"""

from __future__ import annotations

from ._lib import ffi, lib
from .constants import Errno
from .errors import ZMQError

__all__ = ["curve_keypair", "curve_public", "z85_decode", "z85_encode"]

_Z85_CHARS = frozenset(
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
)


def _as_bytes(value: bytes | bytearray | memoryview | str, what: str) -> bytes:
    if isinstance(value, str):
        return value.encode("ascii", "strict")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{what} must be bytes or str, not {type(value).__name__}")


def curve_keypair() -> tuple[bytes, bytes]:
    """A new (public, secret) CURVE key pair, each 40 Z85 characters."""
    public = ffi.new("char[]", 41)
    secret = ffi.new("char[]", 41)
    if lib.zmq_curve_keypair(public, secret) < 0:
        raise ZMQError(
            Errno.ENOTSUP,
            None,
            "this libzmq was built without CURVE "
            "(hint: install a libzmq with libsodium, e.g. Debian's libzmq5)",
        )
    return bytes(ffi.string(public)), bytes(ffi.string(secret))


def curve_public(secret: bytes | str) -> bytes:
    """The Z85 public key that belongs to a Z85 secret key."""
    raw = _as_bytes(secret, "secret key")
    if len(raw) != 40 or not set(raw) <= _Z85_CHARS:
        raise ValueError("secret key must be 40 Z85 characters (hint: curve_keypair())")
    public = ffi.new("char[]", 41)
    if lib.zmq_curve_public(public, raw) < 0:
        raise ZMQError(Errno.ENOTSUP, None, "this libzmq was built without CURVE")
    return bytes(ffi.string(public))


def z85_encode(data: bytes | bytearray | memoryview) -> bytes:
    """Z85 text for binary data whose length is a multiple of 4."""
    raw = _as_bytes(data, "data")
    if len(raw) % 4:
        raise ValueError(f"Z85 encodes whole 4-byte groups; {len(raw)} bytes is not a multiple of 4")
    out = ffi.new("char[]", len(raw) * 5 // 4 + 1)
    if lib.zmq_z85_encode(out, raw, len(raw)) == ffi.NULL:
        raise ValueError("Z85 encoding failed")
    return bytes(ffi.string(out))


def z85_decode(text: bytes | str) -> bytes:
    """Binary data from Z85 text whose length is a multiple of 5."""
    raw = _as_bytes(text, "text")
    if len(raw) % 5:
        raise ValueError(f"Z85 text comes in 5-character groups; {len(raw)} is not a multiple of 5")
    if not set(raw) <= _Z85_CHARS:
        raise ValueError("not Z85 text: it holds characters outside the Z85 alphabet")
    size = len(raw) * 4 // 5
    if size == 0:
        return b""  # libzmq rejects empty text, though z85_encode(b"") gives it
    out = ffi.new("uint8_t[]", max(size, 1))
    if lib.zmq_z85_decode(out, raw) == ffi.NULL:
        raise ValueError("not valid Z85 text")
    return bytes(ffi.unpack(ffi.cast("char *", out), size))
