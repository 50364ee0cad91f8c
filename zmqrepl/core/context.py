"""Contexts: the default one, ``set_io_threads``, termination that cannot hang.

>>> with Context() as ctx:
...     s = ctx.socket("pull")
...     ...
... # leaving the block closes s and terminates ctx
"""

from __future__ import annotations

import gc
import os
import threading
import time
import weakref
from types import TracebackType
from typing import TYPE_CHECKING, Any

from . import _process
from ._lib import FREES_AT_ONCE, ffi, lib
from .constants import Errno, SocketType
from .errors import ContextTerminated, ZMQError, error_for

if TYPE_CHECKING:
    from .socket import Socket

__all__ = ["CONTEXT_OPTIONS", "Context", "default_context", "set_io_threads"]

# Context options by name: (number, readable, writable). libzmq numbers two of
# them alike: 3 reads socket_limit and sets thread_priority.
CONTEXT_OPTIONS: dict[str, tuple[int, bool, bool]] = {
    "io_threads": (1, True, True),
    "max_sockets": (2, True, True),
    "socket_limit": (3, True, False),
    "thread_priority": (3, False, True),
    "thread_sched_policy": (4, True, True),
    "max_msgsz": (5, True, True),
    "msg_t_size": (6, True, False),
    "thread_affinity_cpu_add": (7, False, True),
    "thread_affinity_cpu_remove": (8, False, True),
    "thread_name_prefix": (9, True, True),
    "ipv6": (42, True, True),
    "blocky": (70, True, True),
}
# libzmq reads these when the context starts (with its first socket); later
# values would be stored but never used.
_AT_START = {"io_threads", "max_sockets"}
_HINTS = {
    "io_threads": "0 or more",
    "max_sockets": "1 up to socket_limit",
    "max_msgsz": "0 up to 2**31 - 1 bytes",
    "ipv6": "0 or 1",
    "blocky": "0 or 1",
}


def _context_option(option: str | int, writing: bool) -> tuple[int, str]:
    """(number, name) of a context option given by name or number."""
    if isinstance(option, str):
        key = option.strip().lower().replace("-", "_")
        key = key[4:] if key.startswith("zmq_") else key
        entry = CONTEXT_OPTIONS.get(key)
        if entry is None:
            raise ValueError(
                f"unknown context option {option!r} (known: {', '.join(sorted(CONTEXT_OPTIONS))})"
            )
        number, readable, writable = entry
        if writing and not writable:
            raise ValueError(f"context option {key} is read-only")
        if not writing and not readable:
            raise ValueError(f"context option {key} can only be set (libzmq cannot read it back)")
        return number, key
    if isinstance(option, bool) or not isinstance(option, int):
        raise TypeError(
            f"a context option is a name such as 'io_threads' or its number, not {type(option).__name__}"
        )
    for name, (number, readable, writable) in CONTEXT_OPTIONS.items():
        if number == option and (writable if writing else readable):
            return number, name
    return option, f"number {option}"


