"""``%zmq watch``: newest messages, totals and a chart of each socket's rates, kept live."""

from __future__ import annotations

from typing import NamedTuple

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

    def _charts(self) -> tuple[tuple[str, tuple[float, ...], tuple[float, ...]], ...]:
        """Per watched socket: messages/s and bytes/s, a sample a second (the session's, so
        messages queued before the watch are no spike); a tap's both ways."""
        taps = {i.name for i in self._session.sockets() if i.directions}
        out = []
        for name in self.names:
            try:
                samples = self._session.rate_history(name)
            except Exception:  # noqa: BLE001 - the socket was closed: nothing more to draw
                continue
            both = name in taps
            msgs = tuple(r.msgs_in + (r.msgs_out if both else 0.0) for r in samples)
            nbytes = tuple(r.bytes_in + (r.bytes_out if both else 0.0) for r in samples)
            out.append((name, msgs, nbytes))
        return tuple(out)

    def _snapshot(self) -> list[Message]:
        out: list[Message] = []
        for name in self.names:
            try:
                out.extend(self._session.watch_buffer(name))
            except Exception:  # noqa: BLE001 - the socket was closed: nothing more to show
                continue
        # The session numbers messages in the order they were read, across sockets.
        out.sort(key=lambda m: m.number)
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

    def _view(self) -> _View:
        """Everything the pane shows, read once: the HTML and the text are made of it."""
        return _View(
            tuple(self._snapshot()[-self._shown :][::-1]),
            tuple(self.counts.items()),
            tuple(self.matched.items()),
            self._charts(),
            self._state_html(),
            tuple(dropped_line(d) for d in self.drops),
            tuple(self._labels().items()),
        )

    def _repr_html_(self) -> str:
        view = self._view()
        # Messages/s of all of them, second by second: aligned at the newest (a socket made
        # later has fewer samples).
        totals = [sum(second) for second in zip(*(msgs[::-1] for _, msgs, _ in view.charts))][::-1]
        return watch_html(
            self.names,
            list(view.shown),
            dict(view.counts),
            totals,
            view.state,
            list(view.drops),
            dict(view.labels),
            charts={name: (msgs, nbytes) for name, msgs, nbytes in view.charts},
        )

    def __repr__(self) -> str:
        view = self._view()
        matched = dict(view.matched)
        counts = ", ".join(
            f"{n}={c}" + (f" ({matched[n]} matched)" if n in matched else "") for n, c in view.counts
        )
        notes = "".join("\n" + line for line in view.drops)
        return f"<zmqrepl watch {' '.join(self.names)}: {counts}>{notes}"

    def _signature(self) -> object:
        # What the pane shows, compared whole: new rows after a quiet spell (same counts),
        # a new rate sample (once a second, while the socket exists), a stop.
        return self._view()


class _View(NamedTuple):
    shown: tuple[Message, ...]  # newest first
    counts: tuple[tuple[str, int], ...]
    matched: tuple[tuple[str, int], ...]
    charts: tuple[tuple[str, tuple[float, ...], tuple[float, ...]], ...]  # name, msg/s, bytes/s
    state: str  # HTML: see LivePane._state_html
    drops: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]
