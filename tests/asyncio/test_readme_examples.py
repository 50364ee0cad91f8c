"""The README's asyncio and trio examples run, and print what the README shows."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.peers import ROOT


def _examples() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Async: asyncio, uvloop, trio") :]
    section = section[: section.index("\nHow it behaves:")]
    blocks = re.findall(r"```python\n(.*?)```\n\n```\n(.*?)```", section, re.S)
    return [(code, output) for code, output in blocks]


def test_the_readme_has_both_examples() -> None:
    codes = [code for code, _ in _examples()]
    assert len(codes) == 2
    assert "asyncio.run(main())" in codes[0] and "trio.run(main)" in codes[1]


@pytest.mark.parametrize("index", [0, 1])
def test_a_readme_example_prints_what_the_readme_shows(index: int) -> None:
    code, output = _examples()[index]
    result = subprocess.run(
        [sys.executable, "-W", "always", "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=str(ROOT),
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, output, "")
