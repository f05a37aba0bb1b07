"""The package's import graph: units (top-level files and subpackages of yolo_dsconv), the imports between them
(module level and inside functions alike), cycles, layers, and the longest functions.

    python scripts/import_graph.py                    # a report
    python scripts/import_graph.py --json             # the same as JSON
    python scripts/import_graph.py --json --root PKG  # of another package's folder

A unit's layer is the longest chain of imports below it (0: imports no other unit). With no cycle every import
points down a layer; an import inside a cycle is counted as pointing up.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "yolo_dsconv"


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_imports(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Every module of the package and the package modules it imports (anywhere in the file)."""
    modules = {_module_name(p, root): p for p in root.rglob("*.py")}
    out = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                subs = [f"{target}.{a.name}" for a in node.names]
                # `from . import integration` imports the submodule; the package itself only for names it defines
                candidates = subs + ([target] if any(sub not in modules for sub in subs) else [])
            elif isinstance(node, ast.Import):
                candidates = [a.name for a in node.names]
            else:
                continue
            found |= {c for c in candidates if c in modules and c != name}
        out[name] = found
    return out


def _sccs(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan's algorithm, iterative)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
    return out


def unit_graph(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    """Imports between units ("__init__": the package's public API, which a unit below it must not import)."""
    units: dict[str, set[str]] = {}
    for name, targets in modules.items():
        units.setdefault(_unit(name), set()).update(_unit(t) for t in targets if _unit(t) != _unit(name))
    return units


def layers(graph: dict[str, set[str]]) -> dict[str, int]:
    """Longest chain of imports below each unit (units in a cycle share the cycle's layer)."""
    cycle_of = {n: tuple(c) for c in _sccs(graph) for n in c}
    memo: dict[str, int] = {}

    def depth(node: str, seen: frozenset) -> int:
        if node in memo:
            return memo[node]
        group = set(cycle_of.get(node, (node,)))
        below = {t for n in group for t in graph.get(n, ()) if t not in group and t not in seen}
        value = 1 + max((depth(t, seen | group) for t in below), default=-1)
        for n in group:
            memo[n] = value
        return value

    return {n: depth(n, frozenset()) for n in graph}


def longest_functions(root: Path = PACKAGE, n: int = 5) -> list[tuple[int, str]]:
    """The n longest functions as (lines, 'file:function')."""
    found = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append((node.end_lineno - node.lineno + 1, f"{path.relative_to(root)}:{node.name}"))
    return sorted(found, reverse=True)[:n]


def report(root: Path = PACKAGE) -> dict:
    modules = module_imports(root)
    units = unit_graph(modules)
    level = layers(units)
    module_cycles, unit_cycles = _sccs(modules), _sccs(units)
    cycle_of = {n: i for i, c in enumerate(unit_cycles) for n in c}
    up = sorted(f"{a} -> {b}" for a, ts in units.items() for b in ts if cycle_of.get(a, -1) == cycle_of.get(b, -2))
    return {
        "files": len(modules),
        "units": len(units),
        "layers": max(level.values()) + 1,
        "unit_layers": {u: level[u] for u in sorted(units, key=lambda u: (level[u], u))},
        "imports_between_modules": sum(len(t) for t in modules.values()),
        "imports_between_units": sum(len(t) for t in units.values()),
        "module_cycles": module_cycles,
        "unit_cycles": unit_cycles,
        "imports_pointing_up": up,
        "longest_functions": longest_functions(root),
    }


if __name__ == "__main__":
    root = Path(sys.argv[sys.argv.index("--root") + 1]) if "--root" in sys.argv else PACKAGE
    result = report(root)
    if "--json" in sys.argv:
        print(json.dumps(result, indent=1))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
