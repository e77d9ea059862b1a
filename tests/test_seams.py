"""One seam per library: each external library is imported by the app modules that own it and nowhere else."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("config", "remediation", "alerts", "runbooks", "ai", "terminal")
# library → the modules allowed to import it (paths relative to the repository).
SEAMS = {
    "paramiko": {"remediation/ssh/channels.py", "remediation/ssh/connect.py", "remediation/ssh/keys.py"},
    # jobs.py enqueues, upserts schedules and reads the broker; the admin only registers django-q2's own tables.
    "django_q": {"remediation/jobs.py", "remediation/admin/queue.py"},
}


def _imported(path: Path) -> set[str]:
    """Top-level package names a module imports (at any depth: lazy imports inside functions count too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def _app_modules() -> list[Path]:
    return [
        path
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT).parts
    ]


@pytest.mark.parametrize("library", sorted(SEAMS))
def test_it_imports_each_library_only_at_its_seam(library: str) -> None:
    importers = {str(path.relative_to(ROOT)) for path in _app_modules() if library in _imported(path)}
    assert importers == SEAMS[library]
