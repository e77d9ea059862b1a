"""Admin form fields fit for people: a list typed as `lab, disk`, matcher rows, instead of JSON to type."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

_SEPARATORS = re.compile(r"[,\n]")


class ListField(forms.CharField):
    """A list of short strings typed comma- or line-separated (`lab, disk`); a JSON array is accepted too."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "lab, disk", "size": 60}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        if isinstance(value, str) and value.startswith("["):
            try:
                return ", ".join(str(item) for item in json.loads(value))
            except (ValueError, TypeError):
                return value
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = str(super().to_python(value) or "").strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError:
                raise forms.ValidationError("Type the items separated by commas, e.g. lab, disk.") from None
            if not isinstance(parsed, list):
                raise forms.ValidationError("Type the items separated by commas, e.g. lab, disk.")
            return [str(item).strip() for item in parsed if str(item).strip()]
        return [item.strip() for item in _SEPARATORS.split(text) if item.strip()]


class MatcherRowsWidget(forms.Widget):
    """Matcher rows like a rule's: label name, operator, value; the stored rows plus three blank ones."""

    extra = 3

    def __init__(self, operators: list[tuple[str, str]], attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.operators = operators

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        rows = value if isinstance(value, list) else _json_list(value)
        rows = [row for row in rows if isinstance(row, dict)] + [{} for _ in range(self.extra)]
        cells = (
            (self._text(name, i, row, "name"), self._op(name, i, row), self._text(name, i, row, "value"))
            for i, row in enumerate(rows)
        )
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", cells)
        head = format_html(
            '<table class="matcher-rows" id="{}"><thead><tr><th scope="col">Label</th><th scope="col">Operator</th>'
            '<th scope="col">Value</th></tr></thead><tbody>',
            (attrs or {}).get("id", f"id_{name}"),
        )
        return head + body + mark_safe("</tbody></table>")  # a constant closing tag

    def _text(self, name: str, i: int, row: dict[str, Any], part: str) -> SafeString:
        html = '<input type="text" name="{}-{}-{}" value="{}" aria-label="Matcher {} {}">'
        return format_html(html, name, i, part, row.get(part, ""), i + 1, "label" if part == "name" else part)

    def _op(self, name: str, i: int, row: dict[str, Any]) -> SafeString:
        chosen = row.get("op", "=")
        choices = ((value, " selected" if value == chosen else "", text) for value, text in self.operators)
        options = format_html_join("", '<option value="{}"{}>{}</option>', choices)
        html = '<select name="{}-{}-op" aria-label="Matcher {} operator">{}</select>'
        return format_html(html, name, i, i + 1, options)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[dict[str, str]]:
        rows, i = [], 0
        while f"{name}-{i}-name" in data:
            label, value = data.get(f"{name}-{i}-name", "").strip(), data.get(f"{name}-{i}-value", "")
            if label or value.strip():
                rows.append({"name": label, "op": data.get(f"{name}-{i}-op", "="), "value": value})
            i += 1
        return rows


class MatcherRowsField(forms.Field):
    """The matcher rows as the list of {name, op, value} the model stores (the model's clean() checks each)."""

    def __init__(self, operators: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(widget=MatcherRowsWidget(operators), **kwargs)

    def to_python(self, value: Any) -> list[dict[str, str]]:
        return list(value or [])


def _json_list(value: Any) -> list[Any]:
    try:
        parsed = json.loads(value) if isinstance(value, str) and value else []
    except ValueError:
        return []
    return parsed if isinstance(parsed, list) else []
