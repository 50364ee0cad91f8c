"""Message properties: what libzmq knows of the connection a message came over.

``recv_multipart(properties=True)`` returns ``(frames, props)`` and
``recv_many(n, properties=True)`` fills ``batch.properties``, one
``MessageProperties`` per message: a read-only mapping of property names to
values, read with zmq_msg_gets from the message's last frame (every frame of a
message comes over the same connection; the last is always the peer's own).

    >>> frames, props = router.recv_multipart(properties=True)
    >>> dict(props)
    {'Socket-Type': 'DEALER', 'Routing-Id': 'w1', 'Identity': 'w1', 'Peer-Address': '127.0.0.1'}

What libzmq 4.3 gives over tcp and ipc (inproc messages have no properties):

- ``Socket-Type``: the peer's socket type, "DEALER".
- ``Identity``: the routing id the peer announced in its handshake; only REQ,
  DEALER and ROUTER peers announce one, "" when none was set. libzmq 4.3 reports
  it under this ZMTP name only; it is given as ``Routing-Id`` too, its newer name.
- ``Peer-Address``: tcp: the peer's IP address ("127.0.0.1", no port); ipc on
  Linux: "localhost:UID:GID:PID" of the process on the other end.
- ``User-Id``: only on a socket with a ZAP handler: the user id its reply gave
  ("" when it gave none).
- Any name asked for, ``properties=("X-Tenant",)``: metadata a ZAP handler's
  reply attached to the connection (see ``ZapPolicy.metadata``), or that the peer
  set on its socket with ZMQ_METADATA ("X-" names; a draft option in libzmq 4.3).

A property the message does not have is absent from the mapping (``props.get``
gives None), never an empty string. Values are decoded as UTF-8 with
surrogateescape (``value.encode("utf-8", "surrogateescape")`` gives the bytes
back), end at the first NUL byte (zmq_msg_gets returns a C string), and are
cut to 1024 bytes (a ZAP handler may attach longer ones).
"""

from __future__ import annotations

import re
from typing import Any, Collection, Iterator, Mapping, Union

from ._lib import ffi, lib

__all__ = [
    "MAX_PROPERTY_NAMES",
    "STANDARD_PROPERTIES",
    "MessageProperties",
    "PropertiesArg",
    "is_property_name",
]

STANDARD_PROPERTIES = ("Socket-Type", "Routing-Id", "Identity", "Peer-Address", "User-Id")
MAX_PROPERTY_NAMES = 16  # names of one's own per receive, besides the standard ones
MAX_VALUE = lib.ZR_PROP_MAX
# ZMTP property names (RFC 23): 1 to 255 of these characters.
_NAME = re.compile(r"[A-Za-z0-9.+_-]{1,255}\Z")
PropertiesArg = Union[bool, Collection[str]]
# How the arguments given most lately become C strings (bounded: cleared when full).
_names_cache: dict[tuple[str, ...], tuple[tuple[str, ...], Any, list[Any]]] = {}
_NAMES_CACHE_MAX = 64


def is_property_name(name: str) -> bool:
    return _NAME.match(name) is not None


def _c_names(names: tuple[str, ...]) -> tuple[tuple[str, ...], Any, list[Any]]:
    """(names, a const char *[] of them, what keeps its strings alive)."""
    strings = [ffi.new("char[]", name.encode("ascii")) for name in names]
    return names, ffi.new("const char *[]", strings), strings


_STANDARD = _c_names(STANDARD_PROPERTIES)


def property_names(properties: object) -> tuple[tuple[str, ...], Any, list[Any]]:
    """The names a ``properties`` argument asks for (True: the standard ones; a
    collection of names: those too), as for _c_names. Raises TypeError or ValueError."""
    if properties is True:
        return _STANDARD
    if isinstance(properties, (str, bytes)) or not isinstance(properties, (tuple, list, set, frozenset)):
        raise TypeError(
            f"properties must be True or a tuple of property names, not {type(properties).__name__}"
            " (hint: properties=('X-Tenant',))"
        )
    key = tuple(properties)
    cached = _names_cache.get(key)
    if cached is not None:
        return cached
    extra: list[str] = []
    for name in key:
        if not isinstance(name, str):
            raise TypeError(f"a property name must be a str, not {type(name).__name__}")
        if not is_property_name(name):
            raise ValueError(f"{name!r} is not a property name (1-255 letters, digits or .+_-)")
        if name not in STANDARD_PROPERTIES and name not in extra:
            extra.append(name)
    if len(extra) > MAX_PROPERTY_NAMES:
        raise ValueError(f"at most {MAX_PROPERTY_NAMES} property names besides the standard ones")
    resolved = _c_names(STANDARD_PROPERTIES + tuple(extra))
    if len(_names_cache) >= _NAMES_CACHE_MAX:
        _names_cache.clear()
    _names_cache[key] = resolved
    return resolved


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


class MessageProperties(Mapping[str, str]):
    """The properties of one received message: name -> value, read-only."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        self._items: dict[str, str] = dict(items or {})

    @classmethod
    def _found(cls, names: tuple[str, ...], values: list[bytes | None]) -> MessageProperties:
        """From what zmq_msg_gets gave for each name (None: absent)."""
        found = {name: _text(value) for name, value in zip(names, values) if value is not None}
        if "Routing-Id" not in found and "Identity" in found:
            found["Routing-Id"] = found["Identity"]  # libzmq 4.3 reports only the old name
        props = cls()
        props._items = {name: found[name] for name in names if name in found}
        return props

    def __getitem__(self, name: str) -> str:
        return self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"MessageProperties({self._items!r})"

    @property
    def socket_type(self) -> str | None:
        return self._items.get("Socket-Type")

    @property
    def routing_id(self) -> str | None:
        return self._items.get("Routing-Id")

    @property
    def peer_address(self) -> str | None:
        return self._items.get("Peer-Address")

    @property
    def user_id(self) -> str | None:
        return self._items.get("User-Id")


def part_properties(st: Any, names: tuple[str, ...], c_names: Any) -> MessageProperties | int:
    """The properties of the multipart message ``st`` holds (zr_part_props), copied
    out; or the error code to raise."""
    n = len(names)
    values = ffi.new("const char *[]", n)
    rc = lib.zr_part_props(st, c_names, n, values)
    if rc:
        return int(rc)
    null = ffi.NULL
    return MessageProperties._found(names, [None if v == null else ffi.string(v, MAX_VALUE) for v in values])


def batch_properties(st: Any, names: tuple[str, ...], messages: int) -> list[MessageProperties]:
    """The properties zr_recv_batch_props noted for each of ``messages`` messages;
    a run of messages with the same values shares one mapping."""
    k = len(names)
    lens = memoryview(ffi.buffer(st.prop_lens, messages * k * ffi.sizeof("int"))[:]).cast("i")
    data = ffi.buffer(st.props, st.props_used)[:]
    same, absent = lib.ZR_PROP_SAME, lib.ZR_PROP_ABSENT
    out: list[MessageProperties] = []
    pos = 0
    current = MessageProperties()
    for m in range(messages):
        row = m * k
        if lens[row] != same:
            values: list[bytes | None] = []
            for j in range(row, row + k):
                size = lens[j]
                if size == absent:
                    values.append(None)
                else:
                    values.append(data[pos : pos + size])
                    pos += size
            current = MessageProperties._found(names, values)
        out.append(current)
    return out
