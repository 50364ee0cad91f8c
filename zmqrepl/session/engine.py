"""The engine: one thread that owns every socket of a session.

Front ends never touch a socket; they hand the engine a function and wait for
its result (a Future). The engine polls all readable sockets and a wake-up
pipe together, so sockets are read while the user types or a notebook cell
runs, and no socket is ever used from two threads.
"""

from __future__ import annotations

import heapq
import itertools
import os
import signal
import threading
import time
from collections import deque
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Callable, TypeVar

from ..core import Context, Forwarded, PollFlag, PollItem, PollSet, Socket
from .flood import SLEEP_OVERSHOOT_S

__all__ = ["Engine"]

T = TypeVar("T")
Reader = Callable[[Socket], None]

# Faults stay deliverable to the thread that causes them (faulthandler reports them).
_FAULTS = {
    getattr(signal, name)
    for name in ("SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGABRT", "SIGTRAP", "SIGSYS")
    if hasattr(signal, name)
}
_MAX_WAIT_MS = 100
_POLLIN = int(PollFlag.POLLIN)  # plain ints: PollSet gives revents as ints
_POLLOUT = int(PollFlag.POLLOUT)


class _Forwarder:
    """A reader whose messages C may pass on itself while the engine waits (a tap's
    flow nobody looks at): see Engine.add_forwarder."""

    __slots__ = ("active", "dst", "moved", "respin_us", "routed")

    def __init__(
        self,
        dst: Socket,
        routed: bool,
        active: Callable[[], bool],
        moved: Callable[[Forwarded], None],
        respin_us: int,
    ) -> None:
        self.dst = dst
        self.routed = routed
        self.active = active
        self.moved = moved
        self.respin_us = respin_us


