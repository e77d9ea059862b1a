"""Admin form fields fit for people: a list typed as `lab, disk`, matcher rows, instead of JSON to type."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

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


@dataclass(frozen=True)
class Column:
    """One input of a row: a text box, a select of `choices`, or a checkbox (stored as a bool)."""

    key: str
    label: str
    kind: str = "text"
    choices: tuple[tuple[str, str], ...] = ()


class RowsWidget(forms.Widget):
    """A list of small records typed as rows of inputs (the stored rows plus three blank ones), not as JSON."""

    extra = 3

    def __init__(self, columns: tuple[Column, ...], attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.columns = columns

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        rows = value if isinstance(value, list) else _json_list(value)
        rows = [row for row in rows if isinstance(row, dict)] + [{} for _ in range(self.extra)]
        head = format_html_join("", '<th scope="col">{}</th>', ((c.label,) for c in self.columns))
        body = format_html_join(
            "",
            "<tr>{}</tr>",
            (
                (format_html_join("", "<td>{}</td>", ((self._input(name, i, row, c),) for c in self.columns)),)
                for i, row in enumerate(rows)
            ),
        )
        table_id = (attrs or {}).get("id", f"id_{name}")
        return format_html(
            '<table class="input-rows" id="{}"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>',
            table_id,
            head,
            body,
        )

    def _input(self, name: str, i: int, row: dict[str, Any], column: Column) -> SafeString:
        field, label = f"{name}-{i}-{column.key}", f"Row {i + 1} {column.label.lower()}"
        value = row.get(column.key)
        if column.kind == "checkbox":
            checked = " checked" if value else ""
            return format_html('<input type="checkbox" name="{}" aria-label="{}"{}>', field, label, checked)
        if column.kind == "select":
            chosen = value if value is not None else column.choices[0][0]
            choices = ((v, " selected" if v == chosen else "", text) for v, text in column.choices)
            options = format_html_join("", '<option value="{}"{}>{}</option>', choices)
            return format_html('<select name="{}" aria-label="{}">{}</select>', field, label, options)
        text = "" if value is None else str(value)
        return format_html('<input type="text" name="{}" value="{}" aria-label="{}">', field, text, label)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[dict[str, Any]]:
        """Rows with any text typed, in order; blank rows are dropped, a checkbox is True when sent."""
        rows, i = [], 0
        texts = [c for c in self.columns if c.kind == "text"]
        while any(f"{name}-{i}-{c.key}" in data for c in texts):
            row: dict[str, Any] = {}
            for c in self.columns:
                raw = data.get(f"{name}-{i}-{c.key}")
                row[c.key] = raw is not None if c.kind == "checkbox" else (raw or "")
            if any(str(row[c.key]).strip() for c in texts):
                rows.append(row)
            i += 1
        return rows


class RowsField(forms.Field):
    """The rows as the list of dicts the model stores; `clean_row` shapes each (the model's clean() checks them)."""

    def __init__(self, columns: tuple[Column, ...], **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(widget=RowsWidget(columns), **kwargs)

    def to_python(self, value: Any) -> list[dict[str, Any]]:
        return [self.clean_row(dict(row)) for row in value or []]

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        return row


def matcher_columns(operators: list[tuple[str, str]]) -> tuple[Column, ...]:
    """A rule's matcher as a row: label name, operator, value."""
    return (Column("name", "Label"), Column("op", "Operator", "select", tuple(operators)), Column("value", "Value"))


def _json_list(value: Any) -> list[Any]:
    try:
        parsed = json.loads(value) if isinstance(value, str) and value else []
    except ValueError:
        return []
    return parsed if isinstance(parsed, list) else []
