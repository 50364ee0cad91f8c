"""Benchmarks of zmqrepl.core against pyzmq and a C loop, all on the same machine.

    $ python -m bench                  # everything, 3 runs, medians (a few minutes)
    $ python -m bench --quick          # 1 run, fewer messages (well under a minute)
    $ python -m bench --only latency --transports tcp --sizes 1,1K --json out.json

Layout: ``config`` (sizes, message counts, the plan of blocks), ``bindings`` (zmqrepl and
pyzmq behind one small interface), ``roles`` (the measured loops, mirrored in ``c/zbench.c``),
``worker`` (one Python process running one role), ``cbuild`` (compiles zbench), ``pyzmq_env``
(pyzmq's interpreter: by default a venv with pyzmq built against the system libzmq), ``runner``
(starts the processes of one session), ``suite`` (which sessions a run holds, the medians),
``report`` (the table and the JSON), ``importtime`` and ``cli``. On their own:
``tap`` (what a Session tap costs) and ``async_bench`` with ``async_worker`` (the async
sockets against zmq.asyncio: ``python -m bench.async_bench``).
"""

__all__: list[str] = []
