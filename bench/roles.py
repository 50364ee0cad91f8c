"""The measured loops and their peers, in Python; bench/c/zbench.c mirrors them line by line.

Throughput, receive side (``pull``, fed by ``source``): each block is timed from its first
message to its last, so start-up and connection set-up are not counted. Send side (``push``,
drained by ``sink``): one warm-up message first (a bound PUSH blocks until a peer is
connected), then the timed sends; the sink acknowledges each block so blocks never overlap.
Each block has its own socket pair and high-water mark. Latency (``req`` against ``rep``):
a tenth of the round trips as warm-up, then every round trip timed. PUB/SUB (``sub``, fed
by the C ``pub``): the publisher sends empty hellos until every subscriber has reported one
(no slow joiner), then the blocks, lossless (no high-water mark on either side), waiting for
every subscriber's ack after each block so that no block starts already queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter, perf_counter_ns
from typing import Any, Callable

from .bindings import Binding
from .config import Block

__all__ = ["ROLES", "Job", "Row"]

Row = tuple[float, ...]
BATCH = 1024


@dataclass(frozen=True)
class Job:
    binding: Binding
    ctx: Any
    endpoints: list[str]
    control: str
    plan: list[Block]
    subs: int


def _block_sockets(job: Job, kind: str, bind: bool) -> list[Any]:
    return [
        job.binding.socket(job.ctx, kind, ep, bind=bind, sndhwm=b.hwm, rcvhwm=b.hwm)
        for ep, b in zip(job.endpoints, job.plan)
    ]


def _close(*socks: Any) -> None:
    for sock in socks:
        sock.close()


def _recv_rate(recv: Callable[[], bytes], n: int) -> float:
    recv()
    t0 = perf_counter()
    for _ in range(n - 1):
        recv()
    return (n - 1) / (perf_counter() - t0)


def pull(job: Job) -> list[Row]:
    socks = _block_sockets(job, "pull", bind=True)
    rows: list[Row] = [(b.size, _recv_rate(s.recv, b.count)) for s, b in zip(socks, job.plan)]
    _close(*socks)
    return rows


def pull_view(job: Job) -> list[Row]:
    """The receive side without copying frames out (zmqrepl ``recv(as_=memoryview)``,
    pyzmq ``recv(copy=False)``); the C loop never copies, so its ``pull`` is the reference."""
    socks = _block_sockets(job, "pull", bind=True)
    rows: list[Row] = [
        (b.size, _recv_rate(job.binding.recv_view(s), b.count)) for s, b in zip(socks, job.plan)
    ]
    _close(*socks)
    return rows


def pull_many(job: Job) -> list[Row]:
    """The receive side through a batch API, ``sock.recv_many(max_n)`` returning a list;
    timed from the return of the first batch, so its messages are not counted."""
    socks = _block_sockets(job, "pull", bind=True)
    rows: list[Row] = []
    for sock, b in zip(socks, job.plan):
        recv_many = sock.recv_many
        first = len(recv_many(BATCH))
        got, t0 = first, perf_counter()
        while got < b.count:
            got += len(recv_many(min(BATCH, b.count - got)))
        rows.append((b.size, (got - first) / (perf_counter() - t0)))
    _close(*socks)
    return rows


def source(job: Job) -> list[Row]:
    socks = _block_sockets(job, "push", bind=False)
    for sock, b in zip(socks, job.plan):
        send, data = sock.send, b"x" * b.size
        for _ in range(b.count):
            send(data)
    _close(*socks)
    return []


def push(job: Job) -> list[Row]:
    ack = job.binding.socket(job.ctx, "pull", job.control, bind=True)
    socks = _block_sockets(job, "push", bind=True)
    rows: list[Row] = []
    for sock, b in zip(socks, job.plan):
        send, data = sock.send, b"x" * b.size
        send(data)
        t0 = perf_counter()
        for _ in range(b.count):
            send(data)
        elapsed = perf_counter() - t0
        ack.recv()
        rows.append((b.size, b.count / elapsed))
    _close(ack, *socks)
    return rows


def sink(job: Job) -> list[Row]:
    ack = job.binding.socket(job.ctx, "push", job.control, bind=False)
    socks = _block_sockets(job, "pull", bind=False)
    for sock, b in zip(socks, job.plan):
        recv = sock.recv
        for _ in range(b.count + 1):
            recv()
        ack.send(b"")
    _close(ack, *socks)
    return []


def _warmup(n: int) -> int:
    return max(1, n // 10)


def req(job: Job) -> list[Row]:
    sock = job.binding.socket(job.ctx, "req", job.endpoints[0], bind=False)
    send, recv, clock = sock.send, sock.recv, perf_counter_ns
    rows: list[Row] = []
    for b in job.plan:
        data = b"x" * b.size
        for _ in range(_warmup(b.count)):
            send(data)
            recv()
        samples: list[int] = []
        append = samples.append
        for _ in range(b.count):
            t0 = clock()
            send(data)
            recv()
            append(clock() - t0)
        samples.sort()
        n = len(samples)
        rows.append((b.size, sum(samples) / n / 1e3, samples[n // 2] / 1e3, samples[int(n * 0.99)] / 1e3))
    _close(sock)
    return rows


def rep(job: Job) -> list[Row]:
    sock = job.binding.socket(job.ctx, "rep", job.endpoints[0], bind=True)
    send, recv = sock.send, sock.recv
    for _ in range(sum(b.count + _warmup(b.count) for b in job.plan)):
        send(recv())
    _close(sock)
    return []


def sub(job: Job) -> list[Row]:
    sock = job.binding.socket(job.ctx, "sub", job.endpoints[0], bind=False, rcvhwm=0)
    job.binding.subscribe_all(sock)
    sync = job.binding.socket(job.ctx, "push", job.control, bind=False)
    recv = sock.recv
    recv()
    sync.send(b"")
    rows: list[Row] = []
    for b in job.plan:
        while not recv():
            pass  # hellos still queued from the handshake
        t0 = perf_counter()
        for _ in range(b.count - 1):
            recv()
        rate = (b.count - 1) / (perf_counter() - t0)
        sync.send(b"")
        rows.append((b.size, rate))
    _close(sock, sync)
    return rows


ROLES: dict[str, Callable[[Job], list[Row]]] = {
    "pull": pull,
    "pull_many": pull_many,
    "pull_view": pull_view,
    "source": source,
    "push": push,
    "sink": sink,
    "req": req,
    "rep": rep,
    "sub": sub,
}
