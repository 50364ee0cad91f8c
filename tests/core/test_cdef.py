"""The cdef in zmqrepl/core/_build.py against the C it declares (zmqrepl/core/csrc/).

The compiler checks only part of a cdef in API mode: a wrong argument count fails the
build, a wrong pointer type is a warning, and a wrong integer width converts silently.
So every zr_* function and constant that Python sees is compared here with its
declaration in the header (or, for the zr_hot_* helpers, their definition in hot.c),
those of both builds (CPython's hot.c, other interpreters' plain.c) on either.
"""

from __future__ import annotations

import re
from pathlib import Path

import zmqrepl.core
from zmqrepl.core import Context
from zmqrepl.core._build import CDEF, HOT_CDEF, PLAIN_CDEF
from zmqrepl.core._lib import ffi, lib
from zmqrepl.core.constants import Errno

CSRC = Path(zmqrepl.core.__file__).with_name("csrc")
# A declaration or definition: return type, zr_ name, parameters, then ";" or "{".
_FUNCTION = re.compile(r"^([A-Za-z_][\w \*]*?)\s*\b(zr_\w+)\s*\(([^)]*)\)\s*[;{]", re.M)
_MACRO = re.compile(r"^#define\s+(ZR_\w+)\b", re.M)


def _strip_comments(text: str) -> str:
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def _normal(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\s*\*\s*", " *", text).replace("( ", "(")


def _functions(text: str) -> dict[str, str]:
    found = {}
    for ret, name, params in _FUNCTION.findall(_strip_comments(text)):
        ret = re.sub(r"^(static|inline|ZR_INTERNAL|extern)\s+", "", ret.strip())
        found[name] = _normal(f"{ret} {name}({params})")
    return found


def test_every_cdef_function_matches_its_c_declaration() -> None:
    header = (CSRC / "zmqrepl.h").read_text(encoding="utf-8")
    hot = (CSRC / "hot.c").read_text(encoding="utf-8")
    declared = {**_functions(hot), **_functions(header)}
    cdef = _functions(CDEF + HOT_CDEF + PLAIN_CDEF)
    assert len(cdef) > 20  # the pattern really finds the declarations
    missing = sorted(set(cdef) - set(declared))
    assert not missing, "in the cdef but declared nowhere in csrc/"
    differ = {cdef[name]: declared[name] for name in cdef if cdef[name] != declared[name]}
    assert not differ, "cdef -> csrc/"


def test_every_cdef_constant_is_defined_in_the_header() -> None:
    header = (CSRC / "zmqrepl.h").read_text(encoding="utf-8")
    macros = set(_MACRO.findall(header))
    wanted = set(_MACRO.findall(CDEF + HOT_CDEF + PLAIN_CDEF))
    assert wanted and wanted <= macros


def test_endpoint_ops_are_named_and_an_unknown_op_is_refused() -> None:
    assert [lib.ZR_BIND, lib.ZR_CONNECT, lib.ZR_UNBIND, lib.ZR_DISCONNECT] == [0, 1, 2, 3]
    ctx = Context()
    try:
        sock = ctx.socket("pull")
        sock.bind("inproc://cdef-ops")
        # An op outside the enum fails with EINVAL instead of picking a call.
        assert lib.zr_endpoint(sock._st, 99, b"inproc://cdef-ops") == lib.ZR_ERR
        assert ffi.errno == Errno.EINVAL
        sock.unbind("inproc://cdef-ops")  # still bound: the refused call did nothing
    finally:
        ctx.destroy(linger=0)
