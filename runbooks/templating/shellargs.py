"""Values a program could read as options: a value that begins an argument word, unless `--` came before it.

`tar -xf a.tar {{ x }}` with x = `--to-command=…` runs a command, though the shell never parsed the value: tar
did. The scanner records, per simple command, the groups of markers that begin an argument word with no `--` before
them; `shell.render_command` refuses a group whose value begins with `-` (or `+` for the programs that read `+cmd`).
Values piped into `xargs` become arguments too: refused unless `--` ends the options of the command it runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from runbooks.templating.engine import MARKER, Placeholder, text_of
from runbooks.templating.shellrules import DYNAMIC, Word, unwrapped
from runbooks.templating.shelltables import (
    INTERPRETERS,
    NOT_PROGRAMS,
    OPTIONS_BEFORE_OPERANDS,
    PLUS_OPTIONS,
    RESERVED,
    TWO_WORD_OPTIONS,
)

LEADING = re.compile(f"(?:{DYNAMIC}|{MARKER.pattern})*")


def leading_markers(text: str) -> list[int]:
    """Markers at the start of a word's text, before any literal character (expansions may be empty)."""
    prefix = LEADING.match(text)
    return [int(m) for m in MARKER.findall(prefix.group(0))] if prefix else []


def option_words(words: list[Word]) -> Iterator[tuple[Word, bool, str]]:
    """Argument words with a value in them that a program reads options from: (word, after `--`, option chars)."""
    position = 0
    while position < len(words) and (words[position].assignment or words[position].text in RESERVED):
        position += 1
    body = words[position:]
    if not body or body[0].markers or (body[0].text in NOT_PROGRAMS and not body[0].quoted):
        return
    inner_at = len(body) - len(unwrapped(body))
    program, ended, stopped, skip = body[0].name, False, False, 0
    for offset, word in enumerate(body[1:], 1):
        if offset == inner_at:  # a wrapper's command starts: its own options begin afresh
            program, ended, stopped, skip = word.name, False, False, 0
            continue
        if skip or stopped:
            skip -= 1 if skip else 0
            continue
        if word.text == "--" and not word.markers:
            ended = True
            continue
        if word.markers:
            yield word, ended, "-+" if program in PLUS_OPTIONS else "-"
        skip = _argument_width(program, word)
        stopped = program in OPTIONS_BEFORE_OPERANDS and (ended or not word.option) and not skip


def _argument_width(program: str, word: Word) -> int:
    """How many following words an option of a known interpreter takes (they are its arguments, not options)."""
    if program not in INTERPRETERS or not word.option:
        return 0
    code, with_argument, files = INTERPRETERS[program]
    if word.text in TWO_WORD_OPTIONS:
        return 2
    return 1 if word.text in code | with_argument | files else 0


def xargs_program(words: list[Word]) -> str:
    """`xargs CMD` when the words xargs reads from standard input could become options of CMD ('' when not)."""
    inner = unwrapped(words)
    wrappers = words[: len(words) - len(inner)]
    if "xargs" not in (w.name for w in wrappers):
        return ""
    replace = _replace_string(wrappers)
    if not inner:
        return "xargs echo"
    ends = [i for i, w in enumerate(inner[1:], 1) if w.text == "--" and not w.markers]
    if ends and not (replace and any(replace in w.text or w.markers for w in inner[1 : ends[0]])):
        return ""
    operands = [w for w in inner[1:] if not w.option]
    if not replace and inner[0].name in OPTIONS_BEFORE_OPERANDS and operands:
        return ""
    return f"xargs {inner[0].name}"


def _replace_string(wrappers: list[Word]) -> str:
    """The string `xargs -I R` replaces with each input line ('' without -I/-i/--replace)."""
    for offset, word in enumerate(wrappers):
        text = word.text
        if text == "-I" and offset + 1 < len(wrappers):
            return wrappers[offset + 1].text
        if text.startswith("-I") or text.startswith("--replace="):
            return text[2:] if text.startswith("-I") else text.split("=", 1)[1]
        if text.startswith("-i") or text == "--replace":
            return text[2:] or "{}" if text.startswith("-i") else "{}"
    return ""


def option_problems(groups: list[tuple[list[int], str]], values: list[tuple[Placeholder, Any]]) -> list[str]:
    """A value that begins an argument word with `-` (or `+` where that is an option too), naming its placeholder."""
    problems: list[str] = []
    for group, chars in groups:
        texts = [(values[i][0], text_of(values[i][1])) for i in group if i < len(values)]
        first = next(((p, t) for p, t in texts if t), None)
        if first is None or first[1][0] not in chars:
            continue
        placeholder, text = first
        who = f"parameter {placeholder.param!r}" if placeholder.param else f"a value from {placeholder.source}"
        tag = placeholder.tag
        problem = (
            f"{tag} ({who}) begins an argument with {text[:12]!r}, which the program would read as an option "
            f"(`tar … --to-command=…` runs a command). Safe form: put `--` before it (rm -- {tag}), or prefix it "
            f"(./{tag} for a file name); or declare the parameter with a `pattern` that does not begin with {chars[0]}"
        )
        if problem not in problems:
            problems.append(problem)
    return problems
