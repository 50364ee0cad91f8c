"""``python -m zmqrepl``: the zmqrepl shell."""

from __future__ import annotations

import sys

from .shell.app import main

if __name__ == "__main__":
    sys.exit(main())
