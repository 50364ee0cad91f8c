"""One JupyterLab server and one browser for the whole module; a failing test keeps the
screenshots, the page's HTML and the server's log under ARTIFACTS (named in the report)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, Generator, Iterator

import pytest

from .lab import Lab, Page, chromium

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
# Where a failing browser test leaves what the page showed (.ci/run prints it after a failure).
ARTIFACTS = REPO / ".artifacts" / "browser"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A server whose root holds a copy of every example notebook."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # only this run's failures are left there
    root = tmp_path_factory.mktemp("lab-root")
    for notebook in NOTEBOOKS.glob("*.ipynb"):
        shutil.copy(notebook, root / notebook.name)
    server = Lab(root, tmp_path_factory.mktemp("lab-state"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def page(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    driver = chromium()
    try:
        yield Page(driver, lab, tmp_path_factory.mktemp("shots"))
    finally:
        driver.quit()


@pytest.hookimpl(hookwrapper=True)  # the old style: the test extras allow pytest 7
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, None]:
    report = (yield).get_result()
    browser = getattr(item, "funcargs", {}).get("page")
    if report.failed and isinstance(browser, Page):
        where = ARTIFACTS / re.sub(r"[^\w.-]+", "_", item.name)
        if where.exists():
            shutil.rmtree(where)
        try:
            browser.keep(where)
            report.sections.append(("browser artifacts", f"screenshots, page and server log kept in {where}"))
        except Exception as exc:  # noqa: BLE001 - the browser itself may be what failed
            report.sections.append(("browser artifacts", f"could not keep them in {where}: {exc}"))
