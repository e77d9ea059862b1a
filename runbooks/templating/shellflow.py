"""Following values through a command: variables that hold them, `sh -c` scripts given them, functions and aliases.

`V={{ x }}; eval "$V"` must be refused like `eval {{ x }}`: a reference to a variable holding a value becomes a
synthetic marker placed like the value itself (see `Scan.reference`), and a refusal of it refuses the value. The
script of `sh -c '…' sh {{ x }}` is read with its `$1`… (and variables holding values) standing for the values.
"""

from __future__ import annotations

import re

from runbooks.templating.engine import marker
from runbooks.templating.shellargs import leading_markers
from runbooks.templating.shellrules import POSITIONAL, Word, command_name, shell_scripts, unwrapped
from runbooks.templating.shellstate import SYNTHETIC, Scan

# How a `sh -c` script misuses a value it is given, by the kind of refusal its own reading found.
USES = {
    "nested": "hands it to code",
    "command": "runs it as a command",
    "arith": "evaluates it as arithmetic",
    "name": "uses it as a variable name",
    "special": "assigns it to a variable the shell interprets",
    "dynamic": "passes it to a command named at run time",
    "positional": "makes it a positional parameter",
}
DECLARATIONS = frozenset({"export", "local", "declare", "typeset", "readonly"})


def follow(result: Scan, words: list[Word]) -> None:
    """What one simple command does with values: calls, assignments, `sh -c` scripts."""
    _calls(result, words)
    _assignments(result, words)
    _scripts(result, words)


def _assignments(result: Scan, words: list[Word]) -> None:
    """Variables assigned a value (or no value any more): references to them are followed.

    Prefix assignments (`V=x cmd`, `env V=x cmd`) count too: the command's own scripts may read them."""
    inner = unwrapped(words)
    name = inner[0].name if inner else ""
    if name in {"for", "select"} and len(inner) > 1:
        leading = [m for w in inner[2:] for m in leading_markers(w.text)]
        _taint(result, inner[1].text, [m for w in inner[2:] for m in w.markers], leading)
        return
    chain = [w for w in words[: len(words) - len(inner)] if w.assignment]
    declared = [w for w in inner[1:] if w.assignment] if name in DECLARATIONS else []
    for word in chain + declared + ([inner[0]] if inner and inner[0].assignment else []):
        target, value = word.text.split("=", 1)
        name = target.rstrip("+").split("[")[0]
        _taint(result, name, word.markers, leading_markers(value), append=target.endswith("+"))


def _taint(result: Scan, name: str, markers: list[int], leading: list[int], append: bool = False) -> None:
    """`name` now holds these values; `leading`: the markers its value begins with (`V+=` keeps what it began with)."""
    origins = result.origins(markers) + (result.tainted.get(name, []) if append else [])
    starts = (result.leading.get(name, []) if append else []) + result.lead_origins(leading)
    if origins:
        result.tainted[name], result.leading[name] = origins, starts
    else:
        result.tainted.pop(name, None)
        result.leading.pop(name, None)


def _scripts(result: Scan, words: list[Word]) -> None:
    """`sh -c 'script' sh {{ x }}` (or a variable the script reads): refused when the script uses it as code."""
    for label, script, arguments in shell_scripts(words):
        probes: dict[int, tuple[str, list[int]]] = {}
        inner = script.text
        given = result.origins([m for w in arguments for m in w.markers])
        if given and not script.markers:
            inner = POSITIONAL.sub(marker(SYNTHETIC * 2), inner)
            probes[SYNTHETIC * 2] = ("its arguments", given)
        for name, origins in result.tainted.items():
            probe = SYNTHETIC * 2 + len(probes) + 1
            changed = re.sub(r"\$(\{)?" + name + r"\b(?(1)\})", marker(probe), inner)
            if changed != inner:
                inner, probes[probe] = changed, (f"${name}", origins)
        if not probes:
            continue
        from runbooks.templating.shellscan import scan  # the script is read like the command itself

        reading = scan(inner)
        for group, chars in reading.option_groups:
            for probe in (m for m in group if m in probes):
                result.option_group(probes[probe][1], chars)  # `rm "$1"`: the value may be read as an option
        for probe, (what, origins) in probes.items():
            site = reading.sites.get(probe)
            why = (site.kind if site else "") or (reading.issues[0] if site and reading.issues else "")
            for origin in origins if why else []:
                how = USES.get(why, "places it where it cannot be checked")
                result.refuse(origin, "nested", f"`{label}`, whose script {how} ({what})")


def _calls(result: Scan, words: list[Word]) -> None:
    """Functions and aliases defined in the command: a value given to them reaches code this reader cannot see."""
    name = command_name(words)
    if name == "function" and len(words) > 1:
        result.functions.add(words[1].text)
    elif name == "alias":
        result.aliases = True
    elif name in result.functions or result.aliases:
        why = f"`{name}`, a function defined in this command" if name in result.functions else "an alias it defines"
        for index in (i for word in words for i in word.markers):
            result.refuse(index, "nested", why)


def refuse_names(result: Scan, text: str, kind: str, detail: str) -> None:
    """Values held by variables named anywhere in `text` (arithmetic, a ${…} operand) are refused."""
    for word in set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)):
        for origin in result.tainted.get(word, []):
            result.refuse(origin, kind, detail, via=word)