class Context:
    """A libzmq context: owns the I/O threads shared by its sockets. Thread-safe."""

    __slots__ = ("__weakref__", "_handle", "_io_threads", "_lock", "_pid", "_sockets", "_started", "_unfreed")

    def __init__(self, io_threads: int = 1) -> None:
        if isinstance(io_threads, bool) or not isinstance(io_threads, int):
            raise TypeError(f"io_threads must be an int, not {type(io_threads).__name__}")
        if io_threads < 0:
            raise ValueError("io_threads must be 0 or more (0 only for inproc-only use)")
        self._handle: Any = None
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._sockets: weakref.WeakSet[Socket] = weakref.WeakSet()
        self._unfreed: set[int] = set()  # states not freed yet, where the GC frees late
        self._io_threads = io_threads
        self._started = False  # libzmq starts a context with its first socket
        handle = lib.zmq_ctx_new()
        if handle == ffi.NULL:
            raise error_for(ffi.errno, "create context")
        if io_threads != 1 and lib.zmq_ctx_set(handle, lib.ZMQ_IO_THREADS, io_threads) < 0:
            err = ffi.errno
            lib.zmq_ctx_term(handle)
            raise error_for(err, "set io_threads")
        self._handle = handle
        _process.live_contexts.add(self)

    @property
    def closed(self) -> bool:
        return self._handle is None

    @property
    def io_threads(self) -> int:
        return self._io_threads

    def socket(self, socket_type: str | SocketType | int) -> Socket:
        """A new socket of this context; same as ``Socket(socket_type, ctx)``."""
        from .socket import Socket

        return Socket(socket_type, self)

    def _new_socket_state(self, kind: SocketType) -> Any:
        with self._lock:
            if self._handle is None:
                raise ContextTerminated(
                    Errno.ETERM,
                    None,
                    "the context is terminated (hint: make a new Context or use default_context())",
                )
            st = lib.zr_socket_new(self._handle, int(kind))
            if st == ffi.NULL and ffi.errno == Errno.EMFILE and self._unfreed:
                # PyPy: sockets dropped without close() hold their place in libzmq until
                # the GC frees their states; a collection does that now.
                gc.collect()
                st = lib.zr_socket_new(self._handle, int(kind))
            if st == ffi.NULL:
                err = ffi.errno
                if err == Errno.EMFILE:
                    limit = lib.zmq_ctx_get(self._handle, lib.ZMQ_MAX_SOCKETS)
                    raise ZMQError(
                        err,
                        None,
                        (
                            f"this context already has its {limit} sockets (max_sockets) (hint: close "
                            "unused sockets, or set max_sockets before the first socket)"
                        ),
                    )
                raise error_for(err, "create socket", kind)
            self._started = True
            # Closed and freed by C when the last reference goes (zr_socket_free),
            # never by a Python __del__: a dying Socket can still be reached through
            # a WeakSet by another thread, and in a garbage cycle a __del__ may run
            # after cffi has already freed the state.
            if FREES_AT_ONCE:
                return ffi.gc(st, lib.zr_socket_free)
            addr = int(ffi.cast("uintptr_t", st))
            self._unfreed.add(addr)
            return ffi.gc(st, lambda state: self._free_late(state, addr))

    def _free_late(self, st: Any, addr: int) -> None:
        """The state's destructor where the GC runs it late (PyPy: see _lib.FREES_AT_ONCE).
        In a forked child the state belongs to the parent: forgotten, never closed."""
        self._unfreed.discard(addr)
        if self._pid != os.getpid():
            lib.zr_socket_forget(st)
        lib.zr_socket_free(st)

    def _collect_unlisted(self, listed: list[Socket]) -> None:
        """Before zmq_ctx_term, which waits for every socket: sockets that PyPy's GC has
        dropped from ``_sockets`` may still be open, their states not yet freed. A full
        collection runs their destructors, which close them (a second one catches any
        whose destructor another thread had already taken)."""
        for _ in range(2):
            if not self._unfreed - {sock._addr for sock in listed}:
                return
            gc.collect()

    def _register(self, sock: Socket) -> None:
        self._sockets.add(sock)

    def term(self) -> None:
        """Terminate the context; idempotent.

        Blocking calls on its sockets in other threads raise ContextTerminated
        and close their socket; idle sockets are closed here with their own
        linger. Waiting for that linger can be interrupted with Ctrl-C.
        """
        self._terminate(None)

    def destroy(self, linger: int | None = 0) -> None:
        """Close every socket of this context with ``linger`` ms (None keeps each
        socket's own), then terminate. The default, 0, drops queued messages.

        The linger applies whoever closes a socket: here, or a call blocked on it
        in another thread, which raises ContextTerminated."""
        if linger is not None and (isinstance(linger, bool) or not isinstance(linger, int)):
            raise TypeError(f"linger must be an int (ms) or None, not {type(linger).__name__}")
        self._terminate(linger)

    def _terminate(self, linger: int | None) -> None:
        with self._lock:
            handle = self._handle
            if handle is None:
                return
            self._handle = None  # from here no new socket, and a busy one raises ETERM
        sockets = _process.snapshot(self._sockets)
        if linger is not None:
            # Before the shutdown: once a socket has seen it, libzmq refuses to set
            # any option, linger included, and a blocked call that wakes with ETERM
            # could only close with the socket's own linger (-1 waits for ever). So
            # every socket is closed now with this linger; one busy in a call that
            # waits in slices is closed by that call at its next slice (<= 50 ms),
            # and a proxy's got the linger set already (see zr_close).
            # Watched sockets first: closing one stops its monitor, which sends a
            # last event that libzmq would wait for ever to deliver if the monitor's
            # PAIR socket were already closed.
            deadline = time.monotonic() + _CLOSE_WAIT_S
            for phase in (True, False):
                asked = [
                    sock
                    for sock in sockets
                    if (sock._monitor is not None) is phase
                    and sock._close_or_ask(_TERMINATED, linger) == _ASKED
                ]
                while asked and time.monotonic() < deadline:
                    time.sleep(0.001)
                    asked = [sock for sock in asked if sock._close_or_ask(_TERMINATED, linger) == _ASKED]
        lib.zmq_ctx_shutdown(handle)
        busy = [sock for sock in sockets if not sock._close_terminated()]
        delay = 0.0005
        while busy:
            # Another thread is inside a call on these sockets. A blocking call wakes
            # with ETERM and closes its socket itself, but a short call just returns
            # and leaves the socket open and idle, and zmq_ctx_term would wait for it
            # for ever: retry until each one is closed.
            time.sleep(delay)
            delay = min(delay * 2, 0.01)
            busy = [sock for sock in busy if not sock._close_terminated()]
        if not FREES_AT_ONCE:
            self._collect_unlisted(sockets)
        while True:
            # Returning to Python on EINTR lets the signal handler run (Ctrl-C).
            if lib.zmq_ctx_term(handle) == 0:
                return
            err = ffi.errno
            if err != Errno.EINTR:
                raise error_for(err, "term")

    def set(self, option: str | int, value: int) -> None:
        """Set a context option by name (see CONTEXT_OPTIONS: ``"max_sockets"``,
        ``"ipv6"``, ``"blocky"``...) or number (``lib.ZMQ_IO_THREADS``).
        io_threads and max_sockets only before the first socket."""
        number, name = _context_option(option, writing=True)
        if isinstance(value, bool):
            value = int(value)
        if not isinstance(value, int):
            raise TypeError(f"context option {name} takes an int, not {type(value).__name__}")
        handle = self._live_handle()
        if name in _AT_START and self._started:
            raise ZMQError(
                Errno.EINVAL,
                None,
                (
                    f"{name} can only be set before the context's first socket (hint: make a new "
                    f"Context and set it first, or Context(io_threads=n))"
                ),
            )
        if not -(2**31) <= value < 2**31 or lib.zmq_ctx_set(handle, number, value) < 0:
            raise ZMQError(
                Errno.EINVAL,
                None,
                (
                    f"libzmq refused {value!r} for context option {name} (hint: "
                    f"{_HINTS.get(name, 'check the value and that this libzmq has the option')})"
                ),
            )
        if name == "io_threads":
            self._io_threads = value

    def get(self, option: str | int) -> int:
        """Read a context option by name or number (see set)."""
        number, name = _context_option(option, writing=False)
        handle = self._live_handle()
        ffi.errno = 0
        rc = int(lib.zmq_ctx_get(handle, number))
        if rc == -1 and ffi.errno == Errno.EINVAL:  # some options read -1 (a default)
            raise ZMQError(
                Errno.EINVAL,
                None,
                (f"libzmq cannot read context option {name} (hint: check this libzmq has it)"),
            )
        return rc

    def _live_handle(self) -> Any:
        handle = self._handle
        if handle is None:
            raise ContextTerminated(Errno.ETERM, None, "the context is terminated (hint: make a new Context)")
        return handle

    def _forget(self) -> None:
        """In a forked child: this context belongs to the parent. Drop it unclosed."""
        self._handle = None
        self._sockets = weakref.WeakSet()

    def _exit_cleanup(self, linger_cap: int) -> None:
        handle = self._handle
        if handle is None or self._pid != os.getpid():
            return
        busy = False
        for sock in _process.snapshot(self._sockets):
            busy |= not sock._close_at_exit(linger_cap)
        if busy:
            # A daemon thread is still inside libzmq; terminating would wait for it.
            return
        self.term()

    def __enter__(self) -> Context:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.term()

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is None:
            return
        try:
            if self._pid != os.getpid():
                return
            # Nothing references the context, so none of its sockets is open; but
            # closed sockets may still linger, so terminate away from the collector.
            self._handle = None
            threading.Thread(target=lib.zmq_ctx_term, args=(handle,), daemon=True).start()
        except Exception:  # noqa: BLE001 - interpreter shutdown: globals may be gone
            pass

    def __repr__(self) -> str:
        state = "terminated" if self._handle is None else f"{len(self._sockets)} sockets"
        return f"<zmqrepl.core.Context io_threads={self._io_threads} {state}>"


