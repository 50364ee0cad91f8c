"""Message filters: ``--where EXPR`` and ``--grep REGEX`` on watch, recv and record.

EXPR is a Python expression over one message, with these names:

    frames  the frames, a list of bytes
    topic   frames[0] (b"" for a message without frames)
    parts   how many frames
    size    the total bytes of the frames
    json    the first frame that parses as a JSON object or array, else None
            (a topic that happens to be a number is not taken for the body)

It is checked against a whitelist when the command is given (where.py: the names above,
a few builtins, comparisons and arithmetic, slices, a list of methods; no other attribute,
no comprehension, lambda or :=) and refused in one line otherwise, so an expression
cannot reach the interpreter; nothing in it loops but over the message, and a value may
not grow past a few times the message, so one message costs time linear in its size.
An expression that raises on a message counts as not matching; the filter remembers the
first error so the session can say so once.

REGEX is the ``regex`` module's (Python ``re`` syntax), searched in each frame decoded as
UTF-8 (bad bytes replaced), at most the first ``GREP_PREFIX`` bytes of a frame, and for at
most ``GREP_TIMEOUT_S`` per frame: a pattern that takes longer on one (nested repeats
backtracking) is turned off, matches nothing from then on, and the session says so once.

Per message the filter runs one generated function over a whole batch (``select``), with
only the names the expression uses computed: a filtered watch keeps up with 200k msg/s.
"""

from __future__ import annotations

import ast
import json as _json
from typing import Callable, Iterable, Sequence

import regex

from .errors import CommandError, clip
from .where import CALLS, GROWING_METHODS, HINT, MAX_EXPRESSION, NAMES, TYPES, check_where, grown, mod, mul

__all__ = ["GREP_PREFIX", "GREP_TIMEOUT_S", "NAMES", "SAFE_BUILTINS", "MessageFilter", "compile_filter"]

SAFE_BUILTINS = CALLS
GREP_PREFIX = 64 * 1024
# The most one search of one frame may take before its --grep is turned off: the engine
# thread runs it, and everything else the session does waits meanwhile.
GREP_TIMEOUT_S = 0.02
# A frame longer than this is not parsed for ``json`` (bounded work per message).
JSON_LIMIT = 1024 * 1024
_WHERE_HINT = HINT

Select = Callable[[Iterable[list[bytes]]], "tuple[list[list[bytes]], int, BaseException | None]"]

# The loop each filter runs, in which ``_TEST`` is replaced by the condition and the
# assignment of a name the expression does not use is left out. Every binding is inside
# the try: a message that makes one raise (JSON nested too deep) is that message's failure.
_TEMPLATE = """
def _select(_messages):
    _out = []
    _bad = 0
    _error = None
    for frames in _messages:
        try:
            topic = frames[0] if frames else b""
            parts = len(frames)
            size = _size(frames)
            json = _first_json(frames)
            if _TEST:
                _out.append(frames)
        except _Exception as _exc:
            _bad += 1
            if _error is None:
                _error = _exc
    return _out, _bad, _error
"""


def _size(frames: Sequence[bytes]) -> int:
    return sum(map(len, frames))


def _first_json(frames: Sequence[bytes]) -> object:
    for frame in frames:
        if len(frame) > JSON_LIMIT:
            continue  # checked first: lstrip would copy the frame
        head = frame[:1] if frame[:1] not in (b" ", b"\t", b"\n", b"\r") else frame.lstrip()[:1]
        if head in (b"{", b"["):
            try:
                return _json.loads(frame)
            except Exception:  # noqa: BLE001 - not JSON, not UTF-8, or nested too deep
                continue
    return None


class _Grep:
    """One --grep's search of a message's frames, turned off for good after a search
    took over GREP_TIMEOUT_S."""

    def __init__(self, pattern: regex.Pattern[str]) -> None:
        self.search = pattern.search
        self.off = False

    def __call__(self, frames: Sequence[bytes]) -> bool:
        if self.off:
            return False
        for frame in frames:
            try:
                if self.search(frame[:GREP_PREFIX].decode("utf-8", "replace"), timeout=GREP_TIMEOUT_S):
                    return True
            except TimeoutError:
                self.off = True
                return False
        return False


class MessageFilter:
    """A compiled ``--where``/``--grep``: ``select`` gives the messages of a batch that match."""

    def __init__(
        self, where: str | None, grep: str | None, select: Select, grep_test: _Grep | None = None
    ) -> None:
        self.where = where
        self.grep = grep
        self._select = select
        self._grep = grep_test
        self.failures = 0  # messages on which the expression raised (counted as not matching)
        self.first_error: BaseException | None = None
        self.warned = False
        self.grep_warned = False

    def select(self, messages: Iterable[list[bytes]]) -> list[list[bytes]]:
        out, bad, error = self._select(messages)
        if bad:
            self.failures += bad
            if self.first_error is None:
                self.first_error = error
        return out

    def same_as(self, other: MessageFilter) -> bool:
        """Whether both let the same messages through (the same flags given twice)."""
        return (self.where, self.grep) == (other.where, other.grep)

    def warning(self) -> str | None:
        """Once per filter, after the expression first raised: what happened, in a line."""
        if self.warned or self.first_error is None:
            return None
        self.warned = True
        exc = self.first_error
        return (
            f"--where {clip(self.where or '', 60)} raised {type(exc).__name__}: "
            f"{clip(str(exc), 80)} on a message; "
            "such messages count as not matching (said once)"
        )

    def grep_warning(self) -> str | None:
        """Once, after the --grep was turned off for being slow: what happened, in a line."""
        if self.grep_warned or self._grep is None or not self._grep.off:
            return None
        self.grep_warned = True
        ms = round(GREP_TIMEOUT_S * 1000)
        return (
            f"--grep {clip(self.grep or '', 60)} took over {ms} ms on one message: it is off; "
            "give a simpler pattern"
        )

    @property
    def text(self) -> str:
        """The flags as given, for a confirmation line or the sockets table."""
        parts = []
        if self.where is not None:
            parts.append(f"--where {self.where}")
        if self.grep is not None:
            parts.append(f"--grep {self.grep}")
        return " ".join(parts)


