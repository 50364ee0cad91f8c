"""The import graph of a package, read from its source with ``ast`` (nothing is imported).

Each import statement becomes an ``Import``: who imports, what module it names, and
whether it runs only under ``if TYPE_CHECKING:`` or inside a function body.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Import", "cycles", "module_names", "read_imports"]


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name; a package is named by its __init__.py
    target: str  # the module named: a submodule when ``from pkg import sub`` names one
    line: int
    type_only: bool  # under ``if TYPE_CHECKING:``: never runs
    in_function: bool  # runs when the function is called, not when the module is imported

    def __str__(self) -> str:
        return f"{self.importer} (line {self.line}) imports {self.target}"


def module_names(root: Path) -> dict[str, Path]:
    """Every module of the package in directory ``root``, by dotted name."""
    names: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Collector(ast.NodeVisitor):
    def __init__(self, name: str, is_package: bool, known: set[str]) -> None:
        self.name = name
        self.package = name if is_package else name.rpartition(".")[0]
        self.known = known
        self.found: list[Import] = []
        self._type_only = 0
        self._functions = 0

    def _add(self, target: str, node: ast.stmt) -> None:
        self.found.append(Import(self.name, target, node.lineno, self._type_only > 0, self._functions > 0))

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            self._type_only += 1
            for stmt in node.body:
                self.visit(stmt)
            self._type_only -= 1
            for stmt in node.orelse:
                self.visit(stmt)
        else:
            self.generic_visit(node)

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self._functions += 1
        self.generic_visit(node)
        self._functions -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _visit_function

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            parts = self.package.split(".")
            base = ".".join(parts[: len(parts) - node.level + 1])
            if node.module:
                base = f"{base}.{node.module}"
        else:
            base = node.module or ""
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            self._add(sub if sub in self.known else base, node)


def read_imports(root: Path) -> list[Import]:
    """Every import statement in the package in directory ``root``."""
    names = module_names(root)
    found: list[Import] = []
    for name, path in names.items():
        collector = _Collector(name, path.name == "__init__.py", set(names))
        collector.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        found.extend(collector.found)
    return found


def cycles(edges: list[Import]) -> list[list[str]]:
    """The import cycles among ``edges``: each a strongly connected set of two or more
    modules (or one that imports itself), sorted; Tarjan's algorithm, iteratively."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.importer, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                if len(members) > 1 or node in graph[node]:
                    found.append(sorted(members))
    return sorted(found)
