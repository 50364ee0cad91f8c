"""The checker of ``--where EXPR``: a whitelist of what an expression may do.

A peer sends the messages and anyone may type an expression found on the web, so an
expression is checked node by node against what is allowed, and anything else is
refused when the command is given, in one line:

- names: the message's (``NAMES``), the builtins of ``CALLS`` (called, never passed
  around), and the types of ``TYPES`` as ``isinstance``'s second argument only;
- constants: str, bytes, int, float, bool, None (strings up to ``MAX_CONSTANT`` long);
- ``and or not``, ``- +`` (unary), ``+ - / // %``, and ``*`` with one side an int
  constant of at most ``MAX_FACTOR``; every comparison (``== < in is``...); ``x if c else y``;
- subscripts and slices, tuple, list and dict displays;
- method calls of the names in ``METHODS`` (never any other attribute), without
  ``*args`` or ``**kwargs``.

Refused, among the rest: ``:=``, lambda, comprehensions and generators, f-strings,
``**``, shifts and bit operators, any other attribute (so no ``__class__``, ``gi_frame``,
``format``). Nothing loops but over a message's own values, and the operations that can
make a value bigger (``str``, ``*``, ``%``, decode, hex, split, lower, upper) are checked
as they run (``GROWTH``): a value may not grow past a few times the message's size, so
the time one message costs is linear in its size.
"""

from __future__ import annotations

import ast
from typing import Any, Sized

from .errors import CommandError, clip

__all__ = [
    "CALLS",
    "GROWING_METHODS",
    "MAX_EXPRESSION",
    "METHODS",
    "NAMES",
    "TYPES",
    "check_where",
    "grown",
    "mod",
    "mul",
]

NAMES = ("frames", "topic", "parts", "size", "json")
CALLS: dict[str, object] = {
    f.__name__: f for f in (len, int, str, float, bool, any, all, min, max, abs, sum, round, isinstance)
}
TYPES: dict[str, type] = {t.__name__: t for t in (bytes, str, int, float, dict, list, tuple, bool)}
METHODS = frozenset(
    (
        "startswith endswith decode lower upper strip lstrip rstrip split rsplit find rfind index "
        "rindex count get keys values items isdigit isalpha isalnum isspace islower isupper hex"
    ).split()
)
# Methods whose result may be longer than their object (bytes.hex doubles it, decode with
# "backslashreplace" quadruples it, "ß".upper() is "SS"; a repr of a split adds quotes).
GROWING_METHODS = frozenset(("decode", "lower", "upper", "split", "rsplit", "hex"))
MAX_EXPRESSION = 2000  # characters
MAX_CONSTANT = 1000  # characters of a str or bytes constant
MAX_INT = 10**18
MAX_FACTOR = 100
# A value made by a growing operation may be at most this many times the message's size,
# plus GROWTH_FLOOR (so that a small message may still be turned into text).
GROWTH = 8
GROWTH_FLOOR = 64 * 1024
HINT = "a Python expression of frames, topic, parts, size, json; e.g. --where \"topic == b'weather'\""
# Argument counts of the builtins (round's second argument is checked on its own).
_ARITY = {"isinstance": (2, 2), "sum": (1, 1), "round": (1, 2), "len": (1, 1), "abs": (1, 1)}
_UNARY = (ast.Not, ast.USub, ast.UAdd)
_BINARY = (ast.Add, ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.Mult)
_CONSTANTS = (str, bytes, int, float, bool, type(None))
_PLAIN: tuple[type[ast.AST], ...] = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.Compare, ast.IfExp)
_PLAIN += (ast.Subscript, ast.Slice, ast.Load, ast.cmpop, ast.Tuple, ast.List, ast.Dict)


def check_where(text: str, tree: ast.Expression) -> None:
    """Refuse (CommandError) an expression with anything the whitelist does not allow."""
    _Checker(text).visit(tree)


# Deeper expressions are refused ("nested too deeply"), whatever the interpreter's own stack:
# CPython 3.11's visitor runs out of it near 1,000 levels, 3.9's and PyPy's do not.
MAX_DEPTH = 200


