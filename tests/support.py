"""Helpers shared by every test folder: bounded waits, a command's result and the in-process
IPython shell."""

from __future__ import annotations

import time
from typing import Any, Callable, TypeVar, overload

from zmqrepl.session import CommandError, Result, Session

__all__ = ["binds", "executed", "fresh_ipython", "unload_zmqrepl", "wait_for"]


def wait_for(check: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """``check()``'s first true value, polled every 20 ms; AssertionError after ``timeout`` s.
    For states that have no event to wait on (a counter, a log, a table)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not reached within {timeout} s (last: {value!r})")
        time.sleep(0.02)


R = TypeVar("R", bound=Result)


@overload
def executed(session: Session, line: str) -> Result: ...
@overload
def executed(session: Session, line: str, kind: type[R]) -> R: ...
def executed(session: Session, line: str, kind: type[Result] = Result) -> Result:
    """``session.execute(line)`` for a line that is a command, so that it has a Result (a blank
    line or a comment has None), of the type ``kind`` when given (``Bound`` for a bind...)."""
    result = session.execute(line)
    assert isinstance(result, kind), f"{line!r} gave {result!r}, not a {kind.__name__}"
    return result


def unload_zmqrepl(ip: Any) -> None:
    """Unload the extension and forget any %config of it, so no test leaks into the next."""
    for name in ("zmqrepl", "zmqrepl.magics"):
        if name in ip.extension_manager.loaded:
            ip.run_line_magic("unload_ext", name)
    ip.config.pop("ZmqMagics", None)


def fresh_ipython() -> Any:
    """The process's InteractiveShell (one per process), without the extension loaded."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    ip = InteractiveShell.instance(config=config)
    unload_zmqrepl(ip)
    return ip


def binds(session: Session, name: str, endpoint: str) -> bool:
    """Whether ``bind NAME ENDPOINT`` works now; False while the port is still in use (libzmq
    lets a closed socket's port go in its I/O thread, soon after the close): for wait_for."""
    try:
        session.execute(f"bind {name} {endpoint}")
    except CommandError as exc:
        assert "already in use" in exc.line, exc.line
        return False
    return True
