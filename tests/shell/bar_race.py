"""A program for test_shell_progress_race.py, run in a pseudo-terminal: the shell's progress
bar is told that its command finished right after the report that opened it, before the
bar's thread can have started its application (the race a command that ends just as its
bar starts runs into), ROUNDS times. Then it prints its thread counts and asks for a line
with a prompt of its own, which works only if no bar holds the terminal.

    python -m tests.shell.bar_race ROUNDS
"""

from __future__ import annotations

import sys
import threading

from prompt_toolkit import PromptSession

from zmqrepl.session import Progress
from zmqrepl.shell.progress import ProgressView


def main() -> None:
    rounds = int(sys.argv[1])
    view = ProgressView()
    before = threading.active_count()
    for i in range(rounds):
        view(Progress("send p", i, rounds, 0.3))
        view(Progress("send p", i + 1, rounds, 0.3, finished=True))
    print(f"closed {rounds} bars; threads before {before}, after {threading.active_count()}", flush=True)
    session: PromptSession[str] = PromptSession()
    line = session.prompt("again> ")
    print(f"typed: {line}", flush=True)


if __name__ == "__main__":
    main()
