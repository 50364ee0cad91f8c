"""``python -m zmqrepl``: the entry point (``--demo`` shows the core live)."""

from __future__ import annotations

import sys

from .demo import run_demo


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("-h", "--help"):
        print("usage: python -m zmqrepl [--demo]")
        return 0
    return run_demo()


if __name__ == "__main__":
    sys.exit(main())
