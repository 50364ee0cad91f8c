"""LivePane: a notebook output that a background thread keeps up to date.

Each time a pane is displayed it gets a display id; a thread re-renders it at
most every ``interval`` seconds (never more than ten times a second) when its
content changed. Updates are sent from the thread, so they keep coming while
the kernel is idle and while another cell runs, even one blocked in sleep.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["LivePane"]


def _execution_count() -> int:
    try:
        from IPython import get_ipython

        ip = get_ipython()
        return int(ip.execution_count) if ip is not None else -1
    except Exception:  # noqa: BLE001 - outside IPython
        return -1


class LivePane:
    def __init__(self, interval: float = 0.1) -> None:
        self._interval = max(0.1, interval)
        self._stop = threading.Event()
        self._handles: list[Any] = []
        self._shown_in: int | None = None
        self.updates = 0
        self._thread = threading.Thread(target=self._run, name=f"zmqrepl-{type(self).__name__}", daemon=True)

    # -- for subclasses ---------------------------------------------------------

    def _repr_html_(self) -> str:
        raise NotImplementedError

    def _signature(self) -> object:
        """Changes whenever the pane should be redrawn."""
        raise NotImplementedError

    def _tick(self) -> None:
        """Called every interval, before the signature is compared."""

    # -- life cycle -------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stop.is_set()

    def start(self) -> LivePane:
        self._ipython_display_()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=2)
        self._refresh()

    def _bundle(self) -> dict[str, str]:
        return {"text/html": self._repr_html_(), "text/plain": repr(self)}

    def _ipython_display_(self) -> None:
        count = _execution_count()
        if self._shown_in == count:
            return  # already showing in this cell (the magic displayed it, then returned it)
        self._shown_in = count
        from IPython.display import display

        handle = display(self._bundle(), raw=True, display_id=True)
        if handle is not None:
            self._handles.append(handle)

    def _run(self) -> None:
        seen: object = None
        while not self._stop.wait(self._interval):
            self._tick()
            signature = self._signature()
            if signature != seen:
                seen = signature
                self._refresh()

    def _refresh(self) -> None:
        if not self._handles:
            return
        bundle = self._bundle()
        for handle in list(self._handles):
            try:
                handle.update(bundle, raw=True)
            except Exception:  # noqa: BLE001 - the kernel is going away
                self._stop.set()
                return
        self.updates += 1
