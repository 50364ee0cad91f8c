"""Secrets (CURVE secret keys, PLAIN passwords) never show: replies, tables, errors, records."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

import pytest

from tests.peers import Peer
from zmqrepl.core import Option, curve_keypair
from zmqrepl.session import CommandError, Session
from zmqrepl.session.hidden import HIDDEN, carries_secret, option_text

PASSWORD = "correct-horse-battery-staple"


def leaks(secret: str, text: str) -> list[str]:
    """Every 8-character piece of ``secret`` found in ``text`` (none, when nothing leaked)."""
    return [secret[i : i + 8] for i in range(len(secret) - 7) if secret[i : i + 8] in text]


def shown(session: Session, line: str) -> str:
    """Everything a front end could show for one command: its lines, value, or error line."""
    try:
        result = session.execute(line)
    except CommandError as exc:
        return exc.line
    assert result is not None
    return "\n".join(result.lines) + "\n" + repr(result.value)


def test_only_credentials_are_secret() -> None:
    assert {o for o in Option if o.secret} == {Option.CURVE_SECRETKEY, Option.PLAIN_PASSWORD}
    assert option_text("curve_secretkey", b"x" * 40) == HIDDEN
    assert option_text(Option.PLAIN_PASSWORD, "pw") == HIDDEN
    assert option_text("plain_password", "") == "(not set)"
    assert option_text("curve_publickey", b"abc") == "'abc'"


def test_set_get_and_sockets_show_set(session: Session) -> None:
    public, secret = (k.decode() for k in curve_keypair())
    out = [
        shown(session, "socket s router"),
        shown(session, f"set s curve_secretkey '{secret}'"),
        shown(session, f"set s curve_publickey '{public}'"),
        shown(session, "set s curve_server 1"),
        shown(session, "get s curve_secretkey"),
        shown(session, "sockets"),
    ]
    text = "\n".join(out)
    assert not leaks(secret, text)
    assert "s.curve_secretkey = (set)" in out[1]
    assert "--reveal" in out[4] and "(set)" in out[4]
    assert "curve_secretkey=(set)" in out[5]
    assert session.sockets()[0].options.count("(set)") == 1
    # The public key is not a secret: it shows (shortened, as every bytes value).
    assert public[:20] in out[2]
    # Asked for explicitly, the whole key shows.
    revealed = session.execute("get s curve_secretkey --reveal")
    assert revealed is not None and revealed.value == secret.encode()
    assert f"'{secret}'" in revealed.lines[0]


def test_plain_password_and_auth(session: Session) -> None:
    out = [
        shown(session, "socket c dealer"),
        shown(session, "set c plain_username admin"),
        shown(session, f"set c plain_password {PASSWORD}"),
        shown(session, "get c plain_password"),
        shown(session, "sockets"),
        shown(session, f"auth plain admin {PASSWORD}"),
        shown(session, "auth show"),
        shown(session, "auth plain admin"),  # wrong argument count
        shown(session, "get c plain_username"),
    ]
    text = "\n".join(out)
    assert not leaks(PASSWORD, text)
    assert "plain: admin" in out[6] and "(set)" in out[3] and "plain_password=(set)" in out[4]
    assert "admin" in out[8]  # a user name is not a secret
    assert not leaks(PASSWORD, repr(session.auth.policy))  # what a notebook shows for it


@pytest.mark.parametrize(
    "value",
    [
        "0xzz" + "ab" * 20,  # not hex: the frame parser would quote it
        "b64:" + "not-base64-at-all!!" * 2,
        "'" + "q~~~" * 10 + "'",  # 40 characters, not Z85: libzmq refuses
        "q~~~" * 10,
        "--" + "k" * 37 + "~",  # looks like a flag
        "'" + "z" * 41 + "'",  # wrong length
    ],
)
def test_errors_never_echo_a_bad_key(session: Session, value: str) -> None:
    session.execute("socket s router")
    line = shown(session, f"set s curve_secretkey {value}")
    assert line.startswith("option curve_secretkey") or "libzmq refused the value given" in line, line
    assert "hint:" in line
    assert not leaks(value.strip("'"), line)


def test_an_unquoted_password_with_spaces_is_not_echoed(session: Session) -> None:
    session.execute("socket c dealer")
    line = shown(session, "set c plain_password first-half second-half-of-it")
    assert "one too many" in line and not leaks("second-half-of-it", line)
    # Other options still name the extra word, which helps.
    assert "'extra'" in shown(session, "set c linger 0 extra")


def test_handle_set_shows_set_in_the_table(session: Session) -> None:
    _, secret = curve_keypair()
    session.execute("socket s router")
    session.handle("s").set(Option.CURVE_SECRETKEY, secret)
    table = shown(session, "sockets")
    assert "curve_secretkey=(set)" in table and not leaks(secret.decode(), table)


def test_recording_holds_no_secret(session: Session, tmp_path: Path, start_peer: Callable[..., Peer]) -> None:
    _, secret = (k.decode() for k in curve_keypair())
    peer = start_peer("pub", "--count", "5", "--prefix", "rec")
    session.execute("socket k dealer")  # holds the secret (a CURVE socket cannot talk to the peer)
    session.execute(f"set k curve_secretkey '{secret}'")
    session.execute("socket s sub")
    session.execute(f"connect s {peer.endpoint}")
    path = tmp_path / "feed.jsonl"
    session.execute(f"record s {path}")
    session.execute("subscribe s")
    peer.expect("DONE")
    deadline = time.monotonic() + 15
    while session.sockets()[1].received < 5:
        assert time.monotonic() < deadline, "the 5 messages never arrived"
        time.sleep(0.01)
    session.execute("record s --stop")  # closes (and so flushes) the file
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["frames"][1]["text"] for x in lines] == [f"rec-{i}" for i in range(5)]
    assert not leaks(secret, path.read_text(encoding="utf-8"))


def test_lines_that_carry_secrets() -> None:
    assert carries_secret("set s curve_secretkey 'abc'")
    assert carries_secret("socket s dealer; set s PLAIN-PASSWORD pw")
    assert carries_secret("auth plain admin pw")
    assert not carries_secret("set s curve_publickey 'abc'")
    assert not carries_secret("auth show; get s linger; send s hello 0x0aff")
    assert carries_secret('set s plain_password "unclosed')  # cannot tell: kept out
    # Typos fail as commands, yet hold the real secret: kept out all the same.
    assert carries_secret("sett s curve_secretkey abc")
    assert carries_secret("set s curve_secret_key abc")
    assert carries_secret("auht plain admin pw")
    secret = curve_keypair()[1].decode()
    assert carries_secret(f"set s curve_scretkey '{secret}'")  # a Z85 key, whatever the option
    assert carries_secret("set s curve_scretkey " + "ab" * 32)  # or one in hex
    assert not carries_secret("send s " + "ab" * 31)
