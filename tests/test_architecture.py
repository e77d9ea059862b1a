"""The layers of docs/architecture.md, enforced: every import of product code runs downward, and apps form no cycle.

Every product module is parsed (migrations included) and every `import` in it is read, at module level or inside a
function, so a lazy import cannot hide an upward dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Bottom (0) to top; docs/architecture.md draws the same table. An app imports only apps on a lower layer.
LAYERS: dict[str, int] = {"remediation": 0, "runbooks": 1, "alerts": 2, "ai": 3, "terminal": 3, "config": 4}

Edge = tuple[str, str, str]  # (importing module, imported module, the line it is on as "path:line")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path, root: Path) -> Iterable[tuple[str, int]]:
    """Every module named by an import statement anywhere in the file (relative imports resolved)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                yield ".".join([*base, *([node.module] if node.module else [])]), node.lineno
            else:
                yield node.module or "", node.lineno


def cross_app_imports(root: Path, apps: Iterable[str]) -> list[Edge]:
    """Every import from one app's module of another app's module under `root`."""
    apps = set(apps)
    edges: list[Edge] = []
    for app in sorted(apps):
        for path in sorted((root / app).rglob("*.py")):
            source = module_name(path, root)
            for target, line in imported_names(path, root):
                if target.split(".")[0] in apps - {app}:
                    edges.append((source, target, f"{path.relative_to(root)}:{line}"))
    return edges


def upward(edges: Iterable[Edge], layers: Mapping[str, int]) -> list[str]:
    """The imports that do not run down a layer (sideways between top apps counts too)."""
    bad = []
    for source, target, where in edges:
        src, dst = source.split(".")[0], target.split(".")[0]
        if layers[dst] >= layers[src]:
            bad.append(f"{where}: {source} (layer {layers[src]}) imports {target} (layer {layers[dst]})")
    return bad


def app_cycles(edges: Iterable[Edge]) -> list[list[str]]:
    """Cycles in the app graph (each found once, from its smallest app)."""
    graph: dict[str, set[str]] = {}
    for source, target, _ in edges:
        graph.setdefault(source.split(".")[0], set()).add(target.split(".")[0])
    cycles: list[list[str]] = []

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                cycles.append([*path, start])
            elif nxt > start and nxt not in path:
                walk(start, nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, start, [start])
    return cycles


PRODUCT_EDGES = cross_app_imports(ROOT, LAYERS)


def test_it_reads_imports_between_the_apps() -> None:
    # Guards the walker itself: the top apps do import the kernel, so an empty list would mean it saw nothing.
    apps = {(s.split(".")[0], t.split(".")[0]) for s, t, _ in PRODUCT_EDGES}
    assert {("alerts", "remediation"), ("alerts", "runbooks"), ("runbooks", "remediation")} <= apps


def test_it_finds_no_import_from_a_lower_layer_to_a_higher_one() -> None:
    assert upward(PRODUCT_EDGES, LAYERS) == []


def test_it_finds_no_import_cycle_among_the_apps() -> None:
    assert app_cycles(PRODUCT_EDGES) == []


def test_the_architecture_page_draws_the_same_layers() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text()
    for app, layer in LAYERS.items():
        assert f"| {layer} | `{app}/`" in page, f"docs/architecture.md does not place {app}/ on layer {layer}"


def _plant(root: Path, files: Mapping[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for app in LAYERS:
        (root / app).mkdir(exist_ok=True)


PLANTED = {
    "function-level upward import": {
        "remediation/services/x.py": "def f():\n    from alerts.services import remediate\n    return remediate\n",
    },
    "relative import stays inside the app, absolute one goes up": {
        "runbooks/services/__init__.py": "",
        "runbooks/services/y.py": "from . import z\nimport alerts.models\n",
    },
    "sideways between the top apps": {"ai/z.py": "from terminal.services import open_session\n"},
}


@pytest.mark.parametrize("files", PLANTED.values(), ids=PLANTED.keys())
def test_it_fails_on_a_planted_upward_import(tmp_path: Path, files: dict[str, str]) -> None:
    _plant(tmp_path, files)
    found = upward(cross_app_imports(tmp_path, LAYERS), LAYERS)
    assert len(found) == 1
    assert found[0].startswith(next(iter(files)).replace("__init__.py", ""))


def test_it_accepts_a_planted_downward_import(tmp_path: Path) -> None:
    _plant(tmp_path, {"alerts/a.py": "from runbooks.services import execute\nfrom remediation import jobs\n"})
    edges = cross_app_imports(tmp_path, LAYERS)
    assert len(edges) == 2
    assert upward(edges, LAYERS) == []


def test_it_finds_a_planted_cycle(tmp_path: Path) -> None:
    _plant(tmp_path, {"alerts/a.py": "import runbooks.b\n", "runbooks/b.py": "def f():\n    import alerts.a\n"})
    assert app_cycles(cross_app_imports(tmp_path, LAYERS)) == [["alerts", "runbooks", "alerts"]]
