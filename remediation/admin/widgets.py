"""Admin form fields fit for people: a list typed as `lab, disk` instead of a JSON array."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms

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
