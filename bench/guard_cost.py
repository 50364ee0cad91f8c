"""What the per-call thread guard of zmqrepl.core costs on the hot path.

Every zr_* helper takes the socket with an atomic exchange (zr_enter) and gives
it back with an atomic store (zr_leave). This compiles, in a temporary
directory and against the same libzmq, zmqrepl's own C source (so zr_enter and
zr_leave are the real ones) plus three C loops over an inproc PAIR:

  guarded    zr_enter; zmq_send 1 byte; zr_leave  +  zr_enter; zmq_msg_recv; zr_leave
  unguarded  the same libzmq calls without the guard
  guard      zr_enter + zr_leave alone

and times them in C (no Python in the loop), interleaved, best of several
rounds. Run: .venv/bin/python bench/guard_cost.py [--iterations N] [--rounds R]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
from typing import Any

from cffi import FFI

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from zmqrepl.core import _build  # noqa: E402 - after the path is set

BENCH_CDEF = """
double bench_guarded(long n);
double bench_unguarded(long n);
double bench_guard_only(long n);
int bench_setup(void);
void bench_teardown(void);
"""

BENCH_SOURCE = r"""
static void *b_ctx, *b_a, *b_b;
static zr_socket_t *b_st_a, *b_st_b;
static char b_out[512];

static double b_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int bench_setup(void)
{
    b_ctx = zmq_ctx_new();
    b_st_a = zr_socket_new(b_ctx, ZMQ_PAIR);
    b_st_b = zr_socket_new(b_ctx, ZMQ_PAIR);
    if (!b_st_a || !b_st_b)
        return -1;
    b_a = b_st_a->handle;
    b_b = b_st_b->handle;
    /* No high-water mark: a tight non-blocking loop can outrun the read credit
       libzmq sends back to the writer, and each message is read at once anyway. */
    int zero = 0;
    zmq_setsockopt(b_a, ZMQ_SNDHWM, &zero, sizeof zero);
    zmq_setsockopt(b_b, ZMQ_RCVHWM, &zero, sizeof zero);
    if (zmq_bind(b_a, "inproc://guard-cost") < 0 || zmq_connect(b_b, "inproc://guard-cost") < 0)
        return -1;
    return 0;
}

void bench_teardown(void)
{
    zr_close(b_st_a, 1, 0);
    zr_close(b_st_b, 1, 0);
    zr_socket_free(b_st_a);
    zr_socket_free(b_st_b);
    zmq_ctx_term(b_ctx);
}

/* A send on one socket and its receive on the other: the per-message path. */
static inline int b_recv_frame(zr_socket_t *st)
{
    int rc = zmq_msg_recv(&st->msg, st->handle, ZMQ_DONTWAIT);
    if (rc >= 0) {
        size_t size = zmq_msg_size(&st->msg);
        st->data = (const char *)zmq_msg_data(&st->msg);
        st->more = zmq_msg_more(&st->msg);
        if (size <= sizeof b_out)
            memcpy(b_out, st->data, size);
    }
    return rc;
}

double bench_guarded(long n)
{
    double t0 = b_now_ns();
    for (long i = 0; i < n; i++) {
        if (zr_enter(b_st_a)) return -1;
        int rc = zmq_send(b_st_a->handle, "x", 1, ZMQ_DONTWAIT);
        zr_leave(b_st_a);
        if (rc < 0) return -1;
        if (zr_enter(b_st_b)) return -1;
        rc = b_recv_frame(b_st_b);
        zr_leave(b_st_b);
        if (rc < 0) return -1;
    }
    return (b_now_ns() - t0) / n;
}

double bench_unguarded(long n)
{
    double t0 = b_now_ns();
    for (long i = 0; i < n; i++) {
        if (zmq_send(b_st_a->handle, "x", 1, ZMQ_DONTWAIT) < 0) return -1;
        if (b_recv_frame(b_st_b) < 0) return -1;
    }
    return (b_now_ns() - t0) / n;
}

