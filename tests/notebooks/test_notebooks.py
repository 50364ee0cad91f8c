"""Every notebook in notebooks/ runs headless through nbclient with a real ipykernel, and
the outputs show what the notebook promises (including live watch updates)."""

from __future__ import annotations

import ast
import asyncio
import copy
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import nbformat
import pytest
from nbclient import NotebookClient

from zmqrepl.magics.html import watch_html

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
NAMES = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))


class RecordingClient(NotebookClient):
    """nbclient, noting which cell was running when a display update arrived (observation only)."""

    def __init__(self, nb: Any, **kwargs: Any) -> None:
        super().__init__(nb, **kwargs)
        self.running_cell = -1
        self.first_shown: dict[str, tuple[int, dict[str, Any]]] = {}
        self.updates: list[tuple[str, int, dict[str, Any]]] = []

    async def async_execute_cell(
        self, cell: Any, cell_index: int, execution_count: int | None = None, store_history: bool = True
    ) -> Any:
        self.running_cell = cell_index
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)

    def output(self, outs: Any, msg: dict[str, Any], display_id: str | None, cell_index: int) -> Any:
        if display_id and msg["msg_type"] == "display_data":
            self.first_shown.setdefault(display_id, (cell_index, copy.deepcopy(msg["content"]["data"])))
        return super().output(outs, msg, display_id, cell_index)

    def _update_display_id(self, display_id: str, msg: dict[str, Any]) -> None:
        if msg["header"]["msg_type"] == "update_display_data":
            self.updates.append((display_id, self.running_cell, copy.deepcopy(msg["content"]["data"])))
        super()._update_display_id(display_id, msg)


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RecordingClient]]:
    """Every notebook, executed once (all at the same time, each in its own kernel)."""
    assert {"quickstart", "request_reply", "pipeline", "monitor", "jupyter_kernel"} <= set(NAMES)
    copies = tmp_path_factory.mktemp("notebooks")
    clients = {}
    for name in NAMES:
        path = copies / f"{name}.ipynb"
        shutil.copy(NOTEBOOKS / f"{name}.ipynb", path)
        nb = nbformat.read(path, as_version=4)
        # cwd: the checkout, so `import zmqrepl` finds this zmqrepl
        clients[name] = RecordingClient(
            nb,
            timeout=60,
            startup_timeout=60,
            kernel_name="python3",
            resources={"metadata": {"path": str(REPO)}},
        )

    async def run_all() -> None:
        await asyncio.wait_for(asyncio.gather(*(c.async_execute() for c in clients.values())), timeout=100)

    asyncio.run(run_all())
    yield clients


def _cell(client: RecordingClient, source_start: str) -> tuple[int, Any]:
    found = [
        (i, c)
        for i, c in enumerate(client.nb.cells)
        if c.cell_type == "code" and c.source.startswith(source_start)
    ]
    assert len(found) == 1, f"expected one cell starting with {source_start!r}, found {len(found)}"
    return found[0]


def _stdout(cell: Any) -> str:
    return "".join(
        o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout"
    )


def _result(cell: Any) -> str:
    results = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert len(results) == 1, cell.outputs
    return str(results[0].data["text/plain"])


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_cleanly(executed: dict[str, RecordingClient], name: str) -> None:
    nb = executed[name].nb
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code)
    for cell in code:
        for out in cell.outputs:
            assert out.output_type != "error", (cell.source, out)
            assert not (out.output_type == "stream" and out.name == "stderr"), (cell.source, out)


def test_quickstart_watch_updates_while_a_later_cell_runs(executed: dict[str, RecordingClient]) -> None:
    client = executed["quickstart"]
    watch_index, watch_cell = _cell(client, "w = %zmq watch s")
    sleep_index, sleep_cell = _cell(client, "import time\nbefore = w.updates")

    shown = [o for o in watch_cell.outputs if o.output_type == "display_data"]
    assert len(shown) == 1
    ids = [d for d, (index, _) in client.first_shown.items() if index == watch_index]
    assert len(ids) == 1  # shown once, with a transient display id
    display_id = ids[0]
    updates = [u for u in client.updates if u[0] == display_id]
    assert updates, "nbclient never updated the watch output"
    during_sleep = [u for u in updates if u[1] == sleep_index]
    assert len(during_sleep) >= 3  # updated while the sleeping cell ran

    final = shown[0].data["text/html"]
    assert final == updates[-1][2]["text/html"]  # the output holds the newest update
    received = int(re.search(r"s: (\d+) received", final).group(1))  # type: ignore[union-attr]
    assert received > 0
    assert "weather" in final and "prices" not in final
    assert final != watch_html(["s"], [], {"s": 0}, [], "live")
    assert final != client.first_shown[display_id][1]["text/html"]

    printed = re.search(r"updates while sleeping: (\d+)", _stdout(sleep_cell))
    assert printed is not None and int(printed.group(1)) >= 3

    _, kept_cell = _cell(client, "print('kept'")
    kept = re.search(r"kept (\d+) messages; newest: \[b'weather'", _stdout(kept_cell))
    assert kept is not None and int(kept.group(1)) > 0
    _, sockets_cell = _cell(client, "%zmq sockets")
    html = next(o for o in sockets_cell.outputs if o.output_type == "execute_result").data["text/html"]
    assert "<td>s</td><td>sub</td>" in html


