"""The Jinja2 sandbox and its placeholders: every `{{ … }}` renders as a marker while its value is kept apart.

A template is the author's text; values (alert labels, parameters, captured output) are data. Rendering returns
the author's text with one marker per placeholder (`\\ue000<n>\\ue001`) plus the values in marker order, so each
placement (shell, URL, header, JSON) decides how a value travels without ever re-reading it as template or syntax.
Each placeholder is wrapped in the parsed template, so a value is tied to the expression that produced it: where it
came from (`alert`, `params`, `target`…) decides what it may do (only a `params.X|raw` of a parameter with a
`pattern` may be inserted as text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, Undefined, UndefinedError, nodes
from jinja2.sandbox import SandboxedEnvironment

from remediation.redaction import SECRET_KEY_PATTERN

OPEN, CLOSE = "\ue000", "\ue001"
RESERVED_CHARS = "\ue000\ue001\ue002\ue003"
MARKER = re.compile("\ue000(\\d+)\ue001")
VALUE_HOOK = "__re_value"
TRUSTED_ROOTS = frozenset({"target", "execution"})
STATEMENTS = frozenset({"if", "elif", "else", "endif", "for", "endfor", "set"})
# What a `raw` value may contain: no shell, URL or JSON syntax, no whitespace, no `=` (an assignment).
INERT = re.compile(r"[A-Za-z0-9_./:@,+-]*")


class TemplateProblem(Exception):
    """A template that does not parse, uses an undefined variable, or places a value where it is not safe."""


@dataclass(frozen=True)
class Placeholder:
    """One `{{ … }}` of a template: its source text and where its value comes from."""

    index: int
    expression: str
    roots: frozenset[str]
    param: str = ""
    raw: bool = False
    misplaced_raw: bool = False

    @property
    def trusted(self) -> bool:
        """Inventory and constants (`target.*`, `execution.id`, literals), never alert, parameter or output."""
        return self.roots <= TRUSTED_ROOTS

    @property
    def source(self) -> str:
        return ", ".join(sorted(self.roots)) or "constant"

    @property
    def tag(self) -> str:
        return "{{ " + self.expression + " }}"


@dataclass(frozen=True)
class Prepared:
    """A compiled template, its placeholders, and its text with statements dropped (for checks before rendering)."""

    template: Template
    placeholders: tuple[Placeholder, ...]
    static_text: str
    problems: tuple[str, ...]
    statements: bool


@dataclass
class Marked:
    """Rendered author text with one marker per value; `values[n]` belongs to marker n."""

    text: str
    values: list[tuple[Placeholder, Any]]


@dataclass
class Rendered:
    """One rendered field: the exact text, the same text cut into segments (value segments carry a label)."""

    text: str = ""
    segments: list[tuple[str, str | None]] = field(default_factory=list)
    substitutions: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    expanded: str = ""

    def add(self, text: str, label: str | None = None) -> None:
        if not text:
            return
        self.text += text
        if label is None and self.segments and self.segments[-1][1] is None:
            self.segments[-1] = (self.segments[-1][0] + text, None)
        else:
            self.segments.append((text, label))

    def mark(self, text: str, label: str, start: int = 0) -> int:
        """Label the first unlabelled occurrence of `text` from segment `start` (a raw value placed as text)."""
        for number in range(start, len(self.segments)):
            segment, current = self.segments[number]
            at = segment.find(text) if current is None and text else -1
            if at >= 0:
                pieces = [(segment[:at], None), (text, label), (segment[at + len(text) :], None)]
                self.segments[number : number + 1] = [p for p in pieces if p[0]]
                return number + (2 if at else 1)
        return start


def text_of(value: Any) -> str:
    return "" if value is None else str(value)


def marker(index: int) -> str:
    return f"{OPEN}{index}{CLOSE}"


@cache
def environment() -> SandboxedEnvironment:
    """The sandbox every runbook template compiles in (strict undefined, no autoescape: placements escape)."""
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    # Only the outermost `|raw` of a placeholder means anything (handled when compiling); elsewhere it is a no-op.
    env.filters["raw"] = lambda value: value
    return env


@lru_cache(maxsize=2048)
def prepare(source: str) -> Prepared:
    """Parse once per process; raises TemplateProblem when the template does not parse."""
    env = environment()
    try:
        tree = env.parse(source)
        tokens = list(env.lex(source))
    except TemplateError as exc:
        raise TemplateProblem(describe(exc)) from exc
    texts, static_text, problems = _scan_tokens(tokens)
    statements = any(kind == "block_begin" for _, kind, _ in tokens)
    if any(ch in source for ch in RESERVED_CHARS):
        problems.append("the template contains reserved characters (U+E000–U+E003)")
    placeholders = _wrap_outputs(tree, texts)
    tree.set_environment(env)
    return Prepared(env.from_string(tree), tuple(placeholders), static_text, tuple(problems), statements)


def _scan_tokens(tokens: list[tuple[int, str, str]]) -> tuple[list[str], str, list[str]]:
    """Placeholder source texts, the text without statements (placeholders as markers), and statement problems."""
    texts: list[str] = []
    static: list[str] = []
    problems: list[str] = []
    current: list[str] | None = None
    statement = False
    for _, kind, value in tokens:
        if kind == "variable_begin":
            current = []
        elif kind == "variable_end" and current is not None:
            static.append(marker(len(texts)))
            texts.append("".join(current).strip())
            current = None
        elif current is not None:
            current.append(value)
        elif kind == "data":
            static.append(value)
        elif kind == "block_begin":
            statement = True
        elif kind == "name" and statement:
            statement = False
            if value not in STATEMENTS:
                problems.append(f"{{% {value} %}} is not supported in runbook templates (only if, for and set)")
        if kind == "name" and value.startswith("__re"):
            problems.append(f"the name {value!r} is reserved")
    return texts, "".join(static), problems


def _wrap_outputs(tree: nodes.Template, texts: list[str]) -> list[Placeholder]:
    """Replace each `{{ expr }}` by `__re_value(expr, n)` in the parsed template and describe it."""
    placeholders: list[Placeholder] = []
    for output in list(tree.find_all(nodes.Output)):
        for position, child in enumerate(output.nodes):
            if isinstance(child, nodes.TemplateData):
                continue
            index = len(placeholders)
            expression = texts[index] if index < len(texts) else f"expression #{index + 1}"
            placeholder, inner = _describe_expression(index, expression, child)
            placeholders.append(placeholder)
            call = nodes.Call(nodes.Name(VALUE_HOOK, "load"), [inner, nodes.Const(index)], [], None, None)
            call.set_lineno(child.lineno)
            output.nodes[position] = call
    return placeholders


def _describe_expression(index: int, expression: str, node: nodes.Expr) -> tuple[Placeholder, nodes.Expr]:
    raw = isinstance(node, nodes.Filter) and node.name == "raw" and node.node is not None
    inner = node.node if raw and isinstance(node, nodes.Filter) and node.node is not None else node
    walked = [inner, *inner.find_all(nodes.Node)]
    roots = frozenset(n.name for n in walked if isinstance(n, nodes.Name) and n.ctx == "load")
    misplaced = any(isinstance(n, nodes.Filter) and n.name == "raw" for n in walked)
    return Placeholder(index, expression, roots, _param_name(inner), raw, misplaced), inner


def _param_name(node: nodes.Expr) -> str:
    """'X' when the expression is exactly `params.X` or `params['X']`."""
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name) and node.node.name == "params":
        return node.attr
    if isinstance(node, nodes.Getitem) and isinstance(node.node, nodes.Name) and node.node.name == "params":
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            return node.arg.value
    return ""


def placeholders_of(source: str) -> tuple[Placeholder, ...]:
    """The placeholders of a template (none when it does not parse)."""
    try:
        return prepare(source).placeholders
    except TemplateProblem:
        return ()


def render_marked(source: str, variables: dict[str, Any]) -> Marked:
    """Render the author's text with markers; raises TemplateProblem (undefined variable, bad template)."""
    prepared = prepare(source)
    if prepared.problems:
        raise TemplateProblem(prepared.problems[0])
    values: list[tuple[Placeholder, Any]] = []

    def hook(value: Any, index: int) -> str:
        if isinstance(value, Undefined):
            str(value)  # a StrictUndefined raises UndefinedError naming the variable
        values.append((prepared.placeholders[index], value))
        return marker(len(values) - 1)

    text = _render(prepared.template, {**variables, VALUE_HOOK: hook})
    return Marked(text, values)


