"""One rule per capability: no module outside gd/registry.py and gd/optimizers.py compares anything
with an optimizer's or a schedule's name. What an optimizer or a schedule is (needs the samples, has a
learning rate, a stability limit, momentum, adaptive, ...) is a field of its registry entry, and every
other module asks the entry; adding an optimizer is then one entry and its update rule
(docs/adding-an-optimizer.md). This test walks the syntax tree of every project Python file and lists
each comparison (==, !=, in, not in, a match-case) between an expression and a registry name, or a
tuple, list or set literal that holds one. Assigning a name (a default, say) is data, not a comparison."""

from __future__ import annotations

import ast
from pathlib import Path

from gd import registry

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {Path("gd/registry.py"), Path("gd/optimizers.py")}
NAMES = frozenset(registry.NAMES) | frozenset(registry.SCHEDULE_NAMES)


def project_files() -> list[Path]:
    """The project's own Python: the app's modules, the engine, the serving script, the benchmarks and
    docs/'s scripts (tests/ excluded)."""
    files = [ROOT / name for name in ("app.py", "panel.py")] + sorted((ROOT / "ui").glob("*.py"))
    files += sorted((ROOT / "gd").rglob("*.py"))
    files += sorted((ROOT / "bench").glob("*.py")) + sorted((ROOT / "docs").glob("*.py"))
    files += [p for p in sorted((ROOT / "deploy").iterdir()) if p.is_file() and _is_python(p)]
    return [p for p in files if p.exists()]


def _is_python(path: Path) -> bool:
    if path.suffix == ".py":
        return True
    first = path.read_text(errors="replace").split("\n", 1)[0]
    return first.startswith("#!") and "python" in first


def _names_in(node: ast.AST) -> set[str]:
    """The registry names `node` is, or holds as a tuple, list or set literal's element."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in NAMES:
        return {node.value}
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return set().union(*(_names_in(e) for e in node.elts)) if node.elts else set()
    if isinstance(node, ast.Dict):  # `x in {"gd": ...}`: its keys
        return set().union(*(_names_in(k) for k in node.keys if k is not None)) if node.keys else set()
    return set()


def _pattern_names(pattern: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(pattern):
        if isinstance(node, ast.MatchValue):
            found |= _names_in(node.value)
    return found


def name_comparisons(source: str, filename: str = "<source>") -> list[tuple[int, str]]:
    """(line, names) of each comparison with a registry name in `source`."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Compare):
            ops = node.ops
            operands = [node.left, *node.comparators]
            for i, op in enumerate(ops):
                if isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn)):
                    names = _names_in(operands[i]) | _names_in(operands[i + 1])
                    if names:
                        found.append((node.lineno, ", ".join(sorted(names))))
        elif isinstance(node, ast.match_case):
            names = _pattern_names(node.pattern)
            if names:
                found.append((node.pattern.lineno, ", ".join(sorted(names))))
    return found


def test_no_module_compares_a_registry_name():
    places = []
    for path in project_files():
        rel = path.relative_to(ROOT)
        if rel in ALLOWED:
            continue
        for line, names in sorted(name_comparisons(path.read_text(), str(rel))):
            places.append(f"{rel}:{line}: {names}")
    assert not places, "ask gd.registry's entries, not their names:\n" + "\n".join(places)


def test_the_walk_sees_every_kind_of_comparison():
    """The walk itself: each form of comparison is caught, and an assignment or a call is not."""
    source = """
a = x == "linesearch"
b = "constant" != y
c = x in ("newton", "cg")
d = x not in {"sgd"}
e = x in ["adam", "other"]
f = 0 < x == "gd"
match x:
    case "nesterov":
        pass
    case "momentum" | "rmsprop":
        pass
default = "gd"
g = registry.entry("adam")
h = x == "not a name"
i = x in {"cosine": 1}
"""
    lines = [line for line, _ in name_comparisons(source)]
    assert sorted(lines) == [2, 3, 4, 5, 6, 7, 9, 11, 16]


def test_the_walk_covers_the_project():
    rels = {p.relative_to(ROOT).as_posix() for p in project_files()}
    assert {
        "app.py",
        "ui/view.py",
        "ui/state.py",
        "panel.py",
        "gd/__main__.py",
        "gd/registry.py",
        "deploy/serve",
    } <= rels
    assert any(r.startswith("bench/") for r in rels)
    assert any(r.startswith("gd/figures/") for r in rels) or not (ROOT / "gd/figures").exists()
