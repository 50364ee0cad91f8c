"""The libzmq version gate (issue 10, item 7): known CVEs below 4.3.3."""

from __future__ import annotations

import pytest

import zmqrepl.core as core
from zmqrepl.core import LIBZMQ_VERSION, libzmq_security_warning, security_warning_for, zmq_version

ALL_CVES = [
    "CVE-2019-13132",
    "CVE-2020-15166",
    "CVE-2021-20234",
    "CVE-2021-20235",
    "CVE-2021-20236",
    "CVE-2021-20237",
]


def test_the_version_is_known_at_import_and_is_the_running_one() -> None:
    assert LIBZMQ_VERSION == zmq_version()
    assert isinstance(LIBZMQ_VERSION, tuple) and len(LIBZMQ_VERSION) == 3
    for name in ("LIBZMQ_VERSION", "libzmq_security_warning", "security_warning_for", "zmq_version"):
        assert name in core.__all__


def test_the_running_libzmq_gets_the_warning_its_version_calls_for() -> None:
    # The system libzmq here is 4.3.4 (Debian): no warning. On an older one the
    # same call must warn; either way it agrees with the pure function.
    assert libzmq_security_warning() == security_warning_for(zmq_version())
    if zmq_version() >= (4, 3, 3):
        assert libzmq_security_warning() is None


@pytest.mark.parametrize("version", [(4, 3, 3), (4, 3, 4), (4, 3, 5), (4, 4, 0), (5, 0, 0)])
def test_no_warning_from_4_3_3_on(version: tuple[int, int, int]) -> None:
    assert security_warning_for(version) is None


@pytest.mark.parametrize("version", [(4, 3, 1), (4, 3, 0), (4, 2, 5), (4, 1, 8), (3, 2, 5), (2, 2, 0)])
def test_versions_before_4_3_2_name_every_cve(version: tuple[int, int, int]) -> None:
    line = security_warning_for(version)
    assert line is not None and "\n" not in line
    assert line.startswith(f"libzmq {'.'.join(map(str, version))} has known security flaws: ")
    for cve in ALL_CVES:
        assert cve in line
    assert line.endswith("(hint: install libzmq 4.3.3 or newer)")


def test_4_3_2_has_the_fix_for_cve_2019_13132_but_not_the_others() -> None:
    line = security_warning_for((4, 3, 2))
    assert line is not None
    assert "CVE-2019-13132" not in line
    for cve in ALL_CVES[1:]:
        assert cve in line
    assert "install libzmq 4.3.3 or newer" in line


@pytest.mark.parametrize(
    "bad", [(4, 3), (4, 3, 3, 0), [4, 3, 3], "4.3.3", (4, 3, "3"), (4, 3, -1), (4, True, 3), None]
)
def test_a_bad_version_is_refused(bad: object) -> None:
    with pytest.raises(TypeError, match=r"version must be a \(major, minor, patch\) tuple of ints"):
        security_warning_for(bad)  # type: ignore[arg-type]
