"""A live pane's last word when its kernel shuts down: a final update that says when it
stopped, sent by the extension's exit hook before the kernel's channels close."""

from __future__ import annotations

import re
import time
from typing import Any

from jupyter_client.manager import start_new_kernel

DEADLINE_S = 30.0


def _reply(kc: Any, code: str) -> list[dict[str, Any]]:
    """Runs ``code``; the iopub messages it caused, up to its idle status."""
    msg_id = kc.execute(code)
    kc.get_shell_msg(timeout=DEADLINE_S)
    seen = []
    while True:
        msg = kc.get_iopub_msg(timeout=DEADLINE_S)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        seen.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return seen


def test_a_kernel_shutting_down_sends_the_panes_stopped_snapshot() -> None:
    km, kc = start_new_kernel(kernel_name="python3", startup_timeout=60)
    try:
        _reply(kc, "%load_ext zmqrepl\n%zmq socket s sub")
        shown = [m for m in _reply(kc, "w = %zmq watch s") if m["msg_type"] == "display_data"]
        assert len(shown) == 1
        display_id = shown[0]["content"]["transient"]["display_id"]
        assert "as of" in shown[0]["content"]["data"]["text/html"]

        kc.shutdown()  # a shutdown_request, as a front end sends one: the kernel exits by itself
        deadline = time.monotonic() + DEADLINE_S
        last = None
        while time.monotonic() < deadline:
            msg = kc.get_iopub_msg(timeout=DEADLINE_S)
            if (
                msg["msg_type"] == "update_display_data"
                and msg["content"]["transient"]["display_id"] == display_id
            ):
                last = msg["content"]["data"]["text/html"]
                if "data-state='stopped'" in last:
                    break
        assert last is not None and re.search(r">stopped at \d\d:\d\d:\d\d<", last), last
        assert "<script" not in last
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
