"""A short live demo of zmqrepl.core: PUB/SUB traffic, then a REQ/REP round trip."""

from __future__ import annotations

import threading
import time

from .core import Context, Option, PollItem, Socket, poll, zmq_version

__all__ = ["run_demo"]


def _publisher(ctx: Context, endpoint: str, stop: threading.Event) -> None:
    with ctx.socket("pub") as pub:
        pub.connect(endpoint)
        n = 0
        while not stop.is_set():
            n += 1
            topic = ("weather", "prices", "news")[n % 3]
            pub.send_multipart([topic, f'{{"seq": {n}, "t": {time.time():.3f}}}'])
            time.sleep(0.2)


def run_demo(seconds: float = 3.0) -> int:
    print(f"zmqrepl.core demo on libzmq {'.'.join(map(str, zmq_version()))}")
    with Context() as ctx:
        sub = Socket("sub", ctx)
        endpoint = sub.bind("tcp://127.0.0.1:*")
        sub.set(Option.SUBSCRIBE, b"")
        stop = threading.Event()
        thread = threading.Thread(target=_publisher, args=(ctx, endpoint, stop), daemon=True)
        thread.start()
        print(f"SUB bound at {endpoint}; watching a PUB for {seconds:.0f} s (Ctrl-C stops)")
        deadline = time.monotonic() + seconds
        items = [PollItem(sub, in_=True)]
        try:
            while time.monotonic() < deadline:
                if poll(items, timeout=100) and items[0].readable:
                    topic, body = sub.recv_multipart(as_=str) or ["", ""]
                    print(f"  {time.strftime('%H:%M:%S')}  {topic:<8} {body}")
        except KeyboardInterrupt:
            print("  (interrupted)")
        stop.set()
        thread.join()
        rep, req = Socket("rep", ctx), Socket("req", ctx)
        req.connect(rep.bind("inproc://demo"))
        req.send("ping")
        print(f"REQ sent 'ping'; REP got {rep.recv(as_=str)!r} and answers 'pong'")
        rep.send("pong")
        print(f"REQ got {req.recv(as_=str)!r}")
        ctx.destroy(linger=0)
    print("The interactive shell comes next; see README.md for the core API.")
    return 0