_ASKED = lib.ZR_ASKED
_TERMINATED = "its context was terminated"  # the reason a closed socket gives (socket.py)

# How long destroy() waits for blocked calls to close their sockets (each does at
# its next 50 ms wait slice) before it terminates anyway.
_CLOSE_WAIT_S = 2.0

_default_lock = threading.Lock()
_default: Context | None = None
_default_io_threads = 1


def default_context() -> Context:
    """The process's shared context, made on first use (and anew after fork)."""
    global _default
    ctx = _default
    if ctx is not None and ctx._handle is not None:
        return ctx
    with _default_lock:
        if _default is None or _default._handle is None:
            _default = Context(_default_io_threads)
        return _default


def set_io_threads(n: int) -> None:
    """Number of I/O threads of the default context; only before it exists."""
    global _default_io_threads
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"io_threads must be an int, not {type(n).__name__}")
    if n < 0:
        raise ValueError("io_threads must be 0 or more")
    with _default_lock:
        if _default is not None and _default._handle is not None:
            raise ZMQError(
                Errno.EINVAL,
                None,
                "the default context already exists with "
                f"{_default.io_threads} I/O threads (hint: call set_io_threads() "
                "before the first socket, or make a Context(io_threads=n))",
            )
        _default_io_threads = n


def _reset_default() -> None:
    global _default, _default_lock
    _default = None
    _default_lock = threading.Lock()


_process.after_fork.append(_reset_default)
