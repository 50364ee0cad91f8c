"""proxy: forwarding between sockets in a thread, return on context term."""

from __future__ import annotations

import threading

import pytest

from zmqrepl.core import Context, Socket, proxy


def _run(front: Socket, back: Socket, capture: Socket | None, errors: list[BaseException]) -> None:
    try:
        proxy(front, back, capture)
    except BaseException as e:  # noqa: BLE001 - reported to the test thread
        errors.append(e)


def test_proxy_forwards_and_returns_on_term(endpoint: str, new_endpoint: object) -> None:
    ctx = Context()
    front, back, cap = ctx.socket("pull"), ctx.socket("push"), ctx.socket("push")
    front_ep = front.bind(endpoint)
    back_ep = back.bind(new_endpoint())  # type: ignore[operator]
    cap_ep = cap.bind(new_endpoint())  # type: ignore[operator]
    producer, consumer, spy = ctx.socket("push"), ctx.socket("pull"), ctx.socket("pull")
    for s in (consumer, spy):
        s.set("rcvtimeo", 5000)
    producer.connect(front_ep)
    consumer.connect(back_ep)
    spy.connect(cap_ep)
    errors: list[BaseException] = []
    thread = threading.Thread(target=_run, args=(front, back, cap, errors), daemon=True)
    thread.start()
    producer.send_multipart([b"job", b"1"])
    assert consumer.recv_multipart() == [b"job", b"1"]
    for i in range(3):
        producer.send(str(i))
    assert [consumer.recv(as_=str) for _ in range(3)] == ["0", "1", "2"]
    # the capture socket gets a copy of every message that passed
    assert [spy.recv_multipart() for _ in range(4)] == [[b"job", b"1"], [b"0"], [b"1"], [b"2"]]
    ctx.destroy(linger=0)
    thread.join(5)
    assert not thread.is_alive(), "proxy did not return after term"
    assert errors == []
    assert front.closed and back.closed and cap.closed


def test_proxy_req_rep_through_router_dealer(ctx: Context, endpoint: str, new_endpoint: object) -> None:
    other = Context()
    front, back = other.socket("router"), other.socket("dealer")
    front_ep, back_ep = front.bind(endpoint), back.bind(new_endpoint())  # type: ignore[operator]
    thread = threading.Thread(target=_run, args=(front, back, None, []), daemon=True)
    thread.start()
    client, worker = other.socket("req"), other.socket("rep")
    for s in (client, worker):
        s.set("rcvtimeo", 5000)
        s.set("linger", 0)
    client.connect(front_ep)
    worker.connect(back_ep)
    client.send(b"question")
    assert worker.recv() == b"question"
    worker.send(b"answer")
    assert client.recv() == b"answer"
    other.term()  # the client and worker are idle: term closes them
    thread.join(5)
    assert not thread.is_alive()


def test_proxy_type_checks_and_closed_socket(ctx: Context) -> None:
    a, b = ctx.socket("pull"), ctx.socket("push")
    with pytest.raises(TypeError, match="frontend must be a Socket"):
        proxy("a", b)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="capture must be a Socket"):
        proxy(a, b, 3)  # type: ignore[arg-type]
    b.close()
    with pytest.raises(Exception, match="PUSH socket is closed"):
        proxy(a, b)
    assert not a.closed
