"""House style the formatter cannot enforce by itself: no code is kept out of `ruff format` by a pragma."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".venv", "var", "vendor", "node_modules", ".git"}
# `fmt: skip`, `fmt: off` and `fmt: on` (also `yapf: disable`) are how a line is hand-packed past the formatter.
PRAGMA = re.compile(r"#\s*(fmt:\s*(skip|off|on)|yapf:\s*disable)\b")


def formatter_pragmas(source: str) -> list[int]:
    """Line numbers of comments that switch the formatter off (string literals that mention one do not count)."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [tok.start[0] for tok in tokens if tok.type == tokenize.COMMENT and PRAGMA.search(tok.string)]


def python_files(root: Path) -> Iterable[Path]:
    for path in sorted(root.rglob("*.py")):
        if not SKIPPED_DIRS.intersection(path.relative_to(root).parts):
            yield path


def test_it_finds_a_formatter_pragma_in_a_comment_only() -> None:
    source = 'packed = [1, 2,\n    3]  # fmt: skip\ntext = "# fmt: skip"\n# fmt: off\nx = 1\n# fmt: on\n'
    assert formatter_pragmas(source) == [2, 4, 6]


def test_it_has_no_code_hidden_from_the_formatter() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in python_files(ROOT)
        for line in formatter_pragmas(path.read_text())
    ]
    assert found == [], "let `ruff format` lay these out (split long expressions into named locals):\n" + "\n".join(
        found
    )


PRODUCT_APPS = ("remediation", "alerts", "runbooks", "ai", "terminal")


def spill_files(app_dir: Path) -> list[str]:
    """`views_*.py` (and the like) beside an app's views: pages that outgrew one module belong in a `views/` package."""
    return sorted(path.name for path in app_dir.glob("views_*.py"))


def services_shape(app_dir: Path) -> str | None:
    """What is wrong with an app's services, or None when they are a package (`services/__init__.py`)."""
    if (app_dir / "services.py").exists():
        return "services.py is a module; make it a services/ package"
    if not (app_dir / "services" / "__init__.py").exists():
        return "no services/ package"
    return None


def test_it_tells_a_spill_file_and_a_services_module(tmp_path: Path) -> None:
    (tmp_path / "views.py").touch()
    (tmp_path / "views_extra.py").touch()
    (tmp_path / "services.py").touch()
    assert spill_files(tmp_path) == ["views_extra.py"]
    assert services_shape(tmp_path) == "services.py is a module; make it a services/ package"
    (tmp_path / "services.py").unlink()
    assert services_shape(tmp_path) == "no services/ package"
    (tmp_path / "services").mkdir()
    (tmp_path / "services" / "__init__.py").touch()
    assert services_shape(tmp_path) is None


def test_every_app_has_one_shape() -> None:
    problems = [f"{app}/{name}: move it into {app}/views/" for app in PRODUCT_APPS for name in spill_files(ROOT / app)]
    problems += [f"{app}: {shape}" for app in PRODUCT_APPS if (shape := services_shape(ROOT / app))]
    assert problems == [], "\n".join(problems)
