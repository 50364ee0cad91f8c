"""A live watch pane: an output area that keeps updating under its cell.

Updates come from a background thread (``handle.update``), so they keep coming
while the kernel is idle and while another cell runs, even one blocked in
``time.sleep``; they are throttled to ``interval`` seconds.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any, Callable

from ..session import Message, Session
from .html import watch_html

__all__ = ["Watch"]


class Watch:
    """Kept messages (``.messages``), totals (``.counts``) and ``.stop()``."""

    def __init__(self, session: Session, names: list[str], *, shown: int = 20,
                 interval: float = 0.1, display: Callable[[Any], Any] | None = None) -> None:
        self._session = session
        self.names = list(names)
        self._shown = shown
        self._interval = max(0.1, interval)  # never more than ten updates a second
        self._stop = threading.Event()
        self._rates: deque[float] = deque(maxlen=30)
        self._last_total = 0
        self._last_tick = time.monotonic()
        self._display = display
        self._handle: Any = None
        self.updates = 0
        self._thread = threading.Thread(target=self._run, name="zmqrepl-watch", daemon=True)

    # -- data -------------------------------------------------------------------

    @property
    def messages(self) -> list[list[bytes]]:
        """The kept messages, oldest first (frames past 16 KiB are shortened)."""
        return [list(m.frames) for m in self._snapshot()]

    @property
    def counts(self) -> dict[str, int]:
        infos = {i.name: i.received for i in self._session.sockets()}
        return {n: infos.get(n, 0) for n in self.names}

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stop.is_set()

    def _snapshot(self) -> list[Message]:
        out: list[Message] = []
        for name in self.names:
            try:
                out.extend(self._session.watch_buffer(name))
            except Exception:  # noqa: BLE001 - the socket was closed: nothing more to show
                continue
        out.sort(key=lambda m: m.time)
        return out

    # -- display ----------------------------------------------------------------

    def _repr_html_(self) -> str:
        state = "live" if self.running else "stopped"
        shown = self._snapshot()[-self._shown:][::-1]
        return watch_html(self.names, shown, self.counts, list(self._rates), state)

    def __repr__(self) -> str:
        counts = ", ".join(f"{n}={c}" for n, c in self.counts.items())
        return f"<zmqrepl watch {' '.join(self.names)}: {counts}>"

    def start(self) -> Watch:
        if self._display is not None:
            self._handle = self._display(self)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop updating (the session keeps the socket; %zmq unwatch stops reading it)."""
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=2)
        self._refresh()

    def _run(self) -> None:
        seen = -1
        while not self._stop.wait(self._interval):
            total = sum(self.counts.values())
            now = time.monotonic()
            if now - self._last_tick >= 1.0:
                self._rates.append((total - self._last_total) / (now - self._last_tick))
                self._last_total, self._last_tick = total, now
            if total != seen:
                seen = total
                self._refresh()

    def _refresh(self) -> None:
        if self._handle is not None:
            try:
                self._handle.update(self)
                self.updates += 1
            except Exception:  # noqa: BLE001 - the kernel is going away
                self._stop.set()
