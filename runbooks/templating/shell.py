"""Shell commands: values travel as variables assigned before the author's script, never as command text.

The command sent to the target is `RE_V1='<value>'` (one line per value; the value single-quoted with `'` written
as `'\\''`, a statement the author does not control) followed by the author's script, in which each placeholder
became a reference in the form its quoting needs: `"${RE_V1}"` in an unquoted word, `${RE_V1}` inside "…" and in
a here-document, `'"${RE_V1}"'` inside '…'. A shell expands a variable once and never parses the value, so no
quote, `$(…)`, backtick, `;` or heredoc terminator in a value is ever read as syntax. Placements where a program
would read the expanded value as code are refused with the safe form (see `shellrules`).
"""

from __future__ import annotations

import re
from typing import Any

from runbooks.templating.engine import (
    MARKER,
    Marked,
    Placeholder,
    Rendered,
    TemplateProblem,
    label,
    raw_problem,
    render_marked,
    secret_values,
    static_marked,
    substitution,
    text_of,
)
from runbooks.templating.shellargs import option_problems
from runbooks.templating.shellscan import COMMENT, DOUBLE, HEREDOC, SINGLE, UNQUOTED, Scan, scan
from runbooks.templating.shelltables import SHELLS

VARIABLE = "RE_V{}"
REFERENCE = {
    UNQUOTED: '"${{{0}}}"',
    DOUBLE: "${{{0}}}",
    SINGLE: "'\"${{{0}}}\"'",
    HEREDOC: "${{{0}}}",
    COMMENT: "${{{0}}}",
}
ARGUMENT = 'pass the value as an argument and refer to it as "$1": sh -c \'systemctl restart "$1"\' sh {tag}'
PATTERN_RAW = "or declare a runbook parameter with a `pattern` and write {{{{ params.NAME|raw }}}}"
# kind → (why the placement is refused, the safe form); {tag} is the placeholder, {detail} names the construct.
REASONS: dict[str, tuple[str, str]] = {
    "nested": ("would be read as code by {detail}", "run that program without the value in its code; " + PATTERN_RAW),
    "command": (
        "names the command to run",
        "write the command yourself and pass the value as an argument: systemctl restart {tag}",
    ),
    "dynamic": (
        "is an argument of a command whose name is only known when it runs (`$cmd …`), so what reads it cannot be "
        "checked",
        "write the command name itself: python3 script.py {tag}",
    ),
    "positional": (
        "would become $1, $2 … of the shell (`set --`), which the checks do not follow",
        "assign it to a variable instead: V={tag}",
    ),
    "name": (
        "names a variable (`{detail}`; bash evaluates a[$(…)] subscripts in names)",
        "write the variable name yourself: V={tag}",
    ),
    "special": (
        "is assigned to {detail}, which the shell itself or a program it runs interprets",
        "assign it to a variable of your own: V={tag}",
    ),
    "arith": (
        "is evaluated as arithmetic ({detail}), which runs $(…) inside a[…] in bash",
        f"compare with test: [ {{tag}} -eq 3 ]; {PATTERN_RAW} (e.g. pattern [0-9]+)",
    ),
    "quoted-heredoc": (
        "is inside a here-document with a quoted delimiter (<<'EOF'), where nothing is substituted",
        "use an unquoted delimiter (<<EOF): the value is substituted there as data (escape $, ` "
        "and \\ in your own text), or pipe it: printf '%s\\n' {tag} | command",
    ),
    "ansi": ("is inside $'…'", 'use double quotes: "… {tag} …"'),
    "param": ("is inside ${{…}}", 'assign it first, then expand the variable: V={tag}; echo "${{V:-default}}"'),
    "escape": ("follows a `{detail}`, which changes how the shell reads it", "remove the {detail} before {tag}"),
    "delimiter": ("is a here-document delimiter", "write the delimiter yourself: <<EOF"),
    "executing": (
        "is the value of `{detail}`, an option whose value the program runs as a command",
        "write that option's value yourself (no placeholder in it) and pass the value only as a plain argument, "
        "after `--`: tar -xf a.tar -- {tag}",
    ),
    "write-run": (
        "would be written to a file that the command then runs ({detail})",
        "do not run a file the command writes: write those commands in the step itself and give them the value as "
        "an argument: sh -c 'systemctl restart \"$1\"' sh {tag}",
    ),
    "xargs": (
        "reaches `{detail}` through its standard input: xargs makes each word of it an argument, and one that "
        "begins with - becomes an option of that command",
        "put `--` after the command xargs runs (… | xargs -r rm --), or pass the value as an argument: rm -- {tag}",
    ),
    "unparsed": (
        "is in a command that cannot be read with certainty ({detail})",
        "simplify the command (balanced quotes and parentheses; no case … esac around values)",
    ),
}