def test_request_reply_shows_the_echoed_replies(executed: dict[str, RecordingClient]) -> None:
    client = executed["request_reply"]
    assert _result(_cell(client, "reply = %zmq recv client")[1]) == "[b'echo', b'hello']"
    payload = _cell(client, "payload = ")[1]
    assert ast.literal_eval(_result(payload)) == [b"echo", b'{"op":"add","args":[1,2]}']
    assert _result(_cell(client, "direct = %zmq socket direct req")[1]) == "[b'echo', b'from python']"
    table = _result(_cell(client, "%zmq sockets")[1])
    assert "name='client'" in table and "received=2, sent=2" in table
    assert "name='direct'" in table and "received=1, sent=1" in table


def test_pipeline_shows_the_squares(executed: dict[str, RecordingClient]) -> None:
    client = executed["pipeline"]
    result = _result(_cell(client, "results = %zmq recv results --count 10")[1])
    assert ast.literal_eval(result) == [n * n for n in range(10)]
    printed = _stdout(_cell(client, "print('tasks per worker:'")[1])
    per_worker = re.search(r"tasks per worker: (\{.*\})", printed)
    assert per_worker is not None
    assert sum(ast.literal_eval(per_worker.group(1)).values()) == 10


def test_monitor_shows_retries_then_the_connection(executed: dict[str, RecordingClient]) -> None:
    client = executed["monitor"]
    before = ast.literal_eval(_result(_cell(client, "import time\ntime.sleep(0.5)\nsorted(events.kinds)")[1]))
    assert "connect_retried" in before
    assert "connected" not in before and "handshake_succeeded" not in before
    after = ast.literal_eval(_result(_cell(client, "from zmqrepl.core import Context\nserver_ctx")[1]))
    assert {"connect_retried", "connected", "handshake_succeeded"} <= set(after)

    pane_index, pane_cell = _cell(client, "events = %zmq monitor c")
    ids = [d for d, (index, _) in client.first_shown.items() if index == pane_index]
    assert len(ids) == 1
    assert any(u[0] == ids[0] and u[1] > pane_index for u in client.updates)
    html = next(o for o in pane_cell.outputs if o.output_type == "display_data").data["text/html"]
    for kind in ("connect_retried", "connected", "handshake_succeeded"):
        assert f"<td>{kind}</td>" in html


def test_jupyter_kernel_answers_a_signed_request_seen_on_its_iopub(
    executed: dict[str, RecordingClient],
) -> None:
    client = executed["jupyter_kernel"]
    info = ast.literal_eval(_result(_cell(client, "# A second kernel")[1]))
    assert info["key"] == "(hidden)" and info["signature_scheme"] == "hmac-sha256"
    assert {"shell_port", "iopub_port"} <= set(info)
    assert _result(_cell(client, "import json\nwelcome")[1]) == "'iopub_welcome'"
    # What the kernel published for the request, in order: busy, the code, its result, idle.
    kinds = ast.literal_eval(_result(_cell(client, "import time\n\ndef published")[1]))
    assert kinds == ["status", "execute_input", "execute_result", "status"]
    assert ast.literal_eval(_result(_cell(client, "dict(answers)")[1])) == {"text/plain": "42"}
    assert "sent 6 parts" in _stdout(_cell(client, "%zmq send shell")[1])

    _, pane_cell = _cell(client, "w = %zmq watch iopub shell")
    html = next(o for o in pane_cell.outputs if o.output_type == "display_data").data["text/html"]
    assert "execute_result" in html and "execute_reply" in html  # iopub, and the reply on shell
    stats = next(o for o in _cell(client, "%zmq stats iopub")[1].outputs if o.output_type == "execute_result")
    assert "<svg" in stats.data["text/html"] and "execute_result" in stats.data["text/plain"]
    # The key signs the request but is never shown: no output holds a key's bytes.
    for cell in client.nb.cells:
        for out in cell.get("outputs", []):
            assert "'key': b'" not in str(out) and "key=b'" not in str(out)


def test_build_script_regenerates_the_committed_notebooks(tmp_path: Path) -> None:
    shutil.copy(NOTEBOOKS / "build.py", tmp_path / "build.py")
    subprocess.run([sys.executable, str(tmp_path / "build.py")], check=True, timeout=60, cwd=tmp_path)
    built = sorted(p.stem for p in tmp_path.glob("*.ipynb"))
    assert built == NAMES

    def shape(path: Path) -> Any:
        nb = nbformat.read(path, as_version=4)
        return (
            nb.nbformat,
            nb.metadata.get("kernelspec"),
            [(c.cell_type, c.source, c.get("outputs", [])) for c in nb.cells],
        )

    for name in NAMES:
        assert shape(tmp_path / f"{name}.ipynb") == shape(NOTEBOOKS / f"{name}.ipynb"), name
