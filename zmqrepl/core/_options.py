"""Encoding and decoding socket option values by their type (see constants)."""

from __future__ import annotations

from typing import Any, Union

from ._lib import ffi
from .constants import Option, ValueType, _quoted

__all__ = ["OptionValue", "decode_value", "encode_value", "new_out_buffer", "resolve_option"]

OptionValue = Union[int, bool, bytes, str]

_INT_LIMITS = {
    ValueType.INT: (-(2**31), 2**31 - 1, "int *", 4),
    ValueType.BOOL: (0, 1, "int *", 4),
    ValueType.INT64: (-(2**63), 2**63 - 1, "int64_t *", 8),
    ValueType.UINT64: (0, 2**64 - 1, "uint64_t *", 8),
}


def resolve_option(option: str | Option | int) -> Option:
    if isinstance(option, Option):
        return option
    if isinstance(option, str):
        return Option.from_name(option)
    if isinstance(option, int) and not isinstance(option, bool):
        try:
            return Option(option)
        except ValueError:
            raise ValueError(f"unknown socket option number {option}") from None
    raise TypeError(f"option must be a name or an Option, not {type(option).__name__}")


def encode_value(option: Option, value: Any) -> tuple[Any, int]:
    """(C buffer, size) for zmq_setsockopt, or TypeError/ValueError saying why not."""
    vt = option.value_type
    name = option.name.lower()
    if vt in _INT_LIMITS:
        low, high, ctype, size = _INT_LIMITS[vt]
        if vt is ValueType.BOOL and isinstance(value, bool):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            kind = "True/False" if vt is ValueType.BOOL else "an int"
            raise TypeError(f"option {name} takes {kind}, not {type(value).__name__} {_quoted(value)}")
        if not low <= value <= high:
            raise ValueError(f"option {name} must be between {low} and {high}, not {value}")
        return ffi.new(ctype, value), size
    if isinstance(value, str):
        data = value.encode("utf-8")
    elif isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
    else:
        raise TypeError(f"option {name} takes bytes or str, not {type(value).__name__}")
    if vt is ValueType.CURVE_KEY and len(data) not in (32, 40):
        raise ValueError(
            f"option {name} takes a CURVE key: 32 bytes or 40 Z85 characters, "
            f"not {len(data)} bytes (hint: curve_keypair() makes one)"
        )
    if vt is ValueType.CURVE_KEY and len(data) == 40:
        data += b"\0"  # libzmq wants Z85 keys NUL-terminated, 41 bytes
        return ffi.new("char[]", data), 41
    return ffi.new("char[]", data), len(data)


def new_out_buffer(option: Option) -> tuple[Any, int]:
    vt = option.value_type
    if vt in _INT_LIMITS:
        _, _, ctype, size = _INT_LIMITS[vt]
        return ffi.new(ctype), size
    if vt is ValueType.CURVE_KEY:
        return ffi.new("char[]", 41), 41  # ask for the Z85 form
    return ffi.new("char[]", 4096), 4096


def decode_value(option: Option, buf: Any, size: int) -> OptionValue:
    vt = option.value_type
    if vt is ValueType.BOOL:
        return bool(buf[0])
    if vt in _INT_LIMITS:
        return int(buf[0])
    raw: bytes = ffi.unpack(buf, size)
    if vt is ValueType.BYTES:
        return raw
    raw = raw.rstrip(b"\0")
    if vt is ValueType.CURVE_KEY:
        return raw
    return raw.decode("utf-8", "replace")
