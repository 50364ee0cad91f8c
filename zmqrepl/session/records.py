"""The record/replay file format: JSON Lines, one message per line.

    {"t": 1764277200.123, "socket": "s", "frames": [{"text": "hello"}, {"b64": "AAE="}]}

A frame that is valid UTF-8 is written as text, anything else as base64.
"""

from __future__ import annotations

import base64
import json
from typing import IO

from .errors import CommandError

__all__ = ["read_records", "record_line"]


def _frame(data: bytes) -> dict[str, str]:
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"b64": base64.b64encode(data).decode("ascii")}


def record_line(t: float, socket: str, frames: list[bytes]) -> str:
    return json.dumps({"t": round(t, 6), "socket": socket, "frames": [_frame(f) for f in frames]},
                      ensure_ascii=False) + "\n"


def _decode_frame(obj: object, where: str) -> bytes:
    if isinstance(obj, dict):
        if isinstance(obj.get("text"), str):
            return str(obj["text"]).encode("utf-8")
        if isinstance(obj.get("b64"), str):
            try:
                return base64.b64decode(str(obj["b64"]), validate=True)
            except ValueError:
                pass
    raise CommandError(f"{where}: a frame must be {{\"text\": ...}} or {{\"b64\": ...}}",
                       "replay reads files written by record")


def read_records(fh: IO[str], path: str) -> list[tuple[float, list[bytes]]]:
    """(time, frames) of every message in a record file, in order."""
    out: list[tuple[float, list[bytes]]] = []
    for number, line in enumerate(fh, 1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{where} is not JSON ({exc.msg})",
                               "replay reads files written by record") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("frames"), list) or not obj["frames"]:
            raise CommandError(f"{where} has no frames", "replay reads files written by record")
        t = obj.get("t", 0.0)
        if not isinstance(t, (int, float)):
            raise CommandError(f"{where}: t must be a number", "replay reads files written by record")
        out.append((float(t), [_decode_frame(f, where) for f in obj["frames"]]))
    return out
