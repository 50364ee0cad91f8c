"""Writes the example notebooks (run: python notebooks/build.py). The .ipynb files are committed."""

from __future__ import annotations

from pathlib import Path

import nbformat

HERE = Path(__file__).parent


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def code(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(text)


PUBLISHER = '''# A peer to look at: a publisher in a background thread, with its own context.
import json, threading, time
from zmqrepl.core import Context

peer_ctx = Context()
pub = peer_ctx.socket("pub")
endpoint = pub.bind("tcp://127.0.0.1:*")
stop = threading.Event()

def publish():
    seq = 0
    while not stop.wait(0.05):
        seq += 1
        topic = "weather" if seq % 2 else "prices"
        pub.send_multipart([topic, json.dumps({"seq": seq, "t": round(time.time(), 3)})])

threading.Thread(target=publish, daemon=True).start()
endpoint'''

REP_SERVER = '''# A REP server in a background thread, with its own context.
import threading
from zmqrepl.core import Context

server_ctx = Context()
rep = server_ctx.socket("rep")
endpoint = rep.bind("tcp://127.0.0.1:*")

def serve():
    for _ in range(3):
        request = rep.recv_multipart()
        rep.send_multipart([b"echo"] + request)

threading.Thread(target=serve, daemon=True).start()
endpoint'''

WORKERS = '''# Two workers in background threads: square each task, push the result.
import threading
from zmqrepl.core import Context

worker_ctx = Context()

def worker(tasks_ep, results_ep, name):
    pull, push = worker_ctx.socket("pull"), worker_ctx.socket("push")
    pull.connect(tasks_ep)
    push.connect(results_ep)
    while (task := pull.recv()) != b"stop":
        push.send_multipart([name, str(int(task) ** 2)])
    pull.close()
    push.close()'''

START_KERNEL = '''# A second kernel, started the way Jupyter starts one. Its connection info holds its
# ports and the HMAC key that signs every message: the key is used below, never shown.
import subprocess
from jupyter_client import KernelManager

km = KernelManager(kernel_name="python3")
km.start_kernel(stderr=subprocess.DEVNULL)  # its warning about TCP without encryption would show here
info = km.get_connection_info()
key = info["key"]
iopub_ep = f"{info['transport']}://{info['ip']}:{info['iopub_port']}"
shell_ep = f"{info['transport']}://{info['ip']}:{info['shell_port']}"
{name: "(hidden)" if name == "key" else value for name, value in info.items()}'''

JUPYTER_MESSAGE = '''import datetime, hashlib, hmac, uuid

session_id = uuid.uuid4().hex

def jupyter_message(msg_type, content):
    """A Jupyter message as frames: delimiter, signature, header, parent, metadata, content.
    The signature is the HMAC-SHA256, with the kernel's key, of the four JSON frames."""
    header = {
        "msg_id": uuid.uuid4().hex, "session": session_id, "username": "zmqrepl",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "msg_type": msg_type, "version": "5.3",
    }
    parts = [json.dumps(part) for part in (header, {}, {}, content)]
    signature = hmac.new(key, "".join(parts).encode(), hashlib.sha256).hexdigest()
    return header["msg_id"], ["<IDS|MSG>", signature, *parts]

code_to_run = {"code": "6 * 7", "silent": False, "store_history": True,
               "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}
msg_id, (delim, signature, header, parent, metadata, content) = jupyter_message("execute_request", code_to_run)
print(header)'''

PUBLISHED = '''import time

def published(msg_id, timeout=30):
    """What the kernel published on iopub in answer to msg_id, as (type, content), once
    its status is back to idle: read from the messages the watch showed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = []
        kept = %zmq history iopub --last 100
        for msg in kept:
            frames = list(msg.frames)  # a topic, then the delimiter and the signed frames
            i = frames.index(b"<IDS|MSG>")
            head, parent_header, _, body = (json.loads(f) for f in frames[i + 2 : i + 6])
            if parent_header.get("msg_id") == msg_id:
                seen.append((head["msg_type"], body))
        if ("status", {"execution_state": "idle"}) in seen:
            return seen
        time.sleep(0.05)
    raise TimeoutError(f"the kernel did not go back to idle within {timeout} s")

answers = published(msg_id)
[kind for kind, _ in answers]'''

NOTEBOOKS = {
    "quickstart": [
        md("# zmqrepl quickstart: watch a publisher live\n\nLoad the extension, start a publisher, "
           "subscribe to one topic and watch messages arrive. The watch pane keeps updating under "
           "its cell while later cells run."),
        code("%load_ext zmqrepl"),
        code(PUBLISHER),
        code("%%zmq\nsocket s sub\nconnect s {endpoint}\nsubscribe s weather"),
        code("w = %zmq watch s"),
        md("The pane above keeps updating while this cell blocks in `time.sleep`:"),
        code("import time\nbefore = w.updates\ntime.sleep(2)\nprint('updates while sleeping:', w.updates - before)"),
        code("print('kept', len(w.messages), 'messages; newest:', w.messages[-1])\n"
             "assert all(m[0] == b'weather' for m in w.messages)"),
        code("%zmq sockets"),
        code("%zmq unwatch s\nstop.set()"),
    ],
    "request_reply": [
        md("# Request / reply\n\nA REP server runs in a thread; the session's REQ socket talks to it."),
        code("%load_ext zmqrepl"),
        code(REP_SERVER),
        code("%%zmq\nsocket client req\nconnect client {endpoint}\nsend client hello"),
        code("reply = %zmq recv client --timeout 5000\nreply"),
        md("Python values go into frames with `{name}`: bytes as hex, str as text, dicts as JSON."),
        code("payload = {'op': 'add', 'args': [1, 2]}\n%zmq send client {payload}\n"
             "reply = %zmq recv client --timeout 5000\nreply"),
        md("`%zmq socket` also returns a handle for Python code, safe while the session reads the socket."),
        code("direct = %zmq socket direct req\ndirect.connect(endpoint)\ndirect.send(b'from python')\n"
             "direct.recv(timeout=5000)"),
        code("%zmq sockets"),
        md("`%zmq peers NAME`: a socket's connections, with what each sent and when."),
        code("%zmq peers client"),
    ],
    "pipeline": [
        md("# Push / pull pipeline\n\nThe session pushes tasks to two workers, which push results "
           "to a sink socket in the session."),
        code("%load_ext zmqrepl"),
        code(WORKERS),
        code("%%zmq\nsocket tasks push\nbind tasks tcp://127.0.0.1:*\nsocket results pull\n"
             "bind results tcp://127.0.0.1:*"),
        code("tasks_ep = %zmq get tasks last_endpoint\nresults_ep = %zmq get results last_endpoint\n"
             "for name in ('w1', 'w2'):\n"
             "    threading.Thread(target=worker, args=(tasks_ep, results_ep, name), daemon=True).start()"),
        code("for n in range(10):\n    %zmq send tasks {n}"),
        code("results = %zmq recv results --count 10 --timeout 5000\nsorted(int(r[1]) for r in results)"),
        code("print('tasks per worker:', {w: sum(r[0] == w for r in results) for w in (b'w1', b'w2')})\n"
             "for _ in range(2):\n    %zmq send tasks stop"),
    ],
    "monitor": [
        md("# Debugging a connection with `monitor`\n\nConnect before the server exists and see the "
           "retries; start the server and see the connection and handshake succeed."),
        code("%load_ext zmqrepl"),
        code("import socket\nprobe = socket.socket()\nprobe.bind(('127.0.0.1', 0))\n"
             "port = probe.getsockname()[1]\nprobe.close()\nendpoint = f'tcp://127.0.0.1:{port}'\nendpoint"),
        code("%%zmq\nsocket c dealer\nset c reconnect_ivl 100"),
        code("events = %zmq monitor c"),
        code("%zmq connect c {endpoint}"),
        md("Nothing listens yet: the pane shows delayed and retried connects."),
        code("import time\ntime.sleep(0.5)\nsorted(events.kinds)"),
        code("from zmqrepl.core import Context\nserver_ctx = Context()\nserver = server_ctx.socket('router')\n"
             "server.bind(endpoint)\ntime.sleep(0.5)\nsorted(events.kinds)"),
        code("%zmq monitor c off"),
    ],
    "jupyter_kernel": [
        md("# Debugging a real program: a Jupyter kernel's own ZeroMQ channels\n\nA Jupyter kernel "
           "talks ZeroMQ: requests come in on its *shell* channel (a ROUTER), and everything it "
           "does is published on *iopub* (a PUB). Here a second kernel is started with "
           "`jupyter_client`, its iopub is watched with a SUB socket, and a request signed with "
           "its key is sent on shell by hand."),
        code("%load_ext zmqrepl"),
        code(START_KERNEL),
        code("%%zmq\nsocket iopub sub\nconnect iopub {iopub_ep}\nsubscribe iopub\n"
             "socket shell dealer\nconnect shell {shell_ep}"),
        md("A SUB socket hears only what is published after its subscription reached the "
           "publisher. This kernel greets each new subscriber with an `iopub_welcome` message: "
           "once it came, nothing is missed."),
        code("import json\nwelcome = %zmq recv iopub --timeout 30000\njson.loads(welcome[2])['msg_type']"),
        code("w = %zmq watch iopub shell"),
        md("A request is six frames after the routing envelope: the delimiter `<IDS|MSG>`, the "
           "HMAC signature, then header, parent header, metadata and content as JSON. The key "
           "signs them; the kernel drops a message whose signature is wrong."),
        code(JUPYTER_MESSAGE),
        code("%zmq send shell {delim} {signature} {header} {parent} {metadata} {content}"),
        md("The pane above shows the kernel at work on iopub: `status` busy, `execute_input`, "
           "`execute_result`, `status` idle; and the `execute_reply` on shell."),
        code(PUBLISHED),
        code("dict(answers)['execute_result']['data']"),
        code("%zmq stats iopub"),
        code("%zmq unwatch\nkm.shutdown_kernel(now=True)"),
    ],
}


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = cells
        nbformat.write(nb, HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