# The safe form for a value a program would read as code, by the program's family.
NESTED_SAFE_FORMS: dict[str, str] = {
    **dict.fromkeys(SHELLS, ARGUMENT),
    **dict.fromkeys(("awk", "gawk", "mawk", "nawk"), "awk -v value={tag} 'BEGIN {{ print value }}'"),
    **dict.fromkeys(("python", "python2", "python3"), "python3 -c 'import sys; print(sys.argv[1])' {tag}"),
    **dict.fromkeys(
        ("perl", "ruby", "node", "nodejs", "php", "lua"), "pass it as an argument: perl -e 'print $ARGV[0]' {tag}"
    ),
    "psql": "printf '%s\\n' \"select :'value';\" | psql -v value={tag}",
    "ssh": "register that server and make it a target of the runbook instead of reaching it through ssh",
    **dict.fromkeys(
        ("docker", "podman", "nerdctl", "crictl", "kubectl", "ip"),
        "give the container a command without values, or make its host a target of the runbook and run it there",
    ),
}


def message(placeholder: Placeholder, kind: str, detail: str, via: str = "") -> str:
    why, safe = REASONS[kind]
    program = re.match(r"`([^` ]+)", detail)
    if kind == "nested" and program and program.group(1) in NESTED_SAFE_FORMS:
        safe = NESTED_SAFE_FORMS[program.group(1)] + "; " + PATTERN_RAW
    tag = placeholder.tag
    through = f" (through ${via}, which holds it)" if via else ""
    return f"{tag}{through} {why.format(tag=tag, detail=detail)}. Safe form: {safe.format(tag=tag, detail=detail)}"


def placement_problems(marked: Marked, result: Scan | None = None) -> list[str]:
    """Every refused placement of a (rendered or static) command, each with its safe form."""
    result = result or scan(marked.text)
    problems: list[str] = []
    for index, (placeholder, _) in enumerate(marked.values):
        if placeholder.raw:
            continue
        site = result.sites.get(index)
        if site is None:
            problem = message(placeholder, "unparsed", "the placeholder was not found where expected")
        elif site.kind:
            problem = message(placeholder, site.kind, site.detail, site.via)
        elif result.issues:
            problem = message(placeholder, "unparsed", result.issues[0])
        else:
            continue
        if problem not in problems:
            problems.append(problem)
    return problems


def check_command(source: str) -> list[str]:
    """Problems of a command template before any value exists (save time and upgrade check)."""
    try:
        return placement_problems(static_marked(source))
    except TemplateProblem as exc:
        return [str(exc)]


def render_command(source: str, variables: dict[str, Any]) -> Rendered:
    """The exact command to send (assignments, then the script); raises TemplateProblem for template errors."""
    marked = render_marked(source, variables)
    result = scan(marked.text)
    problems = placement_problems(marked, result) + option_problems(result.option_groups, marked.values)
    out = Rendered(problems=problems, secrets=secret_values(marked.values))
    names: dict[int, str] = {}
    for index, (placeholder, value) in enumerate(marked.values):
        text = text_of(value)
        if placeholder.raw:
            out.problems += [p for p in [raw_problem(placeholder, value)] if p]
            continue
        if "\0" in text:
            out.problems.append(f"{placeholder.tag}: the value contains a NUL byte, which no shell variable holds")
        names[index] = VARIABLE.format(len(names) + 1)
        context = result.sites[index].context if index in result.sites else UNQUOTED
        out.add(f"{names[index]}='")
        out.add(text.replace("'", "'\\''"), label(placeholder, context))
        out.add("'\n")
        out.substitutions.append(substitution(placeholder, value, context, names[index]))
    if out.problems:
        return Rendered(problems=out.problems)
    _script(out, marked, result, names)
    return out


def _script(out: Rendered, marked: Marked, result: Scan, names: dict[int, str]) -> None:
    """The author's script with a reference (or a checked raw value) in place of each marker."""
    position, expanded = 0, []
    for match in MARKER.finditer(marked.text):
        out.add(marked.text[position : match.start()])
        expanded.append(marked.text[position : match.start()])
        index = int(match.group(1))
        placeholder, value = marked.values[index]
        if placeholder.raw:
            out.add(text_of(value), label(placeholder, "raw"))
            out.substitutions.append(substitution(placeholder, value, "raw"))
            expanded.append(text_of(value))
        else:
            context = result.sites[index].context
            out.add(REFERENCE[context].format(names[index]), label(placeholder, context))
            # The command policy reads the value where the reference stands (as if it were quoted there).
            expanded.append(f'"{text_of(value)}"' if context == UNQUOTED else text_of(value))
        position = match.end()
    out.add(marked.text[position:])
    expanded.append(marked.text[position:])
    out.expanded = "".join(expanded)
