"""Helpers for the magic tests: a recording display publisher, an in-process IPython shell
with %zmq loaded, and small HTML readers. The peers are tests.peers."""

from __future__ import annotations

import threading
import time
import warnings
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from IPython.core.displaypub import DisplayPublisher
from IPython.utils.capture import capture_output

from tests.peers import Peer
from tests.support import wait_for

__all__ = [
    "Peer",
    "Published",
    "Ran",
    "RecordingPublisher",
    "Shell",
    "complete_line",
    "html_tables",
    "table_dicts",
    "wait_for",
]


@dataclass(frozen=True)
class Published:
    at: float
    data: dict[str, Any]
    transient: dict[str, Any]
    update: bool
    thread: str


class RecordingPublisher(DisplayPublisher):
    """Records every display_data / update_display_data (from any thread) with its display id."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]  # IPython gives it no hints
        self._lock = threading.Lock()
        self._records: list[Published] = []

    def publish(
        self,
        data: Any,
        metadata: Any = None,
        source: Any = None,
        *,
        transient: Any = None,
        update: bool = False,
        **kwargs: Any,
    ) -> None:
        record = Published(
            time.monotonic(), dict(data), dict(transient or {}), update, threading.current_thread().name
        )
        with self._lock:
            self._records.append(record)

    def clear_output(self, wait: bool = False) -> None:
        pass

    @property
    def records(self) -> list[Published]:
        with self._lock:
            return list(self._records)

    def shown(self) -> list[Published]:
        """First displays (not updates)."""
        return [r for r in self.records if not r.update]

    def updates(self, display_id: str, since: float = 0.0) -> list[Published]:
        return [
            r
            for r in self.records
            if r.update and r.transient.get("display_id") == display_id and r.at >= since
        ]


@dataclass
class Ran:
    result: Any
    stdout: str
    stderr: str

    @property
    def error(self) -> BaseException | None:
        error: BaseException | None = self.result.error_before_exec or self.result.error_in_exec
        return error


@dataclass
class Shell:
    """The in-process IPython shell with a recording display publisher."""

    ip: Any
    pub: RecordingPublisher

    def run(self, code: str) -> Ran:
        with capture_output(stdout=True, stderr=True, display=False) as cap:
            result = self.ip.run_cell(code, store_history=True)
        return Ran(result, cap.stdout, cap.stderr)

    def ok(self, code: str) -> Ran:
        ran = self.run(code)
        assert ran.error is None, f"{code!r} failed: {ran.error!r}\n{ran.stderr}"
        return ran

    def __getitem__(self, name: str) -> Any:
        return self.ip.user_ns[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self.ip.user_ns[name] = value

    @property
    def magics(self) -> Any:
        return self.ip.magics_manager.registry["ZmqMagics"]


def complete_line(ip: Any, line: str) -> list[str]:
    """Terminal-style completion of ``line`` with the cursor at its end."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        _, matches = ip.Completer.complete(line_buffer=line, cursor_pos=len(line))
    return list(matches)


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(text: str) -> list[list[list[str]]]:
    """Every table in ``text`` as rows of cell texts (the first row is the header)."""
    parser = _Tables()
    parser.feed(text)
    return parser.tables


def table_dicts(text: str, index: int = 0) -> list[dict[str, str]]:
    rows = html_tables(text)[index]
    return [dict(zip(rows[0], row)) for row in rows[1:]]
