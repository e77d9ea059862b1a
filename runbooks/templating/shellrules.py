"""Which words of a simple command another program reads as code, a command name or a variable name.

The shell expands a variable once and never parses its value; these rules catch the programs that do: nested
shells and interpreters (`sh -c`, `bash -c`, `python -c`, `awk 'prog'`, `sed 'script'`), `eval`, `ssh host cmd`,
`su -c`, `sudo -s`, `watch`, `trap`, `alias`, arithmetic (`[[ … -eq … ]]`, `let`, `declare -i`), names of
variables (bash evaluates `a[$(cmd)]` subscripts in them), shell-interpreted variables (PS4, PATH, IFS…) and the
command name itself; options whose value a program runs (`tar --to-command=…`, `rsync -e`, `git -c`) and command
lines run in a container (`docker exec`). Wrappers (`sudo`, `env`, `timeout`, `nice`, `xargs`, `find -exec`…) are
looked through. The programs are data in `shelltables`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from runbooks.templating.shelltables import (
    ARITHMETIC_TESTS,
    CODE_COMMANDS,
    CODE_OPERAND,
    EXECUTING_OPTIONS,
    INTERPRETERS,
    NAME_COMMANDS,
    REMOTE_SUBCOMMANDS,
    RESERVED,
    SHELLS,
    SPECIAL_PREFIXES,
    SPECIAL_VARIABLES,
    STDIN_PATHS,
    STDIN_READERS,
    TWO_WORD_OPTIONS,
    WHOLE_OPTIONS,
    WRAPPERS,
)

Problem = tuple[int, str, str]  # (marker index, kind, detail)

DYNAMIC = "\ue002"  # in a word's text: an expansion ($name, $(…), ${…}) stood there
POSITIONAL = re.compile(r"\$(?:[0-9@*]|\{(?:[0-9]+|[@*])\})")


@dataclass
class Word:
    """A word after quote removal (markers kept); `quoted` when any part was quoted or escaped."""

    text: str = ""
    markers: list[int] = field(default_factory=list)
    quoted: bool = False
    assignment: bool = False
    end: int = 0

    @property
    def name(self) -> str:
        return "" if self.markers else posixpath.basename(self.text)

    @property
    def option(self) -> bool:
        return not self.markers and len(self.text) > 1 and self.text[0] in "-+"


def analyse(words: list[Word]) -> Iterator[Problem]:
    """Refused placements in one simple command (assignments, then the command and its arguments)."""
    position = 0
    while position < len(words):
        word = words[position]
        if word.text in RESERVED and not word.quoted:
            position += 1
        elif word.assignment:
            yield from _assignment(word)
            position += 1
        else:
            break
    yield from _command(words[position:])


def _all(words: list[Word], kind: str, detail: str = "") -> Iterator[Problem]:
    return ((index, kind, detail) for word in words for index in word.markers)


def _assignment(word: Word) -> Iterator[Problem]:
    name = word.text.split("=", 1)[0].rstrip("+")
    if "[" in name:
        yield from ((i, "name", "an array subscript") for i in word.markers)
    elif name in SPECIAL_VARIABLES or name.startswith(SPECIAL_PREFIXES):
        yield from ((i, "special", name) for i in word.markers)


def _command(words: list[Word]) -> Iterator[Problem]:
    if not words:
        return
    head, rest = words[0], words[1:]
    if head.markers:
        yield from _all([head], "command")
    elif DYNAMIC in head.text:
        yield from _all(rest, "dynamic")  # `$cmd -c "…"`: what reads the value is only known when it runs
    name = head.name
    if name in WRAPPERS:
        yield from _wrapper(name, rest)
    elif name in CODE_COMMANDS:
        yield from _all(rest, "nested", f"`{name}`")
    elif name in INTERPRETERS:
        yield from _interpreter(name, rest)
    elif name in NAME_COMMANDS:
        yield from _names(name, rest)
    elif name == "set":
        yield from _all(rest, "positional")
    elif name in {"for", "select"} and rest:
        yield from _all(rest[:1], "name", name)
    elif name == "[[" and any(w.text in ARITHMETIC_TESTS and not w.markers for w in rest):
        yield from _all(rest, "arith", "[[ … ]] with an arithmetic test")
    elif name in {"test", "[", "printf"}:
        yield from _after_option(rest, {"-v", "-R"}, "name")
    elif name == "find":
        for offset, word in enumerate(rest):
            if word.text in {"-exec", "-execdir", "-ok", "-okdir"}:
                yield from _command(rest[offset + 1 :])
    yield from _executing(name, rest)
    # A shell or interpreter further along with a code option (docker exec c sh -c "…") reads code too.
    for offset, word in enumerate(rest):
        if word.name in INTERPRETERS:
            yield from _interpreter(word.name, rest[offset + 1 :], operand_is_code=False)


def _executing(name: str, rest: list[Word]) -> Iterator[Problem]:
    """Values of options the program runs as a command (`tar --to-command=…`), or after `docker exec` & co."""
    literal = {w.text for w in rest if not w.markers}
    options = EXECUTING_OPTIONS.get(name, frozenset()).union(
        *(v for k, v in EXECUTING_OPTIONS.items() if k.startswith(name + " ") and k.split(" ", 1)[1] in literal)
    )
    for offset, word in enumerate(rest):
        if not word.markers and word.text in REMOTE_SUBCOMMANDS.get(name, ()):
            yield from _all(rest[offset + 1 :], "nested", f"`{name} {word.text}`")
            return
        if word.text == "--" and not word.markers:
            return
        option = _executing_option(word.text, options)
        if option and word.markers:
            yield from _all([word], "executing", f"{name} {option}")
        elif option and offset + 1 < len(rest) and _takes_next(word.text, option):
            yield from _all(rest[offset + 1 : offset + 2], "executing", f"{name} {option}")


def _executing_option(text: str, options: frozenset[str]) -> str:
    """The executing option a word is or begins with ('' when none): `--opt[=v]` (or a GNU abbreviation of it),
    `-Xv` / a cluster `-abX v`, `+cmd`."""
    if text.startswith("+") and "+" in options:
        return "+"
    name = text.split("=", 1)[0]
    if name in options:
        return name
    if text.startswith("--") and len(name) > 3 and name not in WHOLE_OPTIONS:
        return next((o for o in sorted(options) if o.startswith(name)), "")
    if text.startswith("-") and not text.startswith("--"):
        for position in range(1, len(text)):
            if "-" + text[position] in options:
                return "-" + text[position]
            if not text[position].isalnum():
                break
    return next((o for o in sorted(options) if len(o) > 2 and o[1] != "-" and text.startswith(o)), "")


def _takes_next(text: str, option: str) -> bool:
    """Whether the option's value is the next word (not glued in this one)."""
    if option == "+" or "=" in text:
        return False
    return text == option or (text.endswith(option[-1]) and not text.startswith("--"))


