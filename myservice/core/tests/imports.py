"""The package's imports as a graph, read from the source: for the layout's policy tests.

An edge goes from a module to each module of the package it names in an import, wherever the
import stands: at the top, under TYPE_CHECKING (`typing`: never run), or deferred inside a
function (`lazy`: run when the function is). Naming
`a.b.c` is an edge to `a.b.c` only: Python imports the packages above it first, but they are
already being imported by then, so no circle goes through them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Edge:
    """One module naming another in an import: inside a function, or for type checkers only."""

    target: str
    lazy: bool
    typing: bool = False

    def runs(self, lazy: bool) -> bool:
        """Whether importing the module imports the target: deferred imports count if `lazy`."""
        return not self.typing and (lazy or not self.lazy)


@dataclass
class Imports:
    """Each module of the package: the modules it imports, and the libraries outside it."""

    modules: dict[str, list[Edge]]
    libraries: dict[str, list[Edge]]

    def closure(self, start: str, lazy: bool = False) -> set[str]:
        """Every module `start` imports, directly or not; with `lazy`, deferred imports too."""
        seen, waiting = {start}, [start]
        while waiting:
            for edge in self.modules.get(waiting.pop(), []):
                if edge.runs(lazy) and edge.target not in seen:
                    seen.add(edge.target)
                    waiting.append(edge.target)
        return seen

    def libraries_reached(self, start: str, lazy: bool = False) -> set[str]:
        """The top-level names of the libraries that importing `start` imports."""
        return {
            edge.target
            for module in self.closure(start, lazy)
            for edge in self.libraries.get(module, [])
            if edge.runs(lazy)
        }

    def circles(self) -> list[list[str]]:
        """Each group of modules that import one another, round a circle (Tarjan's algorithm)."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        found: list[list[str]] = []

        def visit(name: str) -> None:
            index[name] = low[name] = len(index)
            stack.append(name)
            for edge in self.modules.get(name, []):
                if edge.target not in index:
                    visit(edge.target)
                    low[name] = min(low[name], low[edge.target])
                elif edge.target in stack:
                    low[name] = min(low[name], index[edge.target])
            if low[name] == index[name]:
                group = [stack.pop()]
                while group[-1] != name:
                    group.append(stack.pop())
                if len(group) > 1 or any(edge.target == name for edge in self.modules[name]):
                    found.append(sorted(group))

        for name in sorted(self.modules):
            if name not in index:
                visit(name)
        return found


def read_imports(package: Path) -> Imports:
    """The imports of every module under the directory `package`, named as Python names them."""
    names = {_module_name(package, path): path for path in package.rglob("*.py")}
    imports = Imports({}, {})
    for name, path in names.items():
        inside, outside = (
            imports.modules.setdefault(name, []),
            imports.libraries.setdefault(name, []),
        )
        is_package = path.name == "__init__.py"
        for target, lazy, typing in _named(ast.parse(path.read_text()), name, is_package):
            module = _longest_module(target, names)
            if module is not None:
                inside.append(Edge(module, lazy, typing))
            elif not target.startswith(f"{package.name}."):
                outside.append(Edge(target.partition(".")[0], lazy, typing))
    return imports


def _module_name(package: Path, path: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _named(tree: ast.Module, name: str, is_package: bool) -> Iterator[tuple[str, bool, bool]]:
    """Each dotted name the module imports or imports from, whether deferred, whether typing."""
    for node, lazy, typing in _imports(tree, lazy=False, typing=False):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, lazy, typing
            continue
        base = node.module or ""
        if node.level:
            parts = name.split(".") if is_package else name.split(".")[:-1]
            above = parts[: len(parts) - node.level + 1]
            base = ".".join([*above, base] if base else above)
        for alias in node.names:
            # `from . import logs` names the module base.logs; `from .x import y` names y in x,
            # which may itself be a module: the longest match decides.
            yield f"{base}.{alias.name}", lazy, typing


def _imports(
    node: ast.AST, lazy: bool, typing: bool
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, lazy, typing
        elif _is_type_checking(child):
            # Only the body of `if TYPE_CHECKING:` is for type checkers; its `else:` runs.
            assert isinstance(child, ast.If)
            for part in child.body:
                yield from _imports(ast.Module(body=[part], type_ignores=[]), lazy, True)
            for part in child.orelse:
                yield from _imports(ast.Module(body=[part], type_ignores=[]), lazy, typing)
        else:
            deferred = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            yield from _imports(child, deferred, typing)


def _is_type_checking(node: ast.AST) -> bool:
    """`if TYPE_CHECKING:`, whose imports only type checkers follow."""
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )


def _longest_module(dotted: str, names: dict[str, Path]) -> str | None:
    """The longest prefix of `dotted` that is a module of the package, if any."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in names:
            return candidate
    return None
