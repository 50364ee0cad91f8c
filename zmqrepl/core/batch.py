"""MessageBatch: many received messages in one buffer, sliced only on demand.

``Socket.recv_many`` drains every ready message in one call into C and returns
a batch: its data is one bytes object plus frame offsets, so receiving costs
about what libzmq costs; a message becomes a list of bytes only when you index
or iterate.

    >>> batch = pull.recv_many(1000)
    >>> len(batch), batch[0]            # messages, and the first one's frames
    (1000, [b'hello'])

``recv_many(n, properties=True)`` also gives each message's properties (see
properties.py): ``batch.properties[j]`` is message j's; it is empty otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Sequence, overload

if TYPE_CHECKING:
    from .properties import MessageProperties

__all__ = ["MessageBatch"]


class MessageBatch(Sequence[list[bytes]]):
    __slots__ = ("data", "ends", "offsets", "properties")

    def __init__(
        self,
        data: bytes,
        offsets: Sequence[int],
        ends: Sequence[int],
        properties: Sequence[MessageProperties] = (),
    ) -> None:
        self.data = data  # every frame, back to back
        self.offsets = offsets  # frame i is data[offsets[i]:offsets[i + 1]]
        self.ends = ends  # message j is frames [ends[j - 1], ends[j])
        # Message j's properties, when recv_many was asked for them (else empty).
        self.properties = properties

    def __len__(self) -> int:
        return len(self.ends)

    @overload
    def __getitem__(self, index: int) -> list[bytes]: ...
    @overload
    def __getitem__(self, index: slice) -> list[list[bytes]]: ...

    def __getitem__(self, index: int | slice) -> list[bytes] | list[list[bytes]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        n = len(self.ends)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("message index out of range")
        first = self.ends[index - 1] if index else 0
        data, offs = self.data, self.offsets
        return [data[offs[i] : offs[i + 1]] for i in range(first, self.ends[index])]

    def __iter__(self) -> Iterator[list[bytes]]:
        data, offs = self.data, self.offsets
        if len(offs) - 1 == len(self.ends):
            # One frame a message (most streams): one comprehension, no generator step and
            # inner loop per message (about half the time for 16-byte messages).
            return iter([[data[a:b]] for a, b in zip(offs, offs[1:])])
        return self._iter_messages()

    def _iter_messages(self) -> Iterator[list[bytes]]:
        data, offs = self.data, self.offsets
        first = 0
        for end in self.ends:
            yield [data[offs[i] : offs[i + 1]] for i in range(first, end)]
            first = end

    def frames(self) -> list[bytes]:
        """Every frame of every message, in order (handy for single-frame streams)."""
        data, offs = self.data, self.offsets
        return [data[offs[i] : offs[i + 1]] for i in range(len(offs) - 1)]

    @property
    def nbytes(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"<MessageBatch {len(self)} messages, {len(self.offsets) - 1} frames, {self.nbytes} bytes>"
