"""``%zmq monitor``: a live pane of a socket's connection events."""

from __future__ import annotations

import html

from ..session import MonitorNotice, PeerDropped, Session, dropped_line, format_time
from .html import _CSS, notes_html
from .live import LivePane

__all__ = ["MonitorPane"]


class MonitorPane(LivePane):
    """``.events`` holds the newest events, ``.kinds`` their distinct names."""

    def __init__(self, session: Session, name: str, *, interval: float = 0.1) -> None:
        super().__init__(interval)
        self._session = session
        self.name = name

    @property
    def events(self) -> list[MonitorNotice]:
        try:
            return self._session.monitor_events(self.name)
        except Exception:  # noqa: BLE001 - the socket was closed
            return []

    @property
    def drops(self) -> list[PeerDropped]:
        try:
            return self._session.dropped_peers(self.name)
        except Exception:  # noqa: BLE001 - the socket was closed
            return []

    @property
    def kinds(self) -> set[str]:
        return {e.event for e in self.events}

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{format_time(e.time)}</td><td>{html.escape(e.event)}</td>"
            f"<td>{html.escape(e.endpoint)}</td>"
            f"<td class='wrap'>{html.escape(e.reason or str(e.value))}</td></tr>"
            for e in self.events[-20:][::-1]
        )
        return (
            f"<div><b>monitor {html.escape(self.name)}</b> <i>{self._state_html()}</i></div>"
            f"{notes_html([dropped_line(d) for d in self.drops])}"
            f"{_CSS}<table class='zmqrepl'>"
            "<tr><th>time</th><th>event</th><th>endpoint</th><th>value or reason</th></tr>"
            f"{rows}</table>"
        )

    def __repr__(self) -> str:
        notes = "".join("\n" + dropped_line(d) for d in self.drops)
        return f"<zmqrepl monitor {self.name}: {len(self.events)} events>{notes}"

    def _signature(self) -> object:
        return (len(self.events), len(self.drops))
