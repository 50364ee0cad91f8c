"""Known security holes of old libzmq releases, by the version that fixed each.

    >>> security_warning_for((4, 3, 4)) is None
    True
    >>> "CVE-2020-15166" in security_warning_for((4, 3, 2))
    True
"""

from __future__ import annotations

from ._lib import ffi, lib

__all__ = ["MINIMUM_SAFE", "libzmq_security_warning", "security_warning_for"]

# Every CVE below is fixed in this release; it is the one to install at least.
MINIMUM_SAFE = (4, 3, 3)

_FIXED_IN: tuple[tuple[tuple[int, int, int], str], ...] = (
    ((4, 3, 1), "CVE-2019-6250"),   # remote code execution through a crafted message size
    ((4, 3, 2), "CVE-2019-13132"),  # unauthenticated stack overflow in CURVE servers
    ((4, 3, 3), "CVE-2020-15166"),  # unauthenticated denial of service of CURVE/ZAP servers
    ((4, 3, 3), "CVE-2021-20234"),
    ((4, 3, 3), "CVE-2021-20235"),
    ((4, 3, 3), "CVE-2021-20236"),
    ((4, 3, 3), "CVE-2021-20237"),
)


def security_warning_for(version: tuple[int, int, int]) -> str | None:
    """One line naming the CVEs a libzmq ``version`` is open to, or None when it has none."""
    open_to = [cve for fixed, cve in _FIXED_IN if tuple(version) < fixed]
    if not open_to:
        return None
    have = ".".join(map(str, version))
    need = ".".join(map(str, MINIMUM_SAFE))
    return (f"libzmq {have} has known security holes ({', '.join(open_to)}); "
            f"install libzmq {need} or later")


def libzmq_security_warning() -> str | None:
    """The warning for the libzmq this process runs on (None for 4.3.3 and later)."""
    parts = ffi.new("int[3]")
    lib.zmq_version(parts, parts + 1, parts + 2)
    return security_warning_for((parts[0], parts[1], parts[2]))