def _wrapper(name: str, rest: list[Word]) -> Iterator[Problem]:
    with_argument, positional, code = WRAPPERS[name]
    position = 0
    while position < len(rest):
        word = rest[position]
        if word.text in code or word.text.split("=", 1)[0] in code:
            yield from _all(rest[position:], "nested", f"`{name} {word.text}`")
            return
        if _optional(word):  # `--opt={{ x }}` is an option too (its value is checked by _executing)
            position += 2 if word.text in with_argument else 1
        elif name == "env" and word.assignment:
            yield from _assignment(word)
            position += 1
        elif positional:
            positional -= 1
            position += 1
        else:
            break
    yield from _command(rest[position:])


def _interpreter(name: str, rest: list[Word], operand_is_code: bool = True) -> Iterator[Problem]:
    """Options (a code option's word is code), then operands: the program unless given already; the rest is data."""
    code_options, with_argument, file_options = INTERPRETERS[name]
    letters = {o[1] for o in code_options if len(o) == 2}
    position, has_program = 0, False
    while position < len(rest):
        word = rest[position]
        text = word.text
        if word.markers and text[:1] in "-+":
            yield from _all([word], "nested", f"`{name}`")  # an option whose value is the code (`--eval=…`, `-e…`)
        if not word.option or text == "--":
            position += text == "--"
            break
        clustered = text[0] == "-" and text[1:].isalpha() and not text.startswith("--") and letters & set(text[1:])
        if text in code_options or clustered:
            yield from _all(rest[position + 1 : position + 2], "nested", f"`{name} {text}`")
            has_program, position = True, position + 2
            continue
        has_program = has_program or text in file_options
        position += _width(text, with_argument | file_options)
    operand = CODE_OPERAND.get(name, 0)
    if operand_is_code and not has_program and operand is not None and position + operand < len(rest):
        yield from _all([rest[position + operand]], "nested", f"`{name}` (as its program or script)")


