"""The API's JSON parser: a body is a JSON object whose text every database can store, or a 400 saying where not."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def unstorable_text(value: str) -> bool:
    """NUL and unpaired surrogates: PostgreSQL stores neither in text or jsonb (SQLite would, unlike production)."""
    return "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)


def first_unstorable(data: Any, path: str = "") -> str | None:
    """The path (e.g. `alert.labels.x`) of the first key or string that cannot be stored, or None."""
    stack: list[tuple[Any, str]] = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str) and unstorable_text(value):
            return where or "body"
        if isinstance(value, dict):
            for key, item in value.items():
                name = f"{where}.{key}" if where else str(key)
                if unstorable_text(str(key)):
                    return where or "body"
                stack.append((item, name))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{index}]") for index, item in enumerate(value))
    return None


class ObjectJSONParser(JSONParser):
    """JSON bodies must be objects (every endpoint takes named fields) holding storable text."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise ParseError("The body must be a JSON object with named fields.")
        where = first_unstorable(data)
        if where is not None:
            shown = "".join(ch if not unstorable_text(ch) else "?" for ch in where)[:100]
            raise ParseError(f"{shown}: text may not contain NUL characters or unpaired surrogates.")
        return data
