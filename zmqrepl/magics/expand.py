"""``{name}`` in %zmq lines: Python values from the user namespace, as frame literals.

Only a plain or dotted name in braces is expanded, so JSON such as
``json:{"a":1}`` passes untouched, and nothing inside single quotes is (a Z85
key such as ``'...{x}...'`` stays a key).

    >>> expand("send s {payload}", {"payload": b"\\x00\\x01"})
    'send s 0x0001'
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

from ..session import CommandError

__all__ = ["expand", "literal"]

_NAME = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}")


def literal(value: Any) -> str:
    """A frame literal that the session parses back to the same bytes."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        return "0x" + data.hex() if data else '""'
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        escaped = escaped.replace("\t", "\\t").replace("\r", "\\r").replace("\0", "\\0")
        return f'"{escaped}"'
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dict, list, tuple)):
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        return "json:'" + text.replace("'", "\\u0027") + "'"
    raise CommandError(
        f"cannot send a {type(value).__name__} as a frame",
        "use bytes, str, a number, or a dict/list (sent as JSON)",
    )


def _lookup(path: str, namespace: Mapping[str, Any]) -> Any:
    head, *rest = path.split(".")
    if head not in namespace:
        raise CommandError(
            f"{{{path}}}: no variable {head!r} in the notebook",
            "define it first, or write {{ to send a literal brace",
        )
    value = namespace[head]
    for attr in rest:
        try:
            value = getattr(value, attr)
        except AttributeError:
            raise CommandError(f"{{{path}}}: {head} has no attribute {attr!r}", "check the name") from None
    return value


def expand(line: str, namespace: Mapping[str, Any]) -> str:
    """Expand {name} outside single quotes ('...' is left as typed, as in a shell)."""
    parts = re.split(r"('[^']*')", line)
    for i in range(0, len(parts), 2):  # the even parts are outside quotes
        part = parts[i].replace("{{", "\0LB\0").replace("}}", "\0RB\0")
        part = _NAME.sub(lambda m: literal(_lookup(m.group(1), namespace)), part)
        parts[i] = part.replace("\0LB\0", "{").replace("\0RB\0", "}")
    return "".join(parts)