class _Checker(ast.NodeVisitor):
    def __init__(self, text: str) -> None:
        self.text = text
        self.source = text.strip()  # what filters.py parsed: node positions point into it
        self.depth = 0

    def visit(self, node: ast.AST) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise RecursionError  # filters.py: "nested too deeply"
            return super().visit(node)
        finally:
            self.depth -= 1

    def refuse(self, what: str, hint: str = HINT) -> CommandError:
        return CommandError(f"--where {clip(self.text, 60)}: {what} is not allowed", hint)

    def generic_visit(self, node: ast.AST) -> None:
        if not isinstance(node, _PLAIN):
            raise self.refuse(_describe(node))
        super().generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        if any(key is None for key in node.keys):
            raise self.refuse("** in a dict")
        super().generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if not isinstance(node.op, _UNARY):
            raise self.refuse(f"the operator {_describe(node.op)}")
        self.visit(node.operand)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if not isinstance(node.op, _BINARY):
            raise self.refuse(f"the operator {_describe(node.op)}", "use + - * / // % and comparisons")
        if isinstance(node.op, ast.Mult) and not (_small_int(node.left) or _small_int(node.right)):
            raise self.refuse(
                "* without an int constant up to 100 on one side", "e.g. size * 2 > 1000; not size * size"
            )
        self.visit(node.left)
        self.visit(node.right)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if not isinstance(value, _CONSTANTS):
            raise self.refuse(f"the constant {clip(repr(value), 30)}")
        if isinstance(value, (str, bytes)) and len(value) > MAX_CONSTANT:
            raise self.refuse(f"a constant over {MAX_CONSTANT} characters")
        if isinstance(value, int) and abs(value) > MAX_INT:
            raise self.refuse("an int constant over 10**18")

    def visit_Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Load):
            raise self.refuse(f"assigning to {clip(node.id)}")
        if node.id in CALLS or node.id in TYPES:
            raise self.refuse(f"{node.id} other than called", f"call it: {node.id}(...)")
        if node.id not in NAMES:
            raise _unknown(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        raise self.refuse(f".{clip(node.attr)} other than a method call", _methods_hint())

    def visit_Call(self, node: ast.Call) -> None:
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.refuse("*args")
        for kw in node.keywords:
            if kw.arg is None:
                raise self.refuse("**kwargs")
            if kw.arg.startswith("_"):
                raise self.refuse(f"the keyword {clip(kw.arg)}")
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr not in METHODS:
                raise self.refuse(f"the method .{clip(func.attr)}", _methods_hint())
            self.visit(func.value)
        elif isinstance(func, ast.Name) and func.id in CALLS:
            self._check_builtin(func.id, node)
        elif isinstance(func, ast.Name):
            raise _unknown(func.id)
        else:
            raise self.refuse(
                f"calling {clip(_source(func, self.source), 40)}", "callable: " + ", ".join(CALLS)
            )
        if isinstance(func, ast.Name) and func.id == "isinstance":
            self.visit(node.args[0])
            return
        for arg in node.args:
            self.visit(arg)
        for kw in node.keywords:
            self.visit(kw.value)

    def _check_builtin(self, name: str, node: ast.Call) -> None:
        low, high = _ARITY.get(name, (0, 3))
        if not low <= len(node.args) + len(node.keywords) <= high:
            raise self.refuse(f"{name} with {len(node.args) + len(node.keywords)} arguments")
        if name == "isinstance":
            kinds = node.args[1]
            names = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
            if node.keywords or not all(isinstance(n, ast.Name) and n.id in TYPES for n in names):
                raise self.refuse("isinstance without a type", "types: " + ", ".join(TYPES))
        if name == "round" and len(node.args) + len(node.keywords) == 2:
            digits = node.args[1] if len(node.args) == 2 else node.keywords[0].value
            if not (
                isinstance(digits, ast.Constant) and type(digits.value) is int and abs(digits.value) <= 20
            ):
                raise self.refuse("round's digits other than an int constant up to 20")


def _unknown(name: str) -> CommandError:
    return CommandError(
        f"--where: unknown name {clip(name)}",
        "names: " + ", ".join(NAMES) + "; builtins: " + ", ".join(CALLS),
    )


def _small_int(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and 0 <= node.value <= MAX_FACTOR


def _describe(node: ast.AST) -> str:
    names = {
        "NamedExpr": ":=",
        "Lambda": "lambda",
        "ListComp": "a comprehension",
        "SetComp": "a comprehension",
        "DictComp": "a comprehension",
        "GeneratorExp": "a generator",
        "JoinedStr": "an f-string",
        "Starred": "*",
        "Await": "await",
        "Yield": "yield",
        "YieldFrom": "yield",
        "Pow": "**",
        "LShift": "<<",
        "RShift": ">>",
        "BitAnd": "&",
        "BitOr": "|",
        "BitXor": "^",
        "MatMult": "@",
        "Invert": "~",
        "Set": "a set",
        "Dict": "a dict display",
    }
    return names.get(type(node).__name__, type(node).__name__)


def _source(node: ast.AST, source: str) -> str:
    """The node as the user wrote it (ast.unparse's spelling differs between interpreters:
    PyPy 3.9 writes "lambda : 0")."""
    try:
        return ast.get_source_segment(source, node) or ast.unparse(node)
    except Exception:  # noqa: BLE001 - only for a message
        return type(node).__name__


def _methods_hint() -> str:
    return "methods: " + ", ".join(sorted(METHODS))


# -- run time: what the compiled expression calls for the operations that can grow --------


def grown(value: object, size: int) -> object:
    """``value`` if it is not too big for a message of ``size`` bytes; else ValueError."""
    if isinstance(value, Sized) and not isinstance(value, dict) and len(value) > GROWTH * size + GROWTH_FLOOR:
        raise ValueError(f"a value grew to {len(value):,} items, over {GROWTH}x the message")
    return value


def mul(left: object, right: object, size: int) -> object:
    """``left * right``, refused before it is made when the result would be too big."""
    for seq, n in ((left, right), (right, left)):
        if isinstance(seq, Sized) and isinstance(n, int) and len(seq) * n > GROWTH * size + GROWTH_FLOOR:
            raise ValueError(f"{len(seq):,} * {n} is over {GROWTH}x the message")
    return left * right  # type: ignore[operator]


def mod(left: object, right: object) -> object:
    """``left % right`` for numbers only: str and bytes % would format (a width of 10**9)."""
    if isinstance(left, (str, bytes, bytearray)):
        raise TypeError("% formats str and bytes: not allowed in --where")
    return left % right  # type: ignore[operator]
