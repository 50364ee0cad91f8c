"""The layers of zmqrepl, checked from the source (read with ``ast``; nothing is imported).

Rules, over every module found under zmqrepl/ (new modules are checked as they appear):

(a) No import cycle among zmqrepl modules at run time. Imports under ``if TYPE_CHECKING:``
    never run and do not count; imports inside a function body do count (they run as soon
    as the function is called). Two exceptions, each named:
    - function-level imports in the package root, zmqrepl/__init__.py: its ``%load_ext
      zmqrepl`` hooks load zmqrepl.magics (and so IPython) only when IPython calls them,
      so importing zmqrepl never needs IPython;
    - the lazy imports in ALLOWED_LAZY below, each with its reason (a test fails when one
      is no longer there or no longer lazy, so the list cannot go stale).
(b) Layer direction, counting every import (``TYPE_CHECKING`` and function-level too):
    - zmqrepl.core imports no other zmqrepl module (not the session, a front end, or the
      package root) and no UI library;
    - zmqrepl.session imports nothing of zmqrepl.shell or zmqrepl.magics, and no UI library
      (prompt_toolkit, IPython and their kin: UI_PACKAGES);
    - the front ends, zmqrepl.shell and zmqrepl.magics, import the session only through its
      package (``from ..session import X``), never one of its modules (zmqrepl.session.render),
      never zmqrepl.core, and never each other. What a front end needs of the session or of
      the core is exported by zmqrepl/session/__init__.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.layout.imports import Import, cycles, module_names, read_imports

PACKAGE = Path(__file__).resolve().parents[2] / "zmqrepl"

UI_PACKAGES = ("prompt_toolkit", "IPython", "ipykernel", "ipywidgets", "traitlets", "pygments")
FRONT_ENDS = ("zmqrepl.shell", "zmqrepl.magics")

ALLOWED_LAZY = {
    (
        "zmqrepl.core.context",
        "zmqrepl.core.socket",
    ): "Context.socket(kind) is Socket(kind, ctx), and socket.py needs Context when it is "
    "imported (a socket belongs to a context): one object model in two modules",
}


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _top(module: str) -> str:
    return module.split(".")[0]


def runtime_edges(imports: list[Import]) -> list[Import]:
    """The imports that rule (a) counts: between zmqrepl modules, run at run time."""
    return [
        i
        for i in imports
        if _within(i.target, "zmqrepl")
        and not i.type_only
        and not (i.importer == "zmqrepl" and i.in_function)
        and (i.importer, i.target) not in ALLOWED_LAZY
    ]


def layer_violations(imports: list[Import]) -> list[str]:
    """Every import that breaks rule (b), one line each."""
    bad: list[str] = []
    for imp in imports:
        who, what = imp.importer, imp.target
        if _within(who, "zmqrepl.core"):
            if _within(what, "zmqrepl") and not _within(what, "zmqrepl.core"):
                bad.append(f"{imp}: the core imports nothing of zmqrepl outside zmqrepl.core")
            elif _top(what) in UI_PACKAGES:
                bad.append(f"{imp}: the core imports no UI library")
        elif _within(who, "zmqrepl.session"):
            if any(_within(what, front) for front in FRONT_ENDS):
                bad.append(f"{imp}: the session imports no front end")
            elif _top(what) in UI_PACKAGES:
                bad.append(f"{imp}: the session imports no UI library")
        elif any(_within(who, front) for front in FRONT_ENDS):
            if _within(what, "zmqrepl.session") and what != "zmqrepl.session":
                bad.append(
                    f"{imp}: a front end imports the session only as zmqrepl.session "
                    "(export the name from zmqrepl/session/__init__.py)"
                )
            elif _within(what, "zmqrepl.core"):
                bad.append(
                    f"{imp}: a front end never imports zmqrepl.core "
                    "(export what it needs through zmqrepl.session)"
                )
            elif any(_within(what, other) and not _within(who, other) for other in FRONT_ENDS):
                bad.append(f"{imp}: one front end never imports the other")
    return list(dict.fromkeys(bad))  # one line per statement, however many names it imports


def test_the_package_is_read_whole() -> None:
    """The walk finds every layer and their imports (an empty walk would pass the rest)."""
    names = module_names(PACKAGE)
    for layer in ("zmqrepl.core", "zmqrepl.session", "zmqrepl.shell", "zmqrepl.magics"):
        assert layer in names and sum(_within(n, layer) for n in names) > 1, layer
    imports = read_imports(PACKAGE)
    assert any(i.importer == "zmqrepl.shell.app" and i.target == "zmqrepl.session" for i in imports)


def test_no_runtime_import_cycle() -> None:
    found = cycles(runtime_edges(read_imports(PACKAGE)))
    assert found == [], "import cycles (break them, or see ALLOWED_LAZY): " + "; ".join(
        " <-> ".join(members) for members in found
    )


@pytest.mark.parametrize(("importer", "target"), sorted(ALLOWED_LAZY))
def test_each_allowed_lazy_import_is_still_there_and_lazy(importer: str, target: str) -> None:
    edges = [i for i in read_imports(PACKAGE) if (i.importer, i.target) == (importer, target)]
    assert edges, f"{importer} no longer imports {target}: drop it from ALLOWED_LAZY"
    assert all(i.in_function or i.type_only for i in edges), (
        f"{importer} imports {target} at module level now: a cycle at import time"
    )


def test_layers_import_one_way() -> None:
    bad = layer_violations(read_imports(PACKAGE))
    assert bad == [], "\n".join(bad)


# -- the checks catch what they are meant to (on a package written for the purpose) --------


def _write(root: Path, files: dict[str, str]) -> Path:
    package = root / "zmqrepl"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for folder in [package, *(p for p in package.rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()
    return package


def test_cycles_are_found_lazy_ones_too_but_not_type_only(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "shell/app.py": "def main():\n    from .interactive import loop\n",
            "shell/interactive.py": "from .app import main\n",
            "session/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n",
            "session/b.py": "from . import a\n",
            "__init__.py": "def load():\n    from .shell import app\n",
            "shell/__init__.py": "from .. import __version__\n",
        },
    )
    assert cycles(runtime_edges(read_imports(package))) == [
        ["zmqrepl.shell.app", "zmqrepl.shell.interactive"]
    ]


def test_layer_breaks_are_found(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "core/socket.py": "from ..session import Session\n",
            "core/poll.py": "import prompt_toolkit\n",
            "session/render.py": "def f():\n    from IPython.display import HTML\n",
            "session/table.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from zmqrepl.shell.printer import Printer\n",
            "shell/printer.py": "from ..session.render import f\nfrom ..session import render\n",
            "shell/app.py": "from ..core import Socket\nfrom ..session import Session\n",
            "magics/html.py": "from zmqrepl.shell import printer\nfrom .. import __version__\n",
        },
    )
    bad = layer_violations(read_imports(package))
    culprits = sorted(
        {line.split(" (line")[0] + " -> " + line.split(" imports ")[1].split(":")[0] for line in bad}
    )
    assert culprits == [
        "zmqrepl.core.poll -> prompt_toolkit",
        "zmqrepl.core.socket -> zmqrepl.session",
        "zmqrepl.magics.html -> zmqrepl.shell.printer",
        "zmqrepl.session.render -> IPython.display",
        "zmqrepl.session.table -> zmqrepl.shell.printer",
        "zmqrepl.shell.app -> zmqrepl.core",
        "zmqrepl.shell.printer -> zmqrepl.session.render",
    ]
