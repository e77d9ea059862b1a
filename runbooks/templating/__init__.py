"""Sandboxed templating where a value never becomes code, whatever the author's quoting around its placeholder.

Placements: `shell` (values travel as variables assigned before the script; placeholders become references in the
form their quoting needs; nested interpreters, arithmetic and the like are refused), `web` (URL positions encoded
per position, header values refuse line breaks, JSON bodies built from structure) and plain `TEXT` (rule parameters,
rendered to a string). `checks` finds what the rules refuse in a whole runbook definition, with the safe form.
"""

from __future__ import annotations

from typing import Any

from jinja2 import TemplateError

from runbooks.templating.engine import (
    MARKER,
    Rendered,
    TemplateProblem,
    describe,
    environment,
    render_marked,
    text_of,
)

TEXT = "text"

__all__ = ["TEXT", "Rendered", "TemplateProblem", "check_expression", "check_syntax", "evaluate", "render"]


def render(source: str, context: str, variables: dict[str, Any]) -> str:
    """Render a template to plain text (rule parameters): values inserted as text, line breaks become spaces."""
    if context != TEXT:
        raise ValueError(f"render() only renders plain text, not {context!r}: use the shell or web placements")
    marked = render_marked(source, variables)
    values = [text_of(value).replace("\r", " ").replace("\n", " ") for _, value in marked.values]
    return MARKER.sub(lambda match: values[int(match.group(1))], marked.text)


def evaluate(expression: str, variables: dict[str, Any]) -> bool:
    """Evaluate a step condition (a sandboxed Jinja expression) to a boolean."""
    try:
        compiled = environment().compile_expression(expression, undefined_to_none=False)
        return bool(compiled(**variables))
    except TemplateError as exc:
        raise TemplateProblem(f"condition {expression!r}: {describe(exc)}") from exc


def check_expression(expression: str) -> str:
    """'' when the expression compiles, else the problem."""
    try:
        environment().compile_expression(expression)
    except TemplateError as exc:
        return describe(exc)
    return ""


def check_syntax(source: str) -> str:
    """'' when the template parses, else the problem."""
    try:
        environment().parse(source)
    except TemplateError as exc:
        return describe(exc)
    return ""