double bench_guard_only(long n)
{
    double t0 = b_now_ns();
    for (long i = 0; i < n; i++) {
        if (zr_enter(b_st_a)) return -1;
        zr_leave(b_st_a);
        __asm__ __volatile__("" ::: "memory");  /* keep the loop */
    }
    return (b_now_ns() - t0) / n;
}
"""


def build(tmp: str) -> Any:  # the compiled cffi lib: its functions are found at run time
    ffi = FFI()
    ffi.cdef(_build.CDEF + BENCH_CDEF)
    source = _build.SOURCE + BENCH_SOURCE
    # zmqrepl's own C files and header, built from tmp (hence the root).
    args = _build.build_args(root=ROOT)
    args["extra_compile_args"].append("-O2")
    try:
        ffi.set_source_pkgconfig("_guard_cost", ["libzmq"], source, **args)
    except Exception:  # noqa: BLE001 - no pkg-config: plain -lzmq, as _build does
        ffi.set_source("_guard_cost", source, libraries=["zmq"], **args)
    path = ffi.compile(tmpdir=tmp, verbose=False)
    spec = importlib.util.spec_from_file_location("_guard_cost", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lib


def python_path_ns(n: int, rounds: int) -> float:
    """ns per 1-byte send + recv through the zmqrepl.core Python API (inproc PAIR)."""
    import time

    from zmqrepl.core import Context

    with Context() as ctx:
        a, b = ctx.socket("pair"), ctx.socket("pair")
        for s in (a, b):
            s.set("linger", 0)
            s.set("hwm", 0)
        a.bind("inproc://guard-cost-py")
        b.connect("inproc://guard-cost-py")
        send, recv = a.send, b.recv
        best = float("inf")
        for _ in range(rounds):
            t0 = time.perf_counter_ns()
            for _ in range(n):
                send(b"x")
                recv()
            best = min(best, (time.perf_counter_ns() - t0) / n)
        a.close()
        b.close()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="guard-cost") as tmp:
        lib = build(tmp)
        if lib.bench_setup() < 0:
            sys.exit("could not set up the inproc PAIR")
        n = args.iterations
        lib.bench_unguarded(n // 10)  # warm up: pipes, caches
        best = {"guarded": float("inf"), "unguarded": float("inf"), "guard": float("inf")}
        for _ in range(args.rounds):
            for name, fn in (
                ("unguarded", lib.bench_unguarded),
                ("guarded", lib.bench_guarded),
                ("guard", lib.bench_guard_only),
            ):
                ns = fn(n)
                if ns < 0:
                    sys.exit(f"{name}: a libzmq call failed")
                best[name] = min(best[name], ns)
        lib.bench_teardown()
    unguarded, guarded, guard = best["unguarded"], best["guarded"], best["guard"]
    per_call = guard  # one enter + leave pair
    print(
        f"1-byte send + recv over inproc, {n} iterations, best of {args.rounds} rounds "
        f"(libzmq via zmqrepl's C source, -O2):"
    )
    print(f"  without guard           {unguarded:8.1f} ns per message (send + recv)")
    print(f"  with guard              {guarded:8.1f} ns per message (2 enter/leave pairs)")
    print(
        f"  difference              {guarded - unguarded:8.1f} ns = "
        f"{100 * (guarded - unguarded) / unguarded:.1f} % of the unguarded send + recv"
    )
    print(
        f"  enter + leave alone     {per_call:8.1f} ns per call "
        f"(x2 per message = {200 * per_call / unguarded:.1f} % of the send + recv)"
    )
    py = python_path_ns(max(n // 5, 1000), args.rounds)
    print(f"through the Python API (Socket.send + Socket.recv, same pattern): {py:.0f} ns per message;")
    print(f"  the guard's {guarded - unguarded:.1f} ns is {100 * (guarded - unguarded) / py:.1f} % of it")


if __name__ == "__main__":
    main()
