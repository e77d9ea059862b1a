"""What a scan found: where each marker sits (its quoting context, and why it is refused) and what values flow where.

`shellscan` fills a `Scan` while it reads a command; `settle` applies what is only known at the end (a variable or a
command's output refused where it was used refuses the values it held; a value written to a file the command runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runbooks.templating.engine import MARKER
from runbooks.templating.shellfiles import same_file
from runbooks.templating.shellrules import DYNAMIC

SYNTHETIC = 10**6  # marker numbers from here on stand for variables (or command output) holding values
OUTPUT = "(…)"  # the name a command substitution's output goes by (`through $(…)`)
# What the output of a command substitution that read a value is refused for: being run as code. (As an arithmetic
# operand or a variable name it is let through: `n=$(cat {{ file }}); echo $((n + 1))` reads the file, not the value.)
OUTPUT_REFUSALS = frozenset({"nested", "command", "dynamic", "executing", "write-run", "xargs"})
UNQUOTED, DOUBLE, SINGLE, HEREDOC, COMMENT = "unquoted", "double-quoted", "single-quoted", "here-document", "comment"


@dataclass
class Site:
    """Where one marker sits: its quoting context and, when the placement is refused, why (kind, detail, via)."""

    context: str
    kind: str = ""
    detail: str = ""
    via: str = ""  # the variable through which the value got there
    starts_word: bool = False  # begins an argument word of a program (which may read it as an option)
    after_dashdash: bool = False  # … after a `--` that ended the program's options


@dataclass
class Scan:
    sites: dict[int, Site] = field(default_factory=dict)
    issues: list[str] = field(default_factory=list)
    order: list[int] = field(default_factory=list)  # markers in the order they were read
    functions: set[str] = field(default_factory=set)  # defined in the command: their bodies are not followed
    aliases: bool = False  # an alias was defined: command names after it may mean anything
    tainted: dict[str, list[int]] = field(default_factory=dict)  # variable → the markers its value came from
    through: dict[int, tuple[str, list[int]]] = field(default_factory=dict)  # synthetic marker → (variable, origins)
    leading: dict[str, list[int]] = field(default_factory=dict)  # variable → the markers its value begins with
    # Markers that begin an argument word with no `--` before it, and what begins an option there ("-" or "-+").
    option_groups: list[tuple[list[int], str]] = field(default_factory=list)
    starts: dict[int, list[int]] = field(default_factory=dict)  # synthetic marker → the values its variable begins with
    writes: list[tuple[str, list[int]]] = field(default_factory=list)  # a file written, the markers written to it
    runs: list[tuple[str, str]] = field(default_factory=list)  # a file run, and by what

    def reference(self, name: str, context: str) -> int | None:
        """A reference to a variable that holds a value becomes a synthetic marker, placed like the value itself."""
        if name not in self.tainted:
            return None
        index = SYNTHETIC + len(self.through)
        self.through[index] = (name, self.tainted[name])
        self.starts[index] = self.leading.get(name, [])
        self.place(index, context)
        return index

    def output(self, markers: list[int], context: str) -> int | None:
        """The output of `$(…)`, backticks or `<(…)` that read values carries them: a marker like a variable's."""
        origins = self.origins(markers)
        if not origins:
            return None
        index = SYNTHETIC + len(self.through)
        self.through[index] = (OUTPUT, origins)
        self.starts[index] = self.values(origins)  # what the output begins with is not known
        self.place(index, context)
        return index

    def origins(self, markers: list[int]) -> list[int]:
        """Where the values behind these markers came from (a command's output stays a marker: see `settle`)."""
        held = self.through
        return [o for m in markers for o in (held[m][1] if m in held and held[m][0] != OUTPUT else [m])]

    def values(self, markers: list[int]) -> list[int]:
        """The placeholders behind these markers, through variables and outputs alike."""
        return [o for m in markers for o in (self.values(self.through[m][1]) if m in self.through else [m])]

    def lead_origins(self, markers: list[int]) -> list[int]:
        """The values a word begins with, given the markers it begins with (a variable: what its value begins with)."""
        return [o for m in markers for o in (self.starts.get(m, []) if m in self.through else [m])]

    def option_group(self, markers: list[int], chars: str) -> None:
        origins = self.lead_origins(markers)
        if origins:
            self.option_groups.append((origins, chars))

    def place(self, index: int, context: str) -> Site:
        if index not in self.sites:
            self.sites[index] = Site(context)
            self.order.append(index)
        return self.sites[index]

    def refuse(self, index: int, kind: str, detail: str = "", context: str = UNQUOTED, via: str = "") -> None:
        site = self.place(index, context)
        if not site.kind:
            site.kind, site.detail, site.via = kind, detail, via


def settle(result: Scan) -> None:
    """Values written to files that run; then a variable (or an output) refused where it was used refuses the values
    it held, the latest first (an output held by a variable is an earlier marker)."""
    _written_then_run(result)
    for index, (name, origins) in reversed(result.through.items()):
        site = result.sites[index]
        if site.kind and (name != OUTPUT or site.kind in OUTPUT_REFUSALS):
            for origin in origins:
                result.refuse(origin, site.kind, site.detail, via=site.via or name)


def _written_then_run(result: Scan) -> None:
    """A value written to a file the command runs (anywhere in it: loops and functions reorder) is code."""
    for path, markers in result.writes:
        origins = result.origins(markers)
        for run_path, by in result.runs if origins else []:
            if same_file(path, run_path):
                shown = MARKER.sub("{{ … }}", run_path).replace(DYNAMIC, "$")
                for origin in origins:
                    result.refuse(origin, "write-run", f"`{shown}`, run {by}")