def shell_scripts(words: list[Word]) -> Iterator[tuple[str, Word, list[Word]]]:
    """Each `sh -c 'script' arg…` in a simple command: (label, the script word, the words after it)."""
    for offset, word in enumerate(words):
        if word.name not in SHELLS:
            continue
        rest = words[offset + 1 :]
        position = 0
        while position < len(rest) and rest[position].option and rest[position].text != "--":
            text = rest[position].text
            if text == "-c" or (text[0] == "-" and text[1:].isalpha() and "c" in text[1:]):
                if position + 1 < len(rest):
                    yield f"{word.name} {text}", rest[position + 1], rest[position + 2 :]
                break
            position += 2 if text in {"-o", "+o", "-O", "+O"} else 1


def command_name(words: list[Word]) -> str:
    """The name of the command a simple command runs (past assignments, reserved words and wrappers)."""
    inner = unwrapped(words)
    return inner[0].name if inner else ""


def _names(name: str, rest: list[Word]) -> Iterator[Problem]:
    options = "".join(w.text[1:] for w in rest if w.option)
    if name in {"declare", "typeset", "local", "readonly", "export"}:
        if "i" in options or "n" in options:  # -i: values are arithmetic; -n: values name variables
            yield from _all(rest, "arith" if "i" in options else "name", f"{name} -{options}")
            return
        for word in rest:
            if word.assignment:
                yield from _assignment(word)
            elif word.markers:
                yield from _all([word], "name", name)
        return
    yield from _all(rest, "name", name)


def _after_option(rest: list[Word], options: set[str], kind: str) -> Iterator[Problem]:
    for offset, word in enumerate(rest[:-1]):
        if word.text in options and not word.markers:
            yield from _all(rest[offset + 1 : offset + 2], kind, word.text)


def stdin_program(words: list[Word]) -> str:
    """The program of a simple command that reads code from its standard input ('' when it does not)."""
    inner = unwrapped(words)
    if inner and inner[0].name == "parallel":
        return "parallel"  # standard input becomes arguments of a command line run by a shell
    through_xargs = "xargs" in (w.name for w in words[: len(words) - len(inner)])
    if through_xargs and inner and (inner[0].name in INTERPRETERS or inner[0].name in CODE_COMMANDS):
        return f"xargs {inner[0].name}"  # standard input becomes its arguments (-I{} puts it into the code word)
    words = inner
    if not words or words[0].name not in STDIN_READERS:
        return ""
    name, rest = words[0].name, words[1:]
    code_options, with_argument, file_options = INTERPRETERS.get(name, (frozenset(), frozenset(), frozenset()))
    position = 0
    while position < len(rest) and rest[position].option and rest[position].text != "--":
        text = rest[position].text
        if text in code_options or text in file_options:
            return "" if position + 1 < len(rest) else name  # `xargs sh -c`: the code comes from stdin
        if name in SHELLS and text.startswith("-") and "s" in text[1:]:
            return name  # sh -s: the script is standard input, the operands are its arguments
        position += _width(text, with_argument)
    operands = [w.text for w in rest[position:] if w.text != "--"]
    if name in {"psql", "mysql", "mariadb", "at", "batch"}:
        return "" if name in {"at", "batch"} and "-f" in (w.text for w in rest) else name
    if name == "sqlite3":
        return name if len(operands) < 2 else ""
    if name in {"source", "."}:
        return name if operands[:1] and operands[0] in STDIN_PATHS else ""
    return name if not operands or operands[0] in STDIN_PATHS else ""


def unwrapped(words: list[Word]) -> list[Word]:
    """The command a simple command finally runs: past assignments, reserved words and wrappers."""
    while words and (words[0].assignment or (words[0].text in RESERVED and not words[0].quoted)):
        words = words[1:]
    while words and words[0].name in WRAPPERS:
        with_argument, positional, _ = WRAPPERS[words[0].name]
        position = 1
        while position < len(words) and (_optional(words[position]) or words[position].assignment or positional):
            if not (_optional(words[position]) or words[position].assignment):
                positional -= 1
            position += 2 if words[position].text in with_argument else 1
        words = words[position:]
    return words


def _optional(word: Word) -> bool:
    """An option word, also one with a value glued to it (`--opt={{ x }}`)."""
    return word.option or word.text.startswith("-")


def _width(option: str, with_argument: frozenset[str]) -> int:
    """How many words an option takes up, itself included."""
    return 3 if option in TWO_WORD_OPTIONS else 2 if option in with_argument else 1
