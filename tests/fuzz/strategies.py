"""Hypothesis strategies for operation sequences on zmqrepl.core (run by child.py).

An operation is a JSON list, ``[name, *args]``; child.py's ``Sequence.op_<name>``
runs it. Sockets and contexts are named by small indexes into the sequence's
lists (taken modulo their length), so every generated sequence is runnable and
operations land on closed sockets and terminated contexts often.

A sequence is {"id", "main": [ops], "other": [ops], "start": k}: "other" runs in a
second thread started before main's k-th operation, on the same objects.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from zmqrepl.core import Option, SocketType, ValueType

SOCKET_TYPES = [t.name.lower() for t in SocketType]
# Timeouts and linger stay short: the harness must never wait on purpose.
SHORT_MS = st.sampled_from([0, 1, 2, 5, 10, 20])
LINGER_MS = st.sampled_from([0, 1, 10, 50])

INDEX = st.integers(0, 7)
CTX = st.one_of(st.integers(0, 3), st.just("d"))
ENDPOINT = st.one_of(
    st.tuples(st.just("inproc"), st.integers(-1, 3)),
    st.tuples(st.just("ipc"), st.integers(0, 3)),
    st.tuples(st.just("tcp")),
    st.tuples(st.just("bound"), INDEX),
    st.tuples(st.just("bad"), st.integers(0, 40)),
    st.tuples(st.just("type"), st.integers(0, 3)),
).map(list)

PAYLOAD = st.one_of(
    st.tuples(st.just("bytes"), st.sampled_from([0, 1, 7, 511, 512, 513, 4096]), st.integers(0, 255)),
    st.tuples(st.just("str"), st.text(max_size=8)),
    st.tuples(st.just("bytearray"), st.integers(0, 600)),
    st.tuples(st.just("memoryview"), st.integers(0, 600)),
    st.tuples(st.just("large"), st.sampled_from([64, 65, 200])),
    st.tuples(st.just("nonutf8")),
    st.tuples(st.just("int"), st.integers(-1, 3)),
    st.tuples(st.just("float")),
    st.tuples(st.just("none")),
    st.tuples(st.just("dict")),
).map(list)
GOOD_PAYLOAD = st.one_of(
    st.tuples(st.just("bytes"), st.sampled_from([0, 1, 5, 600]), st.integers(0, 255)),
    st.tuples(st.just("str"), st.text(max_size=4)),
    st.tuples(st.just("nonutf8")),
    st.tuples(st.just("large"), st.just(64)),
).map(list)
FRAMES = st.lists(st.one_of(GOOD_PAYLOAD, PAYLOAD), min_size=0, max_size=4)

INT_VALUES = st.one_of(
    st.sampled_from([0, 1, 2, 100, 1000, -1, -2, 2**31 - 1, 2**31, -(2**31) - 1, 2**63, 2**64, -(2**63)]),
    st.integers(-5, 70000),
)
BAD_VALUES = st.sampled_from([["float"], ["none"], ["list"], ["str", "12"], ["bytes", 4, 0], ["bool", True]])


def _int_values(option: Option) -> st.SearchStrategy[Any]:
    if option in (Option.LINGER,):
        good = LINGER_MS
    elif option in (Option.RCVTIMEO, Option.SNDTIMEO):
        good = SHORT_MS
    elif option is Option.USE_FD:
        good = st.sampled_from([-1, -2])  # a real fd would hand libzmq a stranger's socket
    elif option in (Option.SNDBUF, Option.RCVBUF):
        good = st.sampled_from([-1, 0, 1, 4096, 2**31 - 1])
    else:
        good = INT_VALUES
    values = good.map(lambda v: ["int", v])
    if option in (Option.LINGER, Option.RCVTIMEO, Option.SNDTIMEO):
        values = st.one_of(values, st.sampled_from([["int", -2], ["int", 2**31], ["int", -(2**40)]]))
    return values


def _option_values(option: Option) -> st.SearchStrategy[Any]:
    vt = option.value_type
    if vt is ValueType.BOOL:
        good = st.one_of(
            st.booleans().map(lambda b: ["bool", b]),
            st.sampled_from([["int", 0], ["int", 1], ["int", 2], ["int", -1]]),
        )
    elif vt in (ValueType.INT, ValueType.INT64, ValueType.UINT64):
        good = _int_values(option)
    elif vt is ValueType.CURVE_KEY:
        good = st.one_of(
            st.sampled_from([32, 40, 0, 31, 41]).map(lambda n: ["bytes", n, 65]),
            st.just(["str", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"]),  # a Z85 key
            st.just(["str", "x" * 40]),
        )
    else:
        good = st.one_of(
            st.tuples(st.just("bytes"), st.sampled_from([0, 1, 5, 255, 256, 1000]), st.integers(0, 255)).map(
                list
            ),
            st.tuples(
                st.just("str"),
                st.sampled_from(["", "a", "127.0.0.1", "127.0.0.1:1", "\u00e9", "x" * 300, "abc\u0000def"]),
            ).map(list),
            st.tuples(st.just("bytearray"), st.integers(0, 10)).map(list),
        )
    return st.one_of(good, good, BAD_VALUES)


OPTIONS = list(Option)
OPTION_NAME = st.one_of(
    st.sampled_from(OPTIONS).map(lambda o: o.name.lower()),
    st.sampled_from(OPTIONS).map(int),
    st.sampled_from(["identity", "hwm", "HWM", "swap", "mcast_loop", "no_such_option", "", "Linger"]),
    st.sampled_from([0, -1, 999, 2**40]),
    st.sampled_from([["none"], ["float"], ["bool"]]),
)


def _op(name: str, *args: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    return st.tuples(st.just(name), *args).map(list)


def _bad_name(value: Any) -> Any:
    if isinstance(value, list):
        return {"none": None, "float": 1.0, "bool": True}[value[0]]
    return value


_SET_GOOD = st.one_of(
    [
        _op("set", INDEX, st.sampled_from([option.name.lower(), int(option)]), _option_values(option))
        for option in OPTIONS
    ]
)
SET = st.one_of(
    _SET_GOOD, _SET_GOOD, _SET_GOOD, _SET_GOOD, _op("set", INDEX, OPTION_NAME.map(_bad_name), BAD_VALUES)
)
GET = _op("get", INDEX, OPTION_NAME.map(_bad_name))

AS = st.sampled_from(["bytes", "bytes", "str", "memoryview", "keep", "copy", "raise", "view", "bad"])
BOOL = st.booleans()
SOCK_KIND = st.one_of(
    st.sampled_from(SOCKET_TYPES),
    st.sampled_from(SOCKET_TYPES).map(str.upper),
    st.integers(0, 11),
    st.sampled_from(["xreq", "xrep", "nope", 12, -1, 99]),
    st.just(None),
)
ANY_PAYLOAD = st.one_of(GOOD_PAYLOAD, PAYLOAD)
ONE_MESSAGE = st.one_of(_op("one", ANY_PAYLOAD), _op("many", FRAMES))

SOCK = _op("sock", CTX, SOCK_KIND, LINGER_MS, SHORT_MS, SHORT_MS)
BIND = _op("bind", INDEX, ENDPOINT)
CONNECT = _op("connect", INDEX, ENDPOINT)
SEND = _op("send", INDEX, ANY_PAYLOAD, BOOL, BOOL)
RECV = _op("recv", INDEX, BOOL, AS)
POLL = _op(
    "poll",
    st.lists(st.tuples(INDEX, BOOL, BOOL).map(list), max_size=3),
    st.sampled_from([0, 0, 1, 5, 20, 0.5, -0.0]),
    BOOL,
    st.sampled_from(["", "", "", "", "neg", "obj", "none"]),
)

# Short calls repeated back to back, to widen the windows in which the other
# thread finds a socket busy, closed under it, or its context terminating.
QUICK = st.one_of(
    _op("recv", INDEX, st.just(True), st.sampled_from(["bytes", "keep"])),
    _op("send", INDEX, GOOD_PAYLOAD, st.just(True), st.just(False)),
    _op("get", INDEX, st.sampled_from(["type", "events", "rcvmore", "linger", "last_endpoint"])),
    _op("set", INDEX, st.just("sndhwm"), st.just(["int", 10])),
    _op("recv_many", INDEX, st.just(10), st.just(True), st.just(1 << 20)),
    _op(
        "poll",
        st.lists(st.tuples(INDEX, st.just(True), BOOL).map(list), min_size=1, max_size=2),
        st.just(0),
        st.just(False),
        st.just(""),
    ),
)
REPEAT = _op("repeat", st.sampled_from([5, 20, 100]), QUICK)
LONG_REPEAT = _op("repeat", st.sampled_from([300, 1000]), QUICK)

# Repeated entries weigh the choice: one_of picks a branch uniformly.
OPERATION = st.one_of(
    REPEAT,
    REPEAT,
    SOCK,
    SOCK,
    SOCK,
    BIND,
    BIND,
    CONNECT,
    CONNECT,
    _op("unbind", INDEX, ENDPOINT),
    _op("disconnect", INDEX, ENDPOINT),
    SET,
    SET,
    GET,
    SEND,
    SEND,
    SEND,
    _op("send_multipart", INDEX, FRAMES, BOOL),
    _op("send_many", INDEX, st.lists(ONE_MESSAGE, max_size=5), BOOL),
    RECV,
    RECV,
    RECV,
    _op("recv_multipart", INDEX, BOOL, AS),
    _op(
        "recv_many",
        INDEX,
        st.sampled_from([1, 2, 10, 1000, 0, -1, 2**40, 1.5]),
        BOOL,
        st.sampled_from([16 * 1024 * 1024, 1, 0, 100, -1, 2**70]),
    ),
    POLL,
    POLL,
    _op("close", INDEX, st.sampled_from([None, 0, 0, 10, "x", 1.0])),
    _op("term", CTX),
    _op("destroy", CTX, st.sampled_from([0, 0, None, 5, "x"])),
    _op("del", INDEX),
    _op("ctx", st.sampled_from([1, 1, 0, 2, -1, "2", 1.0, True])),
    _op(
        "info",
        INDEX,
        st.sampled_from(["repr", "fd", "events", "last_endpoint", "more", "endpoints", "ctxrepr"]),
    ),
    _op("monitor", INDEX, st.sampled_from(["start", "recv", "recv", "close"]), st.sampled_from([0, 1, 10])),
    _op("sleep", st.sampled_from([0, 1, 5])),
)


# Sequences start with a few sockets wired together so that messages flow.
@st.composite
def opening(draw: st.DrawFn) -> list[list[Any]]:
    pair = draw(
        st.sampled_from(
            [
                ("push", "pull"),
                ("pair", "pair"),
                ("req", "rep"),
                ("dealer", "router"),
                ("pub", "sub"),
                ("xpub", "xsub"),
                ("router", "dealer"),
                ("dealer", "dealer"),
                ("stream", "stream"),
                ("router", "req"),
                ("rep", "dealer"),
                ("xsub", "xpub"),
            ]
        )
    )
    transport = draw(st.sampled_from([["inproc", 0], ["ipc", 0], ["tcp"]]))
    ops: list[list[Any]] = [
        ["sock", 0, pair[0], draw(LINGER_MS), draw(SHORT_MS), draw(SHORT_MS)],
        ["sock", 0, pair[1], draw(LINGER_MS), draw(SHORT_MS), draw(SHORT_MS)],
        ["bind", 0, transport],
        ["connect", 1, ["bound", 0] if transport == ["tcp"] else transport],
    ]
    if pair[1] == "sub":
        ops.append(["set", 1, "subscribe", ["str", ""]])
    return ops


# The end of a socket's life while another thread uses it: close, term or destroy.
ENDING = st.one_of(
    _op("close", INDEX, st.sampled_from([None, 0])),
    _op("term", st.just(0)),
    _op("destroy", st.just(0), st.sampled_from([0, None])),
    _op("del", INDEX),
)


@st.composite
def sequence(draw: st.DrawFn, seq_id: int) -> dict[str, Any]:
    main = draw(opening()) + draw(st.lists(OPERATION, min_size=1, max_size=14))
    shape = draw(st.sampled_from(["single", "threads", "threads", "race"]))
    other: list[list[Any]] = []
    if shape == "threads":
        other = draw(st.lists(OPERATION, min_size=1, max_size=8))
    start = draw(st.integers(2, len(main)))
    if shape == "race":
        # The second thread hammers the sockets with short calls while this one
        # ends them after a moment: the windows where races live.
        other = draw(st.lists(st.one_of(LONG_REPEAT, REPEAT, OPERATION), min_size=1, max_size=4))
        ending = [["sleep", draw(st.sampled_from([0, 1, 2]))], draw(ENDING)]
        main = main[:start] + ending + main[start:]
    return {"id": seq_id, "main": main, "other": other, "start": start}


@st.composite
def batch(draw: st.DrawFn, first_id: int, size: int) -> list[dict[str, Any]]:
    return [draw(sequence(first_id + i)) for i in range(size)]
