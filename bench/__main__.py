"""``python -m bench``: see bench/__init__.py and ``python -m bench --help``."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