def compile_filter(where: str | None, grep: str | None) -> MessageFilter | None:
    """The filter of a command's --where and --grep, or None without either; a broken or
    refused expression or regex is a CommandError."""
    if where is None and grep is None:
        return None
    try:
        return _compile_filter(where, grep)
    except CommandError:
        raise
    except (RecursionError, MemoryError, ValueError, OverflowError, SyntaxError) as exc:
        what = f"--where {clip(where)}" if where is not None else f"--grep {clip(grep or '')}"
        raise CommandError(
            f"{what} could not be compiled ({type(exc).__name__})", "make it simpler"
        ) from None


def _compile_filter(where: str | None, grep: str | None) -> MessageFilter:
    tests: list[ast.expr] = []
    env: dict[str, object] = {
        "__builtins__": {},
        **CALLS,
        **TYPES,  # isinstance's second argument
        "len": len,  # the template's
        "_first_json": _first_json,
        "_size": _size,
        "_grown": grown,
        "_mul": mul,
        "_mod": mod,
        "_Exception": Exception,
    }
    used: set[str] = set()
    if where is not None:
        expr = _parse_where(where)
        used = {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)} & set(NAMES)
        guarded = _Guard()
        expr = guarded.visit(expr)
        if guarded.sized:
            used.add("size")
        tests.append(expr)
    grep_test = None
    if grep is not None:
        grep_test = _Grep(_compile_grep(grep))
        env["_grep"] = grep_test
        used.add("frames")
        call = ast.Call(ast.Name("_grep", ast.Load()), [ast.Name("frames", ast.Load())], [])
        tests.append(call)
    test = tests[0] if len(tests) == 1 else ast.BoolOp(ast.And(), tests)
    module = ast.parse(_TEMPLATE)
    func = module.body[0]
    assert isinstance(func, ast.FunctionDef)
    loop = func.body[3]
    assert isinstance(loop, ast.For) and isinstance(loop.body[0], ast.Try)
    guard = loop.body[0]
    guard.body = [s for s in guard.body if not _assigns_unused(s, used)]
    module = ast.fix_missing_locations(_Substitute(test).visit(module))
    # Our template around the checked expression, with no builtins but the allowed ones.
    exec(compile(module, "<filter>", "exec"), env)
    select = env["_select"]
    assert callable(select)
    return MessageFilter(where, grep, select, grep_test)


def _assigns_unused(stmt: ast.stmt, used: set[str]) -> bool:
    if not isinstance(stmt, ast.Assign):
        return False
    target = stmt.targets[0]
    return isinstance(target, ast.Name) and target.id not in used


class _Substitute(ast.NodeTransformer):
    def __init__(self, test: ast.expr) -> None:
        self.test = test

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return self.test if node.id == "_TEST" else node


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(ast.Name(name, ast.Load()), list(args), [])


class _Guard(ast.NodeTransformer):
    """The checked expression with every operation that can make a value bigger run
    through where.py's checks: ``a * b`` as ``_mul(a, b, size)``, ``a % b`` as
    ``_mod(a, b)``, ``str(x)`` and the growing methods as ``_grown(..., size)``."""

    def __init__(self) -> None:
        self.sized = False

    def _size(self) -> ast.Name:
        self.sized = True
        return ast.Name("size", ast.Load())

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Mult):
            return _call("_mul", node.left, node.right, self._size())
        if isinstance(node.op, ast.Mod):
            return _call("_mod", node.left, node.right)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        growing = (isinstance(func, ast.Name) and func.id == "str") or (
            isinstance(func, ast.Attribute) and func.attr in GROWING_METHODS
        )
        return _call("_grown", node, self._size()) if growing else node


def _parse_where(text: str) -> ast.expr:
    if not text.strip():
        raise CommandError("--where needs an expression", _WHERE_HINT)
    if len(text) > MAX_EXPRESSION:
        raise CommandError(
            f"--where takes at most {MAX_EXPRESSION} characters ({len(text):,} given)", _WHERE_HINT
        )
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        # CPython gives offset 0 (or one past the text) when the expression ends too soon.
        end = not exc.offset or exc.offset > len(text.strip())
        where = " at the end" if end else f" at column {exc.offset}"
        raise CommandError(
            f"--where {clip(text)} is not a Python expression: {exc.msg}{where}", _WHERE_HINT
        ) from None
    except (ValueError, MemoryError, RecursionError):  # a NUL byte; nesting too deep
        raise CommandError(f"--where {clip(text)} is not a Python expression", _WHERE_HINT) from None
    try:
        check_where(text, tree)
    except RecursionError:
        raise CommandError(f"--where {clip(text)} is nested too deeply", "make it simpler") from None
    return tree.body


def _compile_grep(text: str) -> regex.Pattern[str]:
    try:
        return regex.compile(text)
    except regex.error as exc:
        pos = getattr(exc, "pos", None)  # the regex module's error has them; its stubs do not say
        where = f" at position {pos}" if pos is not None else ""
        raise CommandError(
            f"--grep {clip(text)} is not a regular expression: {getattr(exc, 'msg', exc)}{where}",
            "Python re syntax; in single quotes backslashes stay as typed: --grep 'id=\\d+'",
        ) from None
    except (OverflowError, RecursionError, MemoryError, ValueError):
        raise CommandError(
            f"--grep {clip(text)} is too large a regular expression", "make it simpler"
        ) from None
