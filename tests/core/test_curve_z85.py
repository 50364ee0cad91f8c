"""curve_keypair, curve_public, z85_encode / z85_decode, and CURVE on the wire."""

from __future__ import annotations

import pytest

from zmqrepl.core import Again, Context, curve_keypair, curve_public, z85_decode, z85_encode

from .support import curve_pair

# The reference vector from the Z85 specification (rfc.zeromq.org/spec/32).
SPEC_BYTES = bytes([0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B])
SPEC_TEXT = b"HelloWorld"


def test_z85_spec_vector() -> None:
    assert z85_encode(SPEC_BYTES) == SPEC_TEXT
    assert z85_decode(SPEC_TEXT) == SPEC_BYTES
    assert z85_decode("HelloWorld") == SPEC_BYTES
    assert z85_encode(bytearray(SPEC_BYTES)) == SPEC_TEXT
    assert z85_encode(memoryview(SPEC_BYTES)) == SPEC_TEXT


@pytest.mark.parametrize("size", [0, 4, 32, 400])
def test_z85_roundtrip(size: int) -> None:
    data = bytes((i * 37) % 256 for i in range(size))
    text = z85_encode(data)
    assert len(text) == size * 5 // 4
    assert z85_decode(text) == data


@pytest.mark.parametrize("size", [1, 3, 5, 31])
def test_z85_encode_bad_length(size: int) -> None:
    with pytest.raises(ValueError, match="multiple of 4"):
        z85_encode(b"x" * size)


@pytest.mark.parametrize("text", ["abcd", "abcdef", "x" * 39])
def test_z85_decode_bad_length(text: str) -> None:
    with pytest.raises(ValueError, match="multiple of 5"):
        z85_decode(text)


@pytest.mark.parametrize("text", [b"Hello Worl", b'Hell"', b"Hell~", b"\x00\x00\x00\x00\x00", b"Hell\xff"])
def test_z85_decode_bad_characters(text: bytes) -> None:
    with pytest.raises(ValueError, match="outside the Z85 alphabet"):
        z85_decode(text)


def test_z85_decode_overflowing_group() -> None:
    with pytest.raises(ValueError, match="not valid Z85"):
        z85_decode("%%%%%")  # 85**5 - 1 does not fit in 4 bytes


def test_z85_decode_non_ascii_str() -> None:
    with pytest.raises((ValueError, UnicodeError)):
        z85_decode("Hellé")


def test_z85_wrong_types() -> None:
    with pytest.raises(TypeError, match="data must be bytes or str"):
        z85_encode(1234)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="text must be bytes or str"):
        z85_decode(None)  # type: ignore[arg-type]


def test_curve_keypair_and_public() -> None:
    public, secret = curve_keypair()
    assert isinstance(public, bytes) and isinstance(secret, bytes)
    assert len(public) == 40 and len(secret) == 40
    assert len(z85_decode(public)) == 32
    assert curve_public(secret) == public
    assert curve_public(secret.decode()) == public
    assert curve_keypair() != (public, secret)


@pytest.mark.parametrize("bad", [b"short", b"x" * 41, b"~" * 40])
def test_curve_public_bad_secret(bad: bytes) -> None:
    with pytest.raises(ValueError, match="40 Z85 characters"):
        curve_public(bad)


@pytest.mark.parametrize("endpoint", ["tcp://127.0.0.1:*", "ipc"], indirect=False)
def test_curve_encrypted_roundtrip(ctx: Context, short_dir: str, endpoint: str) -> None:
    if endpoint == "ipc":
        endpoint = f"ipc://{short_dir}/curve"
    server, client = curve_pair(ctx, "rep", "req")
    for s in (server, client):
        s.set("rcvtimeo", 5000)
    client.connect(server.bind(endpoint))
    client.send(b"secret hello")
    assert server.recv() == b"secret hello"
    server.send(b"secret reply")
    assert client.recv() == b"secret reply"


def test_curve_wrong_server_key_gets_nothing(ctx: Context) -> None:
    server, client = curve_pair(ctx, "pull", "push", wrong_server_key=True)
    client.set("linger", 0)
    client.connect(server.bind("tcp://127.0.0.1:*"))
    client.send(b"should not arrive", nonblocking=True)
    server.set("rcvtimeo", 300)
    with pytest.raises(Again):
        server.recv()
