"""A value written to a file that the same command then runs: `echo {{ x }} > /tmp/f; . /tmp/f` runs the value.

The scanner records, per simple command, the files it writes a value into (`>`, `>>`, `>|`, `&>`, `tee FILE`,
`dd of=FILE`) and the files it runs (`./f` or `/path/f` as the command, `.`/`source`, a shell or interpreter given
the file as its program, `sh < f`, `awk -f f`, `crontab f`, `at -f f`; also inside `sh -c '…'`, `eval`, `su -c`
and a here-document a shell reads). Written and run paths are compared after normalisation (a relative path: by its
file name, the directory depends on `cd`); a path with an expansion in it (`$DIR/f`) may be any file, so it matches
every other.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from itertools import pairwise

from runbooks.templating.engine import MARKER
from runbooks.templating.shellrules import DYNAMIC, Word, command_name, shell_scripts, stdin_program, unwrapped
from runbooks.templating.shelltables import CODE_COMMANDS, CODE_OPERAND, INTERPRETERS, TWO_WORD_OPTIONS

WRITES = frozenset({">", ">>", ">|", "&>", "&>>", "<>", ">&"})
SOURCES = frozenset({".", "source"})


def written(words: list[Word], redirects: list[tuple[str, Word]]) -> list[str]:
    """Paths a simple command writes its output (and so the values it carries) to."""
    paths = [w.text for op, w in redirects if op in WRITES and not (op == ">&" and _descriptor(w.text))]
    inner = unwrapped(words)
    name = inner[0].name if inner else ""
    if name == "tee":
        paths += [w.text for w in inner[1:] if not w.option]
    elif name == "dd":
        paths += [w.text.split("=", 1)[1] for w in inner[1:] if w.text.startswith("of=")]
    return paths


def run(words: list[Word], redirects: list[tuple[str, Word]]) -> Iterator[tuple[str, str]]:
    """Files a simple command runs, with what runs them: (path, `by`)."""
    inner = unwrapped(words)
    if not inner:
        return
    head, name = inner[0], inner[0].name
    if "/" in head.text or head.markers or DYNAMIC in head.text:
        yield head.text, "as the command"
    elif name in SOURCES and len(inner) > 1:
        yield inner[1].text, f"`{name}`"
    elif name in INTERPRETERS:
        yield from ((path, f"`{name}`") for path in _program_files(name, inner[1:]))
    elif name in {"at", "batch"}:
        yield from ((w.text, f"`{name} -f`") for o, w in pairwise(inner) if o.text == "-f")
    if stdin_program(words):
        yield from ((w.text, f"`{name}` reading it from <") for op, w in redirects if op == "<")


def code_texts(words: list[Word]) -> list[str]:
    """Command text a simple command runs: `sh -c` scripts, what `eval`, `su -c`, `trap` … run (to find files run)."""
    texts = [script.text for _, script, _ in shell_scripts(words)]
    inner = unwrapped(words)
    if command_name(words) in CODE_COMMANDS:
        texts += [w.text for w in inner[1:]] + [" ".join(w.text for w in inner[1:])]
    return [t for t in texts if not MARKER.search(t)]  # one with a value in it is refused already


def _program_files(name: str, rest: list[Word]) -> Iterator[str]:
    """The file an interpreter runs: its program operand (no code option given) or a file option's word."""
    code_options, with_argument, file_options = INTERPRETERS[name]
    position, has_code = 0, False
    while position < len(rest) and rest[position].option and rest[position].text != "--":
        text = rest[position].text
        if text in file_options and position + 1 < len(rest):
            yield rest[position + 1].text
        has_code = has_code or text in code_options or text in file_options
        position += 3 if text in TWO_WORD_OPTIONS else 2 if text in with_argument | code_options | file_options else 1
    position += position < len(rest) and rest[position].text == "--"
    operand = CODE_OPERAND.get(name, 0)
    if not has_code and operand is not None and position + operand < len(rest):
        yield rest[position + operand].text


def dynamic(path: str) -> bool:
    return DYNAMIC in path or bool(MARKER.search(path))


def same_file(written_path: str, run_path: str) -> bool:
    """Whether a run may be of the written file: equal paths, equal names when either is relative, or unknown."""
    if dynamic(written_path) or dynamic(run_path):
        return True
    a, b = posixpath.normpath(written_path), posixpath.normpath(run_path)
    if a == b:
        return True
    relative = not a.startswith(("/", "~")) or not b.startswith(("/", "~"))
    return relative and posixpath.basename(a) == posixpath.basename(b)


def _descriptor(target: str) -> bool:
    return target.isdigit() or target == "-"
