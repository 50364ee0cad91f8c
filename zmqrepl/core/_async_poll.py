"""What the asyncio and anyio ``poll()`` share: the async socket behind each item."""

from __future__ import annotations

from typing import Sequence, TypeVar

from ._async_socket import AsyncSocketBase
from .poll import PollItem

_S = TypeVar("_S", bound=AsyncSocketBase)


def poll_owners(
    items: Sequence[PollItem], cls: type[_S], family: str, fd_hint: str
) -> list[tuple[PollItem, _S]]:
    """Each item with the async socket of class ``cls`` that owns its socket, or
    TypeError: ``family`` names the front end ("asyncio", "anyio") and ``fd_hint`` how
    it waits on a plain fd instead."""
    owners: list[tuple[PollItem, _S]] = []
    for item in items:
        if not isinstance(item, PollItem) or item.socket is None:
            raise TypeError(
                f"poll() takes PollItems over {family} sockets (hint: PollItem(sock, in_=True); "
                f"for a plain fd use {fd_hint})"
            )
        ref = item.socket._async_owner
        owner = ref() if ref is not None else None
        if not isinstance(owner, cls):
            raise TypeError(
                f"poll() takes {family} sockets (hint: wrap a plain one: zmqrepl.core.{family}.Socket(sock))"
            )
        owners.append((item, owner))
    return owners
