"""HTTP placements: a URL encoded per position, header values without line breaks, JSON bodies built from structure.

URL: the template is split into scheme, host, path, query and fragment before any value is inserted; a value in the
path is one percent-encoded segment (`/`, `?`, `#` encoded; `.` and `..` refused), in the query or fragment it is
percent-encoded; the scheme is the author's text and the host may come only from the target or a runbook parameter,
never from an alert or an earlier step's output. Header values refuse CR, LF and other control characters. A JSON
body is parsed with its placeholders in place: a bare placeholder is a whole JSON value (a string stays a string,
a number a number), one inside "…" becomes part of that string; the body is then serialised from that structure,
so no value can add a key, close a string or break the JSON.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any

from runbooks.templating.engine import (
    MARKER,
    Marked,
    Placeholder,
    Rendered,
    TemplateProblem,
    label,
    prepare,
    raw_problem,
    render_marked,
    secret_values,
    static_marked,
    substitution,
    text_of,
)

HOST_ROOTS = frozenset({"target", "execution", "params"})
HOST_VALUE = re.compile(r"[A-Za-z0-9.:\[\]-]+")
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def render_url(source: str, variables: dict[str, Any]) -> Rendered:
    """The URL with every value encoded for its position; problems instead of a URL when one is misplaced."""
    return _url(render_marked(source, variables))


def check_url(source: str, patterned: frozenset[str] = frozenset()) -> list[str]:
    """Placement problems of a URL template before any value exists (`patterned`: parameters with a pattern)."""
    try:
        marked = static_marked(source)
    except TemplateProblem as exc:
        return [str(exc)]
    return _url(marked, static=True, patterned=patterned).problems


def _url(marked: Marked, static: bool = False, patterned: frozenset[str] = frozenset()) -> Rendered:
    out = Rendered(secrets=secret_values(marked.values))
    raw = {i: text_of(v) for i, (p, v) in enumerate(marked.values) if p.raw}
    first = MARKER.match(marked.text)
    if static and first and int(first.group(1)) in raw:
        return out  # a raw base URL (a pattern-checked parameter): its scheme and host are checked once rendered
    # A raw value is text before the URL is split (it may be a base URL); every other value is placed after.
    probe = MARKER.sub(lambda m: m.group(0) if static else raw.get(int(m.group(1)), m.group(0)), marked.text)
    try:
        parts = urllib.parse.urlsplit(probe)
    except ValueError as exc:  # e.g. a placeholder inside [brackets], which must hold an IPv6 literal
        out.problems.append(f"the URL cannot be split into its parts: {exc}")
        return out
    if parts.scheme not in {"http", "https"}:
        out.problems.append("the URL must start with http:// or https:// written in the template")
        return out
    out.add(parts.scheme + "://")
    for component, placement, prefix in [
        (parts.netloc, "host", ""),
        (parts.path, "path", ""),
        (parts.query, "query", "?"),
        (parts.fragment, "fragment", "#"),
    ]:
        if component:
            out.add(prefix)
            _component(out, marked, component, placement, static, patterned)
    if not static and not out.problems:
        try:
            urllib.parse.urlsplit(out.text).port  # noqa: B018 (raises for a port that is not a number)
        except ValueError as exc:
            out.problems.append(f"the URL's port is not valid: {exc}")
    start = 0
    for index, text in raw.items():
        out.problems += [p for p in [raw_problem(marked.values[index][0], text)] if p and not static]
        out.substitutions.append(substitution(marked.values[index][0], text, "raw"))
        start = out.mark(text, label(marked.values[index][0], "raw"), start)
    return out


def _component(
    out: Rendered, marked: Marked, text: str, placement: str, static: bool, patterned: frozenset[str]
) -> None:
    position = 0
    for match in MARKER.finditer(text):
        out.add(text[position : match.start()])
        placeholder, value = marked.values[int(match.group(1))]
        problem = _url_problem(placeholder, text_of(value), placement, static, patterned)
        if problem:
            out.problems.append(problem)
        elif not static:
            encoded = text_of(value) if placement == "host" else urllib.parse.quote(text_of(value), safe="")
            out.add(encoded, label(placeholder, f"URL {placement}"))
            out.substitutions.append(substitution(placeholder, value, f"URL {placement}"))
        position = match.end()
    out.add(text[position:])


def _url_problem(placeholder: Placeholder, value: str, placement: str, static: bool, patterned: frozenset[str]) -> str:
    # Before values exist the host may be the target's or a pattern-checked parameter's; once rendered, the
    # runtime check keeps alert and step values out even if that check was skipped (a version saved earlier).
    chosen_by_value = not placeholder.trusted and not (static and placeholder.param in patterned)
    if placement == "host" and (not placeholder.roots <= HOST_ROOTS or (static and chosen_by_value)):
        return (
            f"{placeholder.tag} may not choose the URL's host (it comes from {placeholder.source}). Safe form: "
            "write the host, or use {{ target.address }} or a runbook parameter with a `pattern`"
        )
    if static:
        return ""
    if placement == "host" and not HOST_VALUE.fullmatch(value):
        return f"{placeholder.tag}: {value[:60]!r} is not a host name or address"
    if placement == "path" and value in {".", ".."}:
        return f"{placeholder.tag}: a path value may not be {value!r} (it would change the path)"
    return ""


def render_header(name: str, source: str, variables: dict[str, Any]) -> Rendered:
    """A header value; a value with a line break or another control character is refused, never stripped."""
    marked = render_marked(source, variables)
    out = Rendered(secrets=secret_values(marked.values))
    position = 0
    for match in MARKER.finditer(marked.text):
        out.add(marked.text[position : match.start()])
        placeholder, value = marked.values[int(match.group(1))]
        if CONTROL.search(text_of(value)):
            out.problems.append(
                f"header {name}: the value of {placeholder.tag} contains a line break or control character; refused"
            )
        out.add(text_of(value), label(placeholder, f"header {name}"))
        out.substitutions.append(substitution(placeholder, value, f"header {name}"))
        position = match.end()
    out.add(marked.text[position:])
    return out


def check_header(name: str, source: str) -> list[str]:
    problems = [] if TOKEN.fullmatch(name) else [f"header name {name!r} is not a valid HTTP token"]
    if CONTROL.search(source):
        problems.append(f"header {name}: the template contains a line break or control character")
    return problems


def render_body(source: str, variables: dict[str, Any]) -> Rendered:
    """The JSON body serialised from its structure, each value a JSON value or part of a JSON string."""
    marked = render_marked(source, variables)
    out = Rendered(secrets=secret_values(marked.values))
    try:
        structure, bare = _structure(marked.text)
    except ValueError as exc:
        out.problems.append(str(exc))
        return out
    _emit(out, structure, bare, marked)
    return out


def check_body(source: str) -> list[str]:
    try:
        if prepare(source).statements:
            return ["a JSON body is built from its structure: {% … %} statements are not supported in it"]
        _structure(static_marked(source).text)
    except (TemplateProblem, ValueError) as exc:
        return [str(exc)]
    return []


def _structure(text: str) -> tuple[Any, set[int]]:
    """Parse the body with each bare marker standing as a JSON string; returns (structure, bare marker indexes)."""
    pieces: list[str] = []
    bare: set[int] = set()
    in_string, position = False, 0
    while position < len(text):
        match = MARKER.match(text, position)
        char = text[position]
        if match and not in_string:
            bare.add(int(match.group(1)))
            pieces.append(f'"{match.group(0)}"')
            position = match.end()
            continue
        if in_string and char == "\\":
            pieces.append(text[position : position + 2])
            position += 2
            continue
        in_string = in_string != (char == '"')
        pieces.append(char)
        position += 1
    try:
        return json.loads("".join(pieces)), bare
    except ValueError as exc:
        raise ValueError(
            f"the body is not JSON (a placeholder stands for a whole value or sits inside a string): {exc}"
        ) from exc


def _emit(out: Rendered, node: Any, bare: set[int], marked: Marked) -> None:
    if isinstance(node, dict):
        out.add("{")
        for number, (key, value) in enumerate(node.items()):
            out.add(", " if number else "")
            _string(out, key, marked)
            out.add(": ")
            _emit(out, value, bare, marked)
        out.add("}")
    elif isinstance(node, list):
        out.add("[")
        for number, value in enumerate(node):
            out.add(", " if number else "")
            _emit(out, value, bare, marked)
        out.add("]")
    elif isinstance(node, str) and (whole := MARKER.fullmatch(node)) and int(whole.group(1)) in bare:
        placeholder, value = marked.values[int(whole.group(1))]
        out.add(json.dumps(value, ensure_ascii=False, default=str), label(placeholder, "JSON value"))
        out.substitutions.append(substitution(placeholder, value, "JSON value"))
    elif isinstance(node, str):
        _string(out, node, marked)
    else:
        out.add(json.dumps(node))


def _string(out: Rendered, text: str, marked: Marked) -> None:
    """A JSON string whose placeholders become part of its text (escaped as JSON)."""
    out.add('"')
    position = 0
    for match in MARKER.finditer(text):
        out.add(json.dumps(text[position : match.start()], ensure_ascii=False)[1:-1])
        placeholder, value = marked.values[int(match.group(1))]
        out.add(json.dumps(text_of(value), ensure_ascii=False)[1:-1], label(placeholder, "inside a JSON string"))
        out.substitutions.append(substitution(placeholder, value, "inside a JSON string"))
        position = match.end()
    out.add(json.dumps(text[position:], ensure_ascii=False)[1:-1])
    out.add('"')
