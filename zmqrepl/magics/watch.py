"""``%zmq watch``: newest messages, totals and a rate sparkline, kept live."""

from __future__ import annotations

import time
from collections import deque

from ..session import Message, PeerDropped, Session, dropped_line
from .html import watch_html
from .live import LivePane

__all__ = ["Watch"]


class Watch(LivePane):
    """Kept messages (``.messages``), exact totals (``.counts``) and ``.stop()``."""

    def __init__(self, session: Session, names: list[str], *, shown: int = 20, interval: float = 0.1) -> None:
        super().__init__(interval)
        self._session = session
        self.names = list(names)
        self._shown = shown
        self._rates: deque[float] = deque(maxlen=30)
        self._last_total = 0
        self._last_tick = time.monotonic()

    @property
    def messages(self) -> list[list[bytes]]:
        """The kept messages, oldest first (frames past 16 KiB are shortened)."""
        return [list(m.frames) for m in self._snapshot()]

    @property
    def counts(self) -> dict[str, int]:
        """Messages per watched socket: received, or for a tap passed on both ways."""
        infos = {i.name: i.received + (i.sent if i.directions else 0) for i in self._session.sockets()}
        return {n: infos.get(n, 0) for n in self.names}

    @property
    def matched(self) -> dict[str, int]:
        """Per watched socket with a filter (--where, --grep): the messages it let through."""
        return {
            i.name: i.matched
            for i in self._session.sockets()
            if i.name in self.names and i.matched is not None
        }

    def _labels(self) -> dict[str, str]:
        """A tap's totals per direction, as the sockets table shows them; with a filter,
        received and matched."""
        out = {}
        for info in self._session.sockets():
            if info.name in self.names and info.directions:
                out[info.name] = ", ".join(str(c) for c in info.row()[4:6] if c != "-")
            elif info.name in self.names and info.matched is not None:
                out[info.name] = f"{info.received} received, {info.matched} matched"
        return out

    def _snapshot(self) -> list[Message]:
        out: list[Message] = []
        for name in self.names:
            try:
                out.extend(self._session.watch_buffer(name))
            except Exception:  # noqa: BLE001 - the socket was closed: nothing more to show
                continue
        out.sort(key=lambda m: m.time)
        return out

    @property
    def drops(self) -> list[PeerDropped]:
        """Peers of the watched sockets that libzmq dropped (a message over maxmsgsize)."""
        out: list[PeerDropped] = []
        for name in self.names:
            try:
                out.extend(self._session.dropped_peers(name))
            except Exception:  # noqa: BLE001 - the socket was closed
                continue
        return out

    def _repr_html_(self) -> str:
        shown = self._snapshot()[-self._shown :][::-1]
        state = "live" if self.running else "stopped"
        return watch_html(
            self.names,
            shown,
            self.counts,
            list(self._rates),
            state,
            [dropped_line(d) for d in self.drops],
            self._labels(),
        )

    def __repr__(self) -> str:
        matched = self.matched
        counts = ", ".join(
            f"{n}={c}" + (f" ({matched[n]} matched)" if n in matched else "") for n, c in self.counts.items()
        )
        notes = "".join("\n" + dropped_line(d) for d in self.drops)
        return f"<zmqrepl watch {' '.join(self.names)}: {counts}>{notes}"

    def _tick(self) -> None:
        now = time.monotonic()
        if now - self._last_tick >= 1.0:
            total = sum(self.counts.values())
            self._rates.append((total - self._last_total) / (now - self._last_tick))
            self._last_total, self._last_tick = total, now

    def _signature(self) -> object:
        return (sum(self.counts.values()), len(self._rates), len(self.drops))
