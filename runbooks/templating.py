"""Sandboxed templating with context-aware escaping: shell-quoted, URL-encoded or JSON-encoded unless `raw`.

Every `{{ expression }}` goes through the environment's `finalize`, so a value from an alert label, a parameter or a
captured output can never become shell syntax, a URL delimiter or JSON structure. Only a runbook author can write
`| raw` (the template is theirs; values are data and are never rendered as templates), and the plan flags it.
"""

from __future__ import annotations

import json
import shlex
import urllib.parse
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, UndefinedError, nodes
from jinja2.sandbox import SandboxedEnvironment

SHELL, URL, JSON, TEXT = "shell", "url", "json", "text"


class TemplateProblem(Exception):
    """A template that does not parse or uses an undefined variable."""


class Raw(str):
    """A value the author marked raw: inserted as-is."""


def _text(value: Any) -> str:
    text = "" if value is None else str(value)
    # Plain text (HTTP header values) must never smuggle in another header line.
    return text.replace("\r", " ").replace("\n", " ")


ESCAPERS: dict[str, Callable[[Any], str]] = {
    SHELL: lambda value: shlex.quote("" if value is None else str(value)),
    URL: lambda value: urllib.parse.quote("" if value is None else str(value), safe=""),
    JSON: lambda value: json.dumps(value),
    TEXT: _text,
}


@cache
def environment(context: str) -> SandboxedEnvironment:
    """The sandboxed environment that escapes every interpolated value for `context`."""
    escape = ESCAPERS[context]

    def finalize(value: Any) -> Any:
        return str(value) if isinstance(value, Raw) else escape(value)

    env = SandboxedEnvironment(
        undefined=StrictUndefined, finalize=finalize, autoescape=False, keep_trailing_newline=True
    )
    env.filters["raw"] = lambda value: Raw("" if value is None else str(value))
    return env


@lru_cache(maxsize=2048)
def compiled(source: str, context: str) -> Template:
    """Templates are compiled once per process (a 50-target step renders the same source 50 times)."""
    return environment(context).from_string(source)


def render(source: str, context: str, variables: dict[str, Any]) -> str:
    """Render one template; raises TemplateProblem with a readable message."""
    try:
        return compiled(source, context).render(variables)
    except TemplateError as exc:
        raise TemplateProblem(_describe(exc)) from exc


@lru_cache(maxsize=2048)
def uses_raw(source: str) -> bool:
    """True when the template applies the `raw` filter anywhere (the plan flags it)."""
    try:
        tree = environment(TEXT).parse(source)
    except TemplateError:
        return False
    return any(node.name == "raw" for node in tree.find_all(nodes.Filter))


def evaluate(expression: str, variables: dict[str, Any]) -> bool:
    """Evaluate a step condition (a sandboxed Jinja expression) to a boolean."""
    try:
        compiled = environment(TEXT).compile_expression(expression, undefined_to_none=False)
        return bool(compiled(**variables))
    except TemplateError as exc:
        raise TemplateProblem(f"condition {expression!r}: {_describe(exc)}") from exc


def check_expression(expression: str) -> str:
    """'' when the expression compiles, else the problem."""
    try:
        environment(TEXT).compile_expression(expression)
    except TemplateError as exc:
        return _describe(exc)
    return ""


def check_syntax(source: str) -> str:
    """'' when the template parses, else the problem."""
    try:
        environment(TEXT).parse(source)
    except TemplateError as exc:
        return _describe(exc)
    return ""


def _describe(exc: TemplateError) -> str:
    message = str(exc.message if getattr(exc, "message", None) else exc)
    if isinstance(exc, UndefinedError):
        message = f"undefined variable: {message}"
    lineno = getattr(exc, "lineno", None)
    return f"{message} (line {lineno})" if lineno else message
