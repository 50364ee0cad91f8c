"""The libzmq in use, and whether it has known security flaws.

>>> zmq_version()
(4, 3, 4)
>>> print(security_warning_for((4, 3, 2)))   # one line, wrapped here
libzmq 4.3.2 has known security flaws: CVE-2020-15166, CVE-2021-20235,
CVE-2021-20236, CVE-2021-20237 (hint: install libzmq 4.3.3 or newer)
>>> libzmq_security_warning() is None     # on 4.3.3 and newer
True
"""

from __future__ import annotations

from ._lib import ffi, lib

__all__ = [
    "FIXED_IN",
    "LIBZMQ_VERSION",
    "SAFE_VERSION",
    "libzmq_security_warning",
    "security_warning_for",
    "zmq_version",
]

# Flaws an unauthenticated peer can reach (CURVE and ZAP servers, the ZMTP
# decoder), with the first libzmq release that fixes each.
FIXED_IN: dict[str, tuple[int, int, int]] = {
    "CVE-2019-6250": (4, 3, 1),
    "CVE-2019-13132": (4, 3, 2),
    "CVE-2020-15166": (4, 3, 3),
    "CVE-2021-20234": (4, 3, 3),
    "CVE-2021-20235": (4, 3, 3),
    "CVE-2021-20236": (4, 3, 3),
    "CVE-2021-20237": (4, 3, 3),
}
SAFE_VERSION = max(FIXED_IN.values())


def zmq_version() -> tuple[int, int, int]:
    """The version of the libzmq in use, as (major, minor, patch)."""
    parts = ffi.new("int[3]")
    lib.zmq_version(parts, parts + 1, parts + 2)
    return (parts[0], parts[1], parts[2])


def security_warning_for(version: tuple[int, int, int]) -> str | None:
    """One line naming the known flaws of libzmq ``version`` and what to install,
    or None when it has none of them. A pure function of the tuple."""
    if (
        not isinstance(version, tuple)
        or len(version) != 3
        or not all(isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in version)
    ):
        raise TypeError(f"version must be a (major, minor, patch) tuple of ints, not {version!r}")
    flaws = [cve for cve, fixed in FIXED_IN.items() if version < fixed]
    if not flaws:
        return None
    safe = ".".join(map(str, SAFE_VERSION))
    return (
        f"libzmq {'.'.join(map(str, version))} has known security flaws: {', '.join(flaws)} "
        f"(hint: install libzmq {safe} or newer)"
    )


LIBZMQ_VERSION = zmq_version()  # read once, at import


def libzmq_security_warning() -> str | None:
    """security_warning_for() the libzmq this process runs on."""
    return security_warning_for(LIBZMQ_VERSION)
