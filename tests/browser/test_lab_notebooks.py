"""Every example notebook, run in JupyterLab in headless Chromium, checked on what the page
shows: no error output, left-aligned tables that fit their output, a watch pane that keeps
changing while another cell sleeps and says "stopped at" once stopped; and a pane that no
longer reaches this page (reloaded page, restarted kernel) never says live.

ZMQREPL_PANE_SCREENSHOT=PATH also writes the live quickstart pane there (docs/live-pane.png).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any, Callable

import nbformat
import pytest
from selenium.webdriver.remote.webelement import WebElement

from zmqrepl.magics.live import STALE_MS

from .conftest import NOTEBOOKS
from .lab import Page, wait_for

NAMES = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
CLOCK = r"\d\d:\d\d:\d\d"

# What a pane shows, read from its cell: its state (data-state and text), its render's number,
# its header, its newest row (the first under the table's head).
_PANE = """
const n = arguments[0], s = n.querySelector('.zr-state');
const rows = n.querySelectorAll('table.zmqrepl tr');
return s ? {state: s.getAttribute('data-state'), text: s.textContent, seq: s.getAttribute('data-seq'),
            head: s.closest('div').innerText, newest: rows.length > 1 ? rows[1].innerText : ''} : null;
"""

# Every zmqrepl table of the notebook: each cell's computed text-align, whether it may wrap,
# how many lines it takes and whether its text overflows it; the table's right edge and its
# output's (which scrolls sideways when a table is wider than the notebook).
_TABLES = """
const root = window.jupyterapp.shell.currentWidget.content.node;
return Array.from(root.querySelectorAll('table.zmqrepl')).map(t => {
  const out = t.closest('.jp-OutputArea-output');
  const cells = Array.from(t.querySelectorAll('td, th')).map(c => {
    const range = document.createRange();
    range.selectNodeContents(c);
    const rects = Array.from(range.getClientRects()).filter(r => r.width > 0);
    const tops = new Set(rects.map(r => Math.round(r.top)));
    return {align: getComputedStyle(c).textAlign, wrap: c.classList.contains('wrap'), lines: tops.size,
            overflow: c.scrollWidth > c.clientWidth + 1, text: c.innerText.slice(0, 80),
            frames: c.querySelectorAll('br').length + 1};
  });
  return {head: t.rows[0].innerText.replace(/\\s+/g, ' '), right: t.getBoundingClientRect().right,
          outRight: out.getBoundingClientRect().right, outScroll: out.scrollWidth, outWidth: out.clientWidth,
          cells: cells};
});
"""


def pane(page: Page, cell: WebElement) -> dict[str, str] | None:
    seen: dict[str, str] | None = page.js(_PANE, cell)
    return seen


def received(seen: dict[str, str]) -> int:
    found = re.search(r"s: (\d+) received", seen["head"])
    assert found, seen
    return int(found.group(1))


def watch_changes_while_a_cell_sleeps(page: Page) -> None:
    """quickstart, while it runs: between two screenshots taken while the sleeping cell
    runs, the pane's counter and newest row changed, and the pane said live."""
    watch = page.cell_index("w = %zmq watch s")
    sleeping = page.cell_index("import time\nbefore = w.updates")

    def sleep_running() -> bool:
        cells = page.cells()
        return bool(cells[watch]["prompt"].strip("[]: ").isdigit() and cells[sleeping]["prompt"] == "[*]:")

    wait_for(sleep_running, 60, "the sleeping cell running, after the watch cell")
    cell = page.cell(watch)
    first = wait_for(lambda: pane(page, cell), 10, "the watch pane")
    before = page.shot("watch-1", cell)
    second = wait_for(
        lambda: (
            (seen := pane(page, cell))
            and received(seen) > received(first)
            and seen["newest"] != first["newest"]
            and seen
        ),
        10,
        "a higher count and a new newest row in the pane",
    )
    after = page.shot("watch-2", cell)
    assert page.cells()[sleeping]["prompt"] == "[*]:", "the pane changed only after the sleeping cell"
    assert second["state"] == "live" and second["text"] == "live", second
    assert before.read_bytes() != after.read_bytes()
    wanted = os.environ.get("ZMQREPL_PANE_SCREENSHOT")
    if wanted:  # a few more rows and a rate sample first, for the README
        wait_for(
            lambda: (
                (seen := pane(page, cell))
                and received(seen) >= received(first) + 8
                and re.search(r" [1-9]\d* msg/s", seen["head"])
            ),
            10,
            "eight more messages",
        )
        shutil.copy(page.shot("live-pane", cell), wanted)


