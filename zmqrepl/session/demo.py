"""The demo peer: a publisher of sample multipart messages, for ``zmqrepl --demo``.

It is an independent peer with its own context (like a service you would debug),
not one of the session's sockets.
"""

from __future__ import annotations

import json
import random
import threading
import time

from ..core import Context, Option

__all__ = ["DemoPublisher"]

_TOPICS = ("weather", "prices", "alerts")


class DemoPublisher:
    """Publishes [topic, JSON body, 4 raw bytes] about five times a second."""

    def __init__(self, rate: float = 5.0) -> None:
        self._ctx = Context()
        self._pub = self._ctx.socket("pub")
        self._pub.set(Option.LINGER, 0)
        self.endpoint = self._pub.bind("tcp://127.0.0.1:*")
        self._interval = 1.0 / rate
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="zmqrepl-demo", daemon=True)

    def start(self) -> DemoPublisher:
        self._thread.start()
        return self

    def _run(self) -> None:
        seq = 0
        rng = random.Random(7)
        while not self._stop.wait(self._interval):
            seq += 1
            topic = _TOPICS[seq % len(_TOPICS)]
            body = {"seq": seq, "t": round(time.time(), 3), "value": round(rng.uniform(-10, 40), 2)}
            self._pub.send_multipart([topic, json.dumps(body), seq.to_bytes(4, "big")])
        self._pub.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._ctx.destroy(linger=0)
