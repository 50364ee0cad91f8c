"""JupyterLab in headless Chromium for the browser tests: a server on a free port in a
temporary directory (``Lab``) and a page driven through selenium (``Page``).

Nothing is downloaded: the browser is Debian's chromium, the driver /usr/bin/chromedriver
(scripts/ensure-system-deps.sh installs both), given to selenium by path so that its own
driver manager never runs. Lab's own state (settings, workspaces, config, runtime files)
lives in the temporary directory, so a developer's ~/.jupyter neither changes nor matters.
The page asks JupyterLab for what it does (open, run, save) through its command registry
(``window.jupyterapp``, exposed by ``--LabApp.expose_app_in_browser``) and reads what it
shows from the DOM.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webelement import WebElement

from tests.support import wait_for

__all__ = ["CHROMEDRIVER", "CHROMIUM", "Lab", "Page", "wait_for"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
START_TIMEOUT = 90.0  # seconds: a server start and Lab's first page on a loaded 2-core machine
SETTINGS = {
    # Every cell in the DOM, whatever is scrolled into view (the tests read all outputs).
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # No news, no update checks, no extension manager: CI reaches package registries only.
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/extensionmanager-extension/plugin": {"enabled": False},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Lab:
    """A JupyterLab server serving ``root``, with a token; ``stop()`` ends it and its kernels."""

    def __init__(self, root: Path, state: Path) -> None:
        self.root = root
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        for plugin, values in SETTINGS.items():
            package, name = plugin.rsplit("/", 1)
            path = state / "settings" / package / f"{name}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = dict(
            os.environ, JUPYTER_CONFIG_DIR=str(state / "config"), JUPYTER_RUNTIME_DIR=str(state / "run")
        )
        self.log_path = state / "lab.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--allow-root",  # CI runs as root
                f"--port={self.port}",
                "--ServerApp.port_retries=0",
                "--ServerApp.ip=127.0.0.1",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={root}",
                "--LabApp.expose_app_in_browser=True",
                f"--LabApp.user_settings_dir={state / 'settings'}",
                f"--LabApp.workspaces_dir={state / 'workspaces'}",
                "--LabApp.news_url=None",
            ],
            cwd=root,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(
                self._up, START_TIMEOUT, f"JupyterLab answering on port {self.port} (log: {self.log_path})"
            )
        except BaseException:
            self.stop()  # no server left behind by a failed start
            raise

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/lab?token={self.token}"

    def _up(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"JupyterLab exited with {self.proc.returncode}: {self.log_tail()}")
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/status", headers={"Authorization": f"token {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    def log_tail(self, size: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-size:]

    def stop(self) -> None:
        self.proc.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._log.close()


def chromium() -> webdriver.Chrome:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            raise AssertionError(
                f"{path} is missing: the browser tests need Debian's chromium and chromium-driver "
                "(make setup installs them: scripts/ensure-system-deps.sh)"
            )
    options = Options()
    options.binary_location = str(CHROMIUM)
    # --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_script_timeout(60)
    return driver


# The current notebook's cells as the page shows them: prompt ("[3]:", "[*]:"), number of
# error and stderr outputs, the outputs' text; the source from the cell's model.
_CELLS = """
const w = window.jupyterapp.shell.currentWidget;
return w.content.widgets.map(c => ({
  type: c.model.type,
  source: c.model.sharedModel.getSource(),
  prompt: (c.node.querySelector('.jp-InputPrompt') || {}).textContent || '',
  errors: c.node.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]').length,
  text: (c.node.querySelector('.jp-OutputArea') || {}).innerText || '',
}));
"""

# Runs a promise-returning body; answers {ok} or {error} (selenium's async-script callback).
_ASYNC = """
const done = arguments[arguments.length - 1];
const args = Array.from(arguments).slice(0, -1);
(async () => { %s })().then(ok => done({ok: ok === undefined ? null : ok}), e => done({error: String(e)}));
"""


class Page:
    """The browser on Lab's page; ``shots`` keeps the screenshots a test takes."""

    def __init__(self, driver: webdriver.Chrome, lab: Lab, shots: Path) -> None:
        self.driver = driver
        self.lab = lab
        self.shots = shots
        self.load()

    def load(self) -> None:
        """Opens (or reloads) Lab and waits until it restored its layout."""
        self.driver.get(self.lab.url)
        wait_for(
            lambda: self.js("return !!(window.jupyterapp && window.jupyterapp.shell)"),
            START_TIMEOUT,
            "Lab's page",
        )
        self.run_async("await window.jupyterapp.restored;")

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def run_async(self, body: str, *args: Any) -> Any:
        answer = self.driver.execute_async_script(_ASYNC % body, *args)
        if "error" in answer:
            raise AssertionError(f"in the page: {answer['error']}")
        return answer["ok"]

    def command(self, name: str, args: dict[str, Any] | None = None) -> None:
        self.run_async("await window.jupyterapp.commands.execute(args[0], args[1]);", name, args or {})

    def open(self, path: str) -> None:
        """Opens a notebook (or shows it again), and waits for its kernel to be idle."""
        self.run_async(
            "const w = await window.jupyterapp.commands.execute('docmanager:open', {path: args[0]});"
            "await w.context.ready; await w.sessionContext.ready;"
            "window.jupyterapp.shell.activateById(w.id);",
            path,
        )
        self.wait_idle(f"{path}'s kernel")

    def kernel_status(self) -> str:
        status: str = self.js(
            "const k = window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel;"
            "return k ? k.status + '/' + k.connectionStatus : 'none';"
        )
        return status

    def wait_idle(self, what: str, timeout: float = 60) -> None:
        wait_for(lambda: self.kernel_status() == "idle/connected", timeout, f"{what} idle")

    def cells(self) -> list[dict[str, Any]]:
        cells: list[dict[str, Any]] = self.js(_CELLS)
        return cells

    def cell_index(self, source_start: str) -> int:
        found = [i for i, c in enumerate(self.cells()) if c["source"].startswith(source_start)]
        assert len(found) == 1, f"expected one cell starting with {source_start!r}, found {len(found)}"
        return found[0]

    def cell(self, index: int) -> WebElement:
        node: WebElement = self.js(
            "return window.jupyterapp.shell.currentWidget.content.widgets[arguments[0]].node", index
        )
        return node

    def run_all(self) -> None:
        """Starts running every cell; returns at once (the command's promise ends with the run)."""
        self.js("window.jupyterapp.commands.execute('notebook:run-all-cells')")

    def wait_all_ran(self, timeout: float = 90) -> list[dict[str, Any]]:
        """Waits until every code cell shows an execution count and the kernel is idle."""

        def ran() -> list[dict[str, Any]] | None:
            cells = self.cells()
            prompts = [c["prompt"] for c in cells if c["type"] == "code"]
            done = all(p.strip("[]: ").isdigit() for p in prompts)
            return cells if done and self.kernel_status() == "idle/connected" else None

        cells: list[dict[str, Any]] = wait_for(ran, timeout, "every cell run")
        return cells

    def save(self) -> None:
        self.run_async("await window.jupyterapp.shell.currentWidget.context.save();")

    def close(self) -> None:
        """Closes the current notebook; its kernel goes on (a notebook opened again joins it)."""
        self.run_async(
            "const w = window.jupyterapp.shell.currentWidget; w.context.model.dirty = false; w.dispose();"
        )

    def close_and_shut_down(self) -> None:
        """Shuts the current notebook's kernel down (its threads would share the 2 cores) and closes it."""
        self.run_async(
            "const w = window.jupyterapp.shell.currentWidget;"
            "await w.sessionContext.shutdown(); w.context.model.dirty = false; w.dispose();"
        )

    def shot(self, name: str, element: WebElement | None = None) -> Path:
        path = self.shots / f"{name}.png"
        if element is not None:
            element.screenshot(str(path))
        else:
            self.driver.save_screenshot(str(path))
        return path

    def keep(self, where: Path) -> Path:
        """Copies the screenshots taken so far, a screenshot of now and the page's HTML to ``where``."""
        where.mkdir(parents=True, exist_ok=True)
        for png in self.shots.glob("*.png"):
            shutil.copy(png, where / png.name)
        self.driver.save_screenshot(str(where / "at-failure.png"))
        (where / "at-failure.html").write_text(self.driver.page_source)
        shutil.copy(self.lab.log_path, where / "lab.log")
        return where