def stopped_pane(page: Page, source_start: str) -> dict[str, str]:
    seen = pane(page, page.cell(page.cell_index(source_start)))
    assert seen is not None and seen["state"] == "stopped", seen
    assert re.fullmatch(f"stopped at {CLOCK}", seen["text"]), seen
    return seen


def watch_stopped(page: Page) -> None:
    """quickstart, once run: `%zmq unwatch s` left the pane saying when it stopped."""
    assert received(stopped_pane(page, "w = %zmq watch s")) > 0


def monitor_stopped(page: Page) -> None:
    """monitor, once run: `%zmq monitor c off` did the same for the monitor pane."""
    stopped_pane(page, "events = %zmq monitor c")


def _nothing(page: Page) -> None:
    pass


# Checks of one notebook: while its cells run, and once they all ran.
WHILE_RUNNING: dict[str, Callable[[Page], None]] = {"quickstart": watch_changes_while_a_cell_sleeps}
AFTER: dict[str, Callable[[Page], None]] = {"quickstart": watch_stopped, "monitor": monitor_stopped}


def check_tables(page: Page, name: str) -> None:
    tables: list[dict[str, Any]] = page.js(_TABLES)
    for table in tables:
        where = f"{name}, table {table['head']!r}"
        aligns = {c["align"] for c in table["cells"]}
        assert aligns == {"left"}, f"{where}: text-align {aligns}"
        assert table["right"] <= table["outRight"] + 1, f"{where}: wider than its output"
        assert table["outScroll"] <= table["outWidth"] + 1, f"{where}: its output scrolls sideways"
        overflowing = [c["text"] for c in table["cells"] if c["overflow"]]
        assert not overflowing, f"{where}: text past its cell: {overflowing}"
        wrapped = [c["text"] for c in table["cells"] if not c["wrap"] and c["lines"] > c["frames"]]
        assert not wrapped, f"{where}: short cells wrapped: {wrapped}"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_in_jupyterlab_and_looks_right(page: Page, name: str) -> None:
    page.open(f"{name}.ipynb")
    try:
        page.run_all()
        WHILE_RUNNING.get(name, _nothing)(page)
        cells = page.wait_all_ran()
        page.shot(name)
        errors = [(c["source"][:60], c["text"][:300]) for c in cells if c["errors"]]
        assert not errors, f"{name}: error or stderr output: {errors}"
        AFTER.get(name, _nothing)(page)
        check_tables(page, name)
        for index, cell in enumerate(cells):
            if cell["source"].startswith(("%zmq sockets", "%zmq peers")):
                shown = page.js(
                    "return arguments[0].querySelectorAll('table.zmqrepl').length", page.cell(index)
                )
                assert shown == 1, f"{name}: {cell['source']!r} shows {shown} tables"
    finally:
        page.close_and_shut_down()


def test_the_example_notebooks_show_sockets_and_peers_tables() -> None:
    """The table checks above see a sockets and a peers table in some notebook."""
    sources = [
        c.source
        for n in NAMES
        for c in nbformat.read(NOTEBOOKS / f"{n}.ipynb", as_version=4).cells
        if c.cell_type == "code"
    ]
    assert any(s.startswith("%zmq sockets") for s in sources)
    assert any(s.startswith("%zmq peers") for s in sources)


SCRATCH = "pane_state.ipynb"


def _scratch_notebook(root: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    # No traffic: a quiet pane is re-rendered (once a second) all the same, and that is what
    # keeps it saying live. The last cell shows the same pane a second time.
    sources = ("%load_ext zmqrepl", "%zmq socket s sub", "w = %zmq watch s", "w  # again")
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, root / SCRATCH)


