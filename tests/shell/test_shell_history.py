"""The shell's history file: secrets and giants are neither loaded nor kept."""

from __future__ import annotations

from pathlib import Path

from zmqrepl.core import curve_keypair
from zmqrepl.shell.history import MAX_ENTRY, ShellHistory


def test_an_old_history_file_with_a_secret_does_not_bring_it_back(tmp_path: Path) -> None:
    secret = curve_keypair()[1].decode()
    path = tmp_path / "history"
    # As prompt_toolkit's FileHistory wrote it before secrets were kept out.
    path.write_text(
        f"\n# 2026-11-30 10:00:00\n+socket s dealer\n"
        f"\n# 2026-11-30 10:00:01\n+set s curve_secretkey '{secret}'\n"
        f"\n# 2026-11-30 10:00:02\n+auth plain admin hunter2\n"
        f"\n# 2026-11-30 10:00:03\n+connect s tcp://127.0.0.1:5555\n",
        encoding="utf-8",
    )
    history = ShellHistory(path)
    assert list(history.load_history_strings()) == ["connect s tcp://127.0.0.1:5555", "socket s dealer"]


def test_secrets_and_giants_are_kept_neither_in_memory_nor_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "history"
    history = ShellHistory(path)
    giant = "send s " + "x" * MAX_ENTRY
    for line in ("sockets", "set s plain_password hunter2", giant, "sett s curve_secretkey abc", "version"):
        history.append_string(line)
    assert history.get_strings() == ["sockets", "version"]
    text = path.read_text(encoding="utf-8")
    assert "+sockets\n" in text and "+version\n" in text
    assert "hunter2" not in text and "curve_secretkey" not in text and "x" * 100 not in text
