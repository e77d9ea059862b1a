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
