"""LivePane: a notebook output that a background thread keeps up to date.

Each time a pane is displayed it gets a display id; a thread re-renders it at
most every ``interval`` seconds (never more than ten times a second) when its
content changed, and at least once a second (KEEPALIVE_S) while it runs. Updates
are sent from the thread, so they keep coming while the kernel is idle and while
another cell runs, even one blocked in sleep.

What a pane says about itself must stay true once nothing feeds it. The output a
notebook saves is the last one rendered, and a page only applies updates to the
outputs it displayed itself (the display id is transient: a reloaded page or a
reopened notebook shows the saved snapshot, which no update reaches). So no
rendered output says "live" as text:

- while the pane runs, its state reads "as of HH:MM:SS" (true of any snapshot),
  followed by a small script. Each render carries its number (``data-seq``, counted
  by the kernel). The script remembers, per pane, the first and the newest number
  this page rendered and when (``window.zmqreplPanes``, which a reload empties). It
  shows "live" only for the newest render, and not for the first one the page saw,
  that is once an update has reached this page; it says "not updated since
  HH:MM:SS" once a newer render exists elsewhere in the page or nothing newer came
  for STALE_MS. A kernel that died, a watch stopped without a last update, a
  reloaded page and a reopened notebook all end there: what a page renders first
  (the saved snapshot, in every output that shows it) never says live, an older
  snapshot (a notebook reopened in the same page) says "not updated" at once, and
  no render says live for longer than STALE_MS after the newest one came. Where
  scripts do not run (an untrusted notebook, a static viewer) the pane just reads
  "as of HH:MM:SS".
- when the pane stops (``stop()``: unwatch, a new watch of the socket, the kernel
  shutting down through the extension's atexit hook), a last update reads
  "stopped at HH:MM:SS", with no script: the saved notebook holds that snapshot.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

__all__ = ["KEEPALIVE_S", "SEQ_MARK", "STALE_MS", "LivePane", "state_html"]

# A running pane is re-rendered at least this often (or every interval, when longer), so
# that a page can tell it is fed.
KEEPALIVE_S = 1.0
# A page that rendered nothing newer of a pane for three keep-alives (3 s, or three intervals
# when longer) no longer says it is live: a busy kernel or browser that delays one or two
# renders does not make it flicker.
STALE_MS = 3000

_LIVE_COLOR = "#070"
_STALE_COLOR = "#b00"

# Stands for the render's number in a running pane's state; _bundle puts the number in. Kept
# out of _repr_html_, which the signature compares (a number there would change every render);
# escaped text can hold no "<", so only a state holds this. Left as is (a _repr_html_ called
# directly), it is no number, and the script keeps the "as of" text.
SEQ_MARK = "<zr-seq>"

# Per pane, this page's first and newest render numbers and when the newest came. Live: a
# render newer than any this page saw (an update), or as new as the newest and shown within
# STALE_MS of it (the same update in a second output), but never the first one the page saw.
# "not updated since": once a newer render exists (an old snapshot: a notebook reopened in the
# same page) or nothing newer came for STALE_MS. Plain ES5, one global.
_SCRIPT = (
    "<script>(function(s){{if(!s)return;var seq=parseInt(s.getAttribute('data-seq'),10);"
    "if(isNaN(seq))return;var all=window.zmqreplPanes=window.zmqreplPanes||{{}};"
    "var now=Date.now(),p=all[{id}],live=false;"
    "if(!p)p=all[{id}]={{first:seq,newest:seq,at:now}};"
    "else if(seq>p.newest){{p.newest=seq;p.at=now;live=true;}}"
    "else live=seq===p.newest&&seq>p.first&&now-p.at<{stale};"
    "function show(t,c,st){{s.textContent=t;s.style.color=c;s.setAttribute('data-state',st);}}"
    "function old(){{if(p.newest>seq||Date.now()-p.at>{stale}){{"
    "show({stale_text},'{stale_color}','stale');return true;}}return false;}}"
    "if(old())return;if(live)show('live','{live}','live');"
    "var timer=setInterval(function(){{if(old())clearInterval(timer);}},250);"
    "}})(document.currentScript&&document.currentScript.previousElementSibling);</script>"
)


# How long stop()'s final render waits for a render the thread is still sending.
FINAL_WAIT_S = 5.0


def _clock(t: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t))


def state_html(pane_id: str, as_of: float, stopped: bool, stale_ms: int = STALE_MS) -> str:
    """The state of a pane rendered at ``as_of`` (epoch seconds): "stopped at", or "as of"
    with the script that says live while renders keep coming (see the module's text)."""
    clock = _clock(as_of)
    if stopped:
        return f"<span class='zr-state' data-state='stopped'>stopped at {clock}</span>"
    title = "the time of this snapshot; the page tells whether newer ones still reach it"
    span = (
        f"<span class='zr-state' data-state='snapshot' data-seq='{SEQ_MARK}' title='{title}'>"
        f"as of {clock}</span>"
    )
    return span + _SCRIPT.format(
        # json.dumps: JavaScript string literals (a script's text is not HTML: no escapes).
        id=json.dumps(pane_id),
        live=_LIVE_COLOR,
        stale=stale_ms,
        stale_text=json.dumps(f"not updated since {clock}"),
        stale_color=_STALE_COLOR,
    )


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
        self._stopped_at: float | None = None
        # Names this pane's renders in a page's script: unique across kernels and sessions.
        self.pane_id = uuid.uuid4().hex
        self._renders = 0  # bundles made: each render's number (SEQ_MARK)
        # One render made and sent at a time, and none by the thread once stop() was asked:
        # a render the thread made before, held up (a loaded machine), must not land after
        # stop()'s final one, or the notebook would keep old rows under "stopped at".
        self._sending = threading.Lock()
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

    def _state_html(self) -> str:
        """The pane's state as of now, for its header."""
        at = self._stopped_at
        stale_ms = round(STALE_MS * max(self._interval, KEEPALIVE_S) / KEEPALIVE_S)
        return state_html(self.pane_id, time.time() if at is None else at, at is not None, stale_ms)

    # -- life cycle -------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stop.is_set()

    @property
    def stopped_at(self) -> float | None:
        """When the pane stopped (epoch seconds), or None while it runs."""
        return self._stopped_at

    def start(self) -> LivePane:
        self._ipython_display_()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._halt()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=2)
        self._refresh(final=True)

    def _halt(self) -> None:
        if self._stopped_at is None:
            self._stopped_at = time.time()
        self._stop.set()

    def _bundle(self) -> dict[str, str]:
        self._renders += 1
        html = self._repr_html_().replace(SEQ_MARK, str(self._renders), 1)
        return {"text/html": html, "text/plain": repr(self)}

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
        last = time.monotonic()
        while not self._stop.wait(self._interval):
            self._tick()
            signature = self._signature()
            now = time.monotonic()
            if signature != seen or now - last >= KEEPALIVE_S:
                seen, last = signature, now
                self._refresh()

    def _refresh(self, final: bool = False) -> None:
        """Send a render to every place the pane shows. Once stop() was asked the thread
        sends none, so stop()'s own (``final``) render is the last."""
        if not self._handles:
            return
        # The final render waits for one the thread is sending, but not for ever: a send
        # stuck that long means the kernel is going away, and stop() must still return.
        taken = self._sending.acquire(timeout=FINAL_WAIT_S if final else -1)
        try:
            if self._stop.is_set() and not final:
                return
            bundle = self._bundle()
            for handle in list(self._handles):
                try:
                    handle.update(bundle, raw=True)
                except Exception:  # noqa: BLE001 - the kernel is going away
                    self._halt()
                    return
            self.updates += 1
        finally:
            if taken:
                self._sending.release()
