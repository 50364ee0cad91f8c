"""Socket.monitor: typed events, safe teardown."""

from __future__ import annotations

import time

import pytest

from zmqrepl.core import Context, Event, Monitor, MonitorEvent, Socket, ZMQError

from .support import curve_pair

TRANSPORTS = ["tcp://127.0.0.1:*", "ipc"]  # inproc connections raise no monitor events


@pytest.fixture(params=TRANSPORTS)
def net_endpoint(request: pytest.FixtureRequest, short_dir: str) -> str:
    return f"ipc://{short_dir}/mon" if request.param == "ipc" else request.param


def wait_for(mon: Monitor, wanted: Event, timeout: float = 5.0) -> list[MonitorEvent]:
    """Events up to and including the first of kind ``wanted``."""
    seen: list[MonitorEvent] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ev = mon.recv(timeout=100)
        if ev is None:
            continue
        assert isinstance(ev, MonitorEvent) and isinstance(ev.event, Event)
        seen.append(ev)
        if ev.event & wanted:
            return seen
    pytest.fail(f"no {wanted!r} event; saw {seen}")


def test_connected_accepted_disconnected_closed(ctx: Context, net_endpoint: str) -> None:
    server, client = ctx.socket("rep"), ctx.socket("req")
    for s in (server, client):
        s.set("linger", 0)
    server_mon = server.monitor()
    client_mon = client.monitor(Event.CONNECTED | Event.DISCONNECTED)
    ep = server.bind(net_endpoint)
    listening = wait_for(server_mon, Event.LISTENING)[-1]
    assert listening.endpoint == ep
    client.connect(ep)
    connected = wait_for(client_mon, Event.CONNECTED)[-1]
    assert connected.endpoint == ep and connected.value >= 0  # the fd
    assert "connected" in str(connected)
    wait_for(server_mon, Event.ACCEPTED)
    client.close()
    assert client_mon.socket.closed  # closing the socket stops its monitor first
    wait_for(server_mon, Event.DISCONNECTED)
    server.unbind(ep)
    assert wait_for(server_mon, Event.CLOSED)[-1].endpoint == ep
    server_mon.close()
    assert server_mon.socket.closed
    server.close()


def test_monitor_filter(ctx: Context, net_endpoint: str) -> None:
    server = ctx.socket("pull")
    mon = server.monitor(Event.ACCEPTED)
    client = ctx.socket("push")
    client.set("linger", 0)
    client.connect(server.bind(net_endpoint))
    events = wait_for(mon, Event.ACCEPTED)
    assert [e.event for e in events] == [Event.ACCEPTED]  # no LISTENING: filtered out
    mon.close()


def test_monitor_handshake_failure_wrong_curve_key(ctx: Context) -> None:
    server, client = curve_pair(ctx, "pull", "push", wrong_server_key=True)
    client.set("linger", 0)
    mon = server.monitor()
    client.connect(server.bind("tcp://127.0.0.1:*"))
    failed = Event.HANDSHAKE_FAILED_NO_DETAIL | Event.HANDSHAKE_FAILED_PROTOCOL | Event.HANDSHAKE_FAILED_AUTH
    events = wait_for(mon, failed)
    assert not any(e.event is Event.HANDSHAKE_SUCCEEDED for e in events)
    mon.close()


def test_handshake_succeeded(ctx: Context, net_endpoint: str) -> None:
    server, client = ctx.socket("pull"), ctx.socket("push")
    client.set("linger", 0)
    mon = client.monitor()
    client.connect(server.bind(net_endpoint))
    wait_for(mon, Event.HANDSHAKE_SUCCEEDED)
    mon.close()


def test_one_monitor_per_socket_and_context_manager(ctx: Context) -> None:
    s = ctx.socket("dealer")
    with s.monitor() as mon:
        with pytest.raises(ZMQError, match="already has a monitor"):
            s.monitor()
        assert "DEALER" in repr(mon)
    assert mon.socket.closed
    again = s.monitor()  # allowed once the first is closed
    again.close()
    again.close()  # idempotent


def test_iterating_stops_when_socket_closed(ctx: Context) -> None:
    s = ctx.socket("pull")
    mon = s.monitor()
    s.bind("tcp://127.0.0.1:*")
    first = next(iter(mon))
    assert first.event is Event.LISTENING
    s.close()
    assert list(mon) == []


def test_monitor_teardown_when_context_terminates() -> None:
    c = Context()
    s = c.socket("rep")
    mon = s.monitor()
    s.bind("tcp://127.0.0.1:*")
    c.term()  # must not hang on the monitor's PAIR socket
    assert s.closed and mon.socket.closed


def test_monitor_of_closed_socket(ctx: Context) -> None:
    s: Socket = ctx.socket("pair")
    s.close()
    with pytest.raises(ZMQError, match="closed"):
        s.monitor()
