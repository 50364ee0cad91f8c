"""The README's notebook example: an async consumer in the kernel's own event loop, run by
nbclient in a real kernel, shows the README's outputs."""

from __future__ import annotations

import re

import nbformat
from nbclient import NotebookClient

from tests.peers import ROOT

_NEXT_CELL = "# --- next cell ---\n"


def test_an_async_consumer_runs_in_the_kernels_loop() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("- In a Jupyter notebook the kernel's own loop runs it") :]
    code, shown = re.findall(r"```python\n(.*?)```\n\n```\n(.*?)```", section, re.S)[0]
    cells = code.split(_NEXT_CELL)
    assert len(cells) == 3
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c.strip()) for c in cells])
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    results = []
    for cell in nb.cells:
        for out in cell.outputs:
            assert out["output_type"] == "execute_result", out
            results.append(out["data"]["text/plain"])
    assert "\n".join(results) + "\n" == shown