def static_marked(source: str) -> Marked:
    """The template before any value exists: every branch's text, each placeholder as a marker (for checks)."""
    prepared = prepare(source)
    if prepared.problems:
        raise TemplateProblem(prepared.problems[0])
    return Marked(prepared.static_text, [(p, None) for p in prepared.placeholders])


def _render(template: Template, context: dict[str, Any]) -> str:
    try:
        return template.render(context)
    except TemplateError as exc:
        raise TemplateProblem(describe(exc)) from exc
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        # A filter or operator applied to the wrong kind of value: the author's template, not the engine, is wrong.
        raise TemplateProblem(f"{type(exc).__name__}: {exc}") from exc


def raw_problem(placeholder: Placeholder, value: Any) -> str:
    """Why a raw value may not be inserted as text ('' when it may)."""
    if INERT.fullmatch(text_of(value)):
        return ""
    return (
        f"{placeholder.tag}: a raw value may only contain letters, digits and _ . / : @ , + - "
        f"(got {text_of(value)[:60]!r})"
    )


def describe(exc: TemplateError) -> str:
    message = str(exc.message if getattr(exc, "message", None) else exc)
    if isinstance(exc, UndefinedError):
        message = f"undefined variable: {message}"
    lineno = getattr(exc, "lineno", None)
    return f"{message} (line {lineno})" if lineno else message


def label(placeholder: Placeholder, placement: str) -> str:
    return f"{placeholder.tag} from {placeholder.source}, {placement}"


def substitution(placeholder: Placeholder, value: Any, placement: str, ref: str = "") -> dict[str, str]:
    return {
        "ref": ref,
        "expression": placeholder.expression,
        "source": placeholder.source,
        "placement": placement,
        "value": text_of(value),
    }


def secret_values(values: list[tuple[Placeholder, Any]]) -> list[str]:
    """Values of secret-named parameters (`params.db_password`): masked wherever the plan or output shows them."""
    return [text_of(v) for p, v in values if p.param and SECRET_KEY_PATTERN.search(p.param) and text_of(v)]