def _kernel_value(page: Page, code: str) -> Any:
    """``code``'s value (a Python literal of JSON) evaluated in the notebook's kernel, out of band."""
    text = page.run_async(
        "const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;"
        "const f = k.requestExecute({code: args[0], store_history: false}); let out = null;"
        "f.onIOPub = m => { if (m.header.msg_type === 'execute_result') out = m.content.data['text/plain'];"
        " if (m.header.msg_type === 'error') out = 'error: ' + m.content.evalue; };"
        "await f.done; return out;",
        code,
    )
    assert isinstance(text, str) and not text.startswith("error"), text
    return json.loads(text.strip("'"))


def _states(page: Page, cells: list[int]) -> tuple[str, ...]:
    return tuple((seen or {}).get("state", "none") for seen in (pane(page, page.cell(i)) for i in cells))


def _states_until(
    page: Page, cells: list[int], final: tuple[str, ...], timeout: float
) -> list[tuple[str, ...]]:
    """The states of the panes of ``cells``, sampled until each is one of ``final``."""
    states: list[tuple[str, ...]] = []

    def reached() -> bool:
        states.append(_states(page, cells))
        return all(state in final for state in states[-1])

    wait_for(reached, timeout, f"the panes in state {' or '.join(final)}")
    return states


def test_a_pane_says_live_only_while_it_is_fed(page: Page) -> None:
    _scratch_notebook(page.lab.root)
    page.open(SCRATCH)
    try:
        page.run_all()
        page.wait_all_ran()
        watch = page.cell_index("w = %zmq watch s")
        both = [watch, page.cell_index("w  # again")]
        wait_for(lambda: _states(page, both) == ("live", "live"), 10, "both displays of the pane live")
        assert [pane(page, page.cell(i))["text"] for i in both] == ["live", "live"]  # type: ignore[index]
        saved = int(pane(page, page.cell(watch))["seq"])  # type: ignore[index]
        page.save()

        # Closed and opened again in the same page once it rendered newer updates: the saved
        # snapshot, older than those and reached by no update, says "not updated since".
        wait_for(lambda: int(pane(page, page.cell(watch))["seq"]) > saved + 1, 10, "newer renders")  # type: ignore[index]
        page.close()
        page.open(SCRATCH)
        states = _states_until(page, both, ("stale",), STALE_MS / 1000 + 10)
        assert not any("live" in s for s in states), states

        # A reloaded page shows the saved snapshot (twice); the kernel still updates the
        # displays, which this page no longer shows: what it renders first never says live,
        # and says "not updated since" once no newer render came.
        page.load()
        page.open(SCRATCH)
        states = _states_until(page, both, ("stale",), STALE_MS / 1000 + 10)
        assert not any("live" in s for s in states), states
        for index in both:
            seen = pane(page, page.cell(index))
            assert seen is not None and re.fullmatch(f"not updated since {CLOCK}", seen["text"]), seen
        before = _kernel_value(page, "import json; json.dumps([w.running, w.updates])")
        wait_for(
            lambda: _kernel_value(page, "json.dumps(w.updates)") > before[1],
            10,
            "the kernel updating the pane",
        )
        assert before[0] is True
        page.shot("reloaded")

        # Watched again from this page, then the kernel restarts: the pane stops saying live,
        # by its last update ("stopped at", sent at exit) or by the page's clock.
        page.js("window.jupyterapp.shell.currentWidget.content.activeCellIndex = arguments[0]", watch)
        page.js("window.jupyterapp.commands.execute('notebook:run-cell')")
        wait_for(lambda: _states(page, [watch]) == ("live",), 20, "live again")
        page.run_async("await window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart();")
        _states_until(page, [watch], ("stopped", "stale"), STALE_MS / 1000 + 20)
        seen = pane(page, page.cell(watch))
        assert seen is not None
        assert re.fullmatch(f"(stopped at|not updated since) {CLOCK}", seen["text"]), seen
        page.shot("restarted")
    finally:
        page.close_and_shut_down()


def test_the_readme_shows_the_pane_this_test_pictures() -> None:
    readme = (NOTEBOOKS.parent / "README.md").read_text(encoding="utf-8")
    assert "![A live %zmq watch pane in JupyterLab](docs/live-pane.png)" in readme
    assert (NOTEBOOKS.parent / "docs" / "live-pane.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