class Engine:
    def __init__(self, on_error: Callable[[BaseException], None] | None = None) -> None:
        self.context = Context()
        self._on_error = on_error
        self._calls: deque[tuple[Callable[[], Any], Future[Any]]] = deque()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._readers: dict[Socket, Reader] = {}
        self._writers: dict[Socket, Reader] = {}  # called when a socket can send again
        self._forwarders: dict[Socket, _Forwarder] = {}
        # Rebuilt when the sockets change: the poll set, its sockets (item i + 1 is
        # socket i), and the forwarding items with their forwarders.
        self._items: tuple[PollSet, list[Socket], list[tuple[int, _Forwarder]]] | None = None
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._stopping = False
        self._spin_until_ns = 0  # poll without sleeping until then (see spin_for)
        self._nap_s = 0.0  # sleep this long before the next poll (see nap)
        # How much longer than asked a nap lasts, a moving average (readers shorten their
        # naps by it: flood.py).
        self.nap_overshoot_s = SLEEP_OVERSHOOT_S
        self._thread = threading.Thread(target=self._run, name="zmqrepl-engine", daemon=True)
        self._thread.start()

    # -- from any thread -------------------------------------------------------

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        if threading.current_thread() is self._thread:
            _settle(future, fn)
            return future
        if self._stopping:
            future.set_exception(RuntimeError("the session is closed"))
            return future
        self._calls.append((fn, future))
        self._wake()
        return future

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` in the engine thread and return its result (Ctrl-C friendly)."""
        return wait(self.submit(fn))

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except (BlockingIOError, OSError):
            pass  # the pipe is full: the engine is awake anyway

    def stop(self, cleanup: Callable[[], None] | None = None) -> None:
        if self._stopping:
            return
        if cleanup is not None:
            try:
                self.call(cleanup)
            except Exception:  # noqa: BLE001 - stopping must finish regardless
                pass
        self._stopping = True
        self._wake()
        self._thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stopping

    # -- engine thread only ----------------------------------------------------

    def add_reader(self, sock: Socket, reader: Reader) -> None:
        self._readers[sock] = reader
        self._items = None

    def remove_reader(self, sock: Socket) -> None:
        if self._readers.pop(sock, None) is not None:
            self._items = None

    def add_writer(self, sock: Socket, writer: Reader) -> None:
        """Call ``writer`` when ``sock`` can send (a forwarder held back by a full queue)."""
        self._writers[sock] = writer
        self._items = None

    def remove_writer(self, sock: Socket) -> None:
        if self._writers.pop(sock, None) is not None:
            self._items = None

    def add_forwarder(
        self,
        src: Socket,
        dst: Socket,
        *,
        routed: bool,
        active: Callable[[], bool],
        moved: Callable[[Forwarded], None],
        respin_us: int = 0,
    ) -> None:
        """While ``src`` has a reader and ``active()`` says so (asked before every wait),
        what ``src`` receives is passed on to ``dst`` inside C while the engine waits (as
        core.forward does, ``routed`` alike), and the wait goes on, spinning ``respin_us``
        after each pass: no return to Python per message. ``moved`` is then told what was
        passed on (and a message ``dst`` had no room for: held). The reader still gets
        what C leaves (an error, or ``src`` ready while not active)."""
        self._forwarders[src] = _Forwarder(dst, routed, active, moved, respin_us)
        self._items = None

    def remove_forwarder(self, src: Socket) -> None:
        if self._forwarders.pop(src, None) is not None:
            self._items = None

    def spin_for(self, us: int) -> None:
        """Poll without sleeping for the next ``us`` microseconds (a tap that just passed a
        message on expects the next one soon): a message that comes meanwhile is taken
        without the thread being woken, some tens of us sooner, for a core kept busy."""
        if us > 0:
            self._spin_until_ns = max(self._spin_until_ns, time.monotonic_ns() + us * 1000)

    def nap(self, seconds: float) -> None:
        """Sleep ``seconds`` before the next poll, so that a flooded socket's next read takes
        more at once (flood.py). Several asking in one step: the shortest nap, which every
        one of them allows; none while commands wait or a tap spins."""
        if seconds > 0.0:
            self._nap_s = seconds if not self._nap_s else min(self._nap_s, seconds)

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (time.monotonic() + delay, next(self._seq), fn))

    def _run(self) -> None:
        # Signals go to the other threads: Python runs handlers in the main thread anyway,
        # and one landing here would only make libzmq's calls in this thread fail with
        # EINTR (a poll cut short, a batch returned early) for nothing.
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals() - _FAULTS)
        try:
            while not self._stopping:
                self._step()
        finally:
            self.context.destroy(linger=None)
            os.close(self._wake_r)
            os.close(self._wake_w)

    def _step(self) -> None:
        polled = self._items
        if polled is None:
            polled = self._items = self._poll_set()
        pollset, socks, forwarding = polled
        respin_us = 0
        for index, fwd in forwarding:
            on = fwd.active()
            pollset.set_forwarding(index, on)
            if on:
                respin_us = max(respin_us, fwd.respin_us)
        timeout = _MAX_WAIT_MS
        if self._timers:
            timeout = max(0, min(timeout, int((self._timers[0][0] - time.monotonic()) * 1000) + 1))
        if self._calls:
            timeout = 0
        nap, self._nap_s = self._nap_s, 0.0
        if nap and timeout and not self._spin_until_ns:
            slept = time.monotonic()
            time.sleep(nap)  # the GIL is let go meanwhile: the front end runs
            overshoot = time.monotonic() - slept - nap
            self.nap_overshoot_s += (overshoot - self.nap_overshoot_s) / 16
        spin_us = 0
        if self._spin_until_ns:
            spin_us = (self._spin_until_ns - time.monotonic_ns()) // 1000
            if spin_us <= 0:
                self._spin_until_ns = spin_us = 0
        try:
            ready = pollset.wait(timeout, spin_us, respin_us)
        except Exception:  # noqa: BLE001 - a socket closed under us: rebuild the set
            self._items = None
            ready = [0]
            forwarding = []
        for index, fwd in forwarding:  # before the readers: a held message stops its reader
            moved = pollset.forwarded(index)
            if moved is not None:
                self._guard(fwd.moved, moved)
        if ready[0]:
            try:
                while os.read(self._wake_r, 4096):
                    pass
            except BlockingIOError:
                pass
        while self._calls:
            fn, future = self._calls.popleft()
            if future.set_running_or_notify_cancel():
                _settle(future, fn)
        for sock, events in zip(socks, ready[1:]):
            if not events:
                continue
            if events & _POLLOUT:
                writer = self._writers.get(sock)
                if writer is not None:
                    self._guard(writer, sock)
            if events & _POLLIN:
                reader = self._readers.get(sock)
                if reader is not None:
                    self._guard(reader, sock)
        if self._timers:
            now = time.monotonic()
            while self._timers and self._timers[0][0] <= now:
                _, _, fn = heapq.heappop(self._timers)
                self._guard(fn)

    def _poll_set(self) -> tuple[PollSet, list[Socket], list[tuple[int, _Forwarder]]]:
        socks = [s for s in dict.fromkeys((*self._readers, *self._writers)) if not s.closed]
        items = [PollItem(self._wake_r, in_=True)]
        items += [PollItem(s, in_=s in self._readers, out=s in self._writers) for s in socks]
        forwarding = [
            (i + 1, fwd)
            for i, s in enumerate(socks)
            if (fwd := self._forwarders.get(s)) is not None and s in self._readers and not fwd.dst.closed
        ]
        forwards = {index: (fwd.dst, fwd.routed) for index, fwd in forwarding}
        return PollSet(items, forwards or None), socks, forwarding

    def _guard(self, fn: Callable[..., None], *args: Any) -> None:
        """Background work must never kill the engine: report its failure instead."""
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - background work must never kill the engine
            if self._on_error is not None:
                self._on_error(exc)


def _settle(future: Future[Any], fn: Callable[[], Any]) -> None:
    try:
        future.set_result(fn())
    except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
        future.set_exception(exc)


def wait(future: Future[T], timeout: float | None = None) -> T:
    """Wait in short steps so Ctrl-C in the waiting thread raises at once."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        step = 0.1 if deadline is None else max(0.0, min(0.1, deadline - time.monotonic()))
        try:
            return future.result(timeout=step)
        except FutureTimeout:
            if deadline is not None and time.monotonic() >= deadline:
                raise
