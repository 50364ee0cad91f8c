"""The libzmq version gate: `version` and the first CURVE server warn below 4.3.3."""

from __future__ import annotations

import pytest

from tests.support import executed
from zmqrepl.core import libzmq_security_warning, security_warning_for, zmq_version
from zmqrepl.session import Session, VersionInfo

OLD = (4, 3, 2)


@pytest.mark.parametrize(
    "version, cves",
    [
        ((4, 3, 2), ["CVE-2020-15166", "CVE-2021-20235", "CVE-2021-20236", "CVE-2021-20237"]),
        ((4, 3, 1), ["CVE-2019-13132", "CVE-2020-15166"]),
        ((4, 2, 5), ["CVE-2019-6250", "CVE-2019-13132", "CVE-2021-20237"]),
    ],
)
def test_old_versions_name_their_cves_and_the_fix(version: tuple[int, int, int], cves: list[str]) -> None:
    line = security_warning_for(version)
    assert line is not None and "\n" not in line
    assert ".".join(map(str, version)) in line and "4.3.3 or newer" in line
    for cve in cves:
        assert cve in line
    if version >= (4, 3, 1):
        assert "CVE-2019-6250" not in line


@pytest.mark.parametrize("version", [(4, 3, 3), (4, 3, 4), (4, 3, 5), (4, 4, 0), (5, 0, 0)])
def test_fixed_versions_have_no_warning(version: tuple[int, int, int]) -> None:
    assert security_warning_for(version) is None


def test_the_installed_libzmq_has_no_warning() -> None:
    assert zmq_version() >= (4, 3, 3)  # Debian's 4.3.4 on this machine
    assert libzmq_security_warning() is None
    s = Session()
    try:
        result = executed(s, "version", VersionInfo)
        assert result.warning is None
        assert len(result.lines) == 1 and "warning" not in result.lines[0]
        s.execute("socket r router")
        assert (r := s.execute("set r curve_server 1")) is not None and len(r.lines) == 1
    finally:
        s.close()


def test_an_old_libzmq_warns_in_version_and_once_for_a_curve_server() -> None:
    s = Session(libzmq_version=OLD)
    try:
        version = executed(s, "version", VersionInfo)
        assert version.libzmq == "4.3.2"
        assert version.warning == security_warning_for(OLD)
        assert version.lines[1] == "warning: " + str(security_warning_for(OLD))
        s.execute("socket a router")
        s.execute("socket b router")
        plain = s.execute("set a curve_server 0")
        assert plain is not None and len(plain.lines) == 1  # not a CURVE server
        first = s.execute("set a curve_server 1")
        assert first is not None and first.lines[1].startswith("warning: libzmq 4.3.2 has known")
        second = s.execute("set b curve_server 1")
        assert second is not None and len(second.lines) == 1  # once per session
    finally:
        s.close()
