"""The ``zmqrepl`` program: an interactive shell, or a runner for scripts.

zmqrepl                      interactive shell
zmqrepl --demo               shell watching a built-in publisher
zmqrepl -c "cmd; cmd"        run commands and exit
zmqrepl script.zmq           run a file of commands
echo "version" | zmqrepl     run commands from stdin
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import BinaryIO, Iterable, Iterator

from .. import __version__
from ..session import (
    MAX_SCRIPT_LINE,
    CommandError,
    DemoPublisher,
    Session,
    decode_utf8,
    long_line_error,
    read_script,
    split_commands,
)
from .config import Settings, load_settings
from .printer import Colours, EventPrinter
from .runner import error_line, run_line

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="zmqrepl", description="An interactive ZeroMQ shell.")
    ap.add_argument("script", nargs="?", help="a file of commands to run, then exit")
    ap.add_argument("-c", dest="commands", metavar="COMMANDS", help="commands to run (separated by ;)")
    ap.add_argument("--demo", action="store_true", help="start watching a built-in publisher")
    ap.add_argument("--no-color", action="store_true", help="plain output (as when NO_COLOR is set)")
    ap.add_argument("--version", action="version", version=f"zmqrepl {__version__}")
    return ap


def script_file_commands(path: str) -> list[str]:
    """The commands of a script file, read by the same rule as ``source`` (session.scripts)."""
    return [command for _line, command in read_script(path, f"script {path}", "check the path")]


def stream_lines(stream: BinaryIO, name: str = "stdin") -> Iterator[str]:
    """Lines of a byte stream decoded as UTF-8 whatever the locale, each at most
    MAX_SCRIPT_LINE bytes; a bad byte or a longer line is one CommandError."""
    number = 0
    while True:
        raw = stream.readline(MAX_SCRIPT_LINE + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_SCRIPT_LINE:
            raise long_line_error(name, number)
        yield decode_utf8(raw, name, "send UTF-8 text", line=number)


def run_batch(session: Session, lines: Iterable[str], colour: Colours, settings: Settings) -> int:
    def write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    printer = EventPrinter(session, write, colour, max_messages=settings.max_messages)
    printer.start()
    status = 0
    try:
        for line in lines:
            ok, quit_ = run_line(session, line, sys.stdout, sys.stderr, colour, printer)
            if not ok:
                status = 1
                break
            if quit_:
                break
    except CommandError as exc:  # from reading the input itself (stdin)
        sys.stderr.write(colour("bad", error_line(exc)) + "\n")
        status = 1
    except KeyboardInterrupt:
        status = 130
    finally:
        printer.stop()
        sys.stdout.flush()
    return status


def run_demo_batch(session: Session, colour: Colours, settings: Settings, seconds: float = 3.0) -> int:
    """``--demo`` without a terminal (CI, a pipe): show the live demo briefly, then exit."""
    publisher = DemoPublisher().start()
    try:
        return run_batch(
            session,
            [
                f"socket demo sub; connect demo {publisher.endpoint}; "
                f"subscribe demo; watch demo; sleep {int(seconds * 1000)}; sockets"
            ],
            colour,
            settings,
        )
    finally:
        publisher.stop()


def _tolerant_output() -> None:
    """Any text can be printed, whatever stdout's encoding (PYTHONIOENCODING=ascii, a C
    locale): what it cannot represent shows as escapes instead of raising."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    _tolerant_output()
    args = _parser().parse_args(argv)
    settings, warning = load_settings()
    if warning:
        print("warning: " + warning, file=sys.stderr)
    session = Session(
        linger=settings.linger,
        maxmsgsize=settings.maxmsgsize,
        heartbeat_ivl=settings.heartbeat_ivl,
        heartbeat_timeout=settings.heartbeat_timeout,
        history_size=settings.history_size,
        history_bytes=settings.history_bytes,
        view=settings.view,
        show_keep=settings.max_messages,  # what the printer shows of each 100 ms
    )
    # https://no-color.org: a NO_COLOR that is set and not empty turns colour off.
    plain = args.no_color or bool(os.environ.get("NO_COLOR"))
    try:
        batch_colour = Colours(sys.stdout.isatty() and not plain)
        if args.commands is not None:
            return run_batch(session, split_commands(args.commands), batch_colour, settings)
        if args.script:
            try:
                commands = script_file_commands(args.script)
            except CommandError as exc:
                print(error_line(exc), file=sys.stderr)
                return 2
            return run_batch(session, commands, batch_colour, settings)
        if args.demo and not sys.stdin.isatty():
            return run_demo_batch(session, batch_colour, settings)
        if not sys.stdin.isatty():
            return run_batch(session, stream_lines(sys.stdin.buffer), batch_colour, settings)
        from .interactive import interactive

        return interactive(session, settings, demo=args.demo, colour=not plain)
    except KeyboardInterrupt:
        return 130
    finally:
        session.close()


if __name__ == "__main__":
    sys.exit(main())
