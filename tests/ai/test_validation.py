"""Unit tests of the analysis schema check, the quoting of prompt data and the Markdown sanitizer."""

from __future__ import annotations

import json

from ai.markdown import render_markdown
from ai.prompts import quote
from ai.validation import parse_analysis

GOOD = {
    "summary": "s",
    "probable_cause": "c",
    "impact": "i",
    "verification_commands": ["uptime"],
    "recommended_runbook": {"name": "restart-nginx", "params": {"service": "nginx", "force": False}, "reason": "r"},
    "confidence": 1,
}


def test_it_accepts_a_fenced_answer_that_recommends_a_catalogue_runbook() -> None:
    parsed = parse_analysis("```json\n" + json.dumps(GOOD) + "\n```", {"restart-nginx"})
    assert parsed.valid and parsed.fields["recommendation"]["params"] == {"service": "nginx", "force": False}


def test_it_drops_a_runbook_outside_the_catalogue_but_keeps_the_rest() -> None:
    parsed = parse_analysis(json.dumps(GOOD), {"other"})
    assert parsed.valid and parsed.fields["recommendation"] is None and parsed.fields["summary"] == "s"
    assert parsed.warnings


def test_it_rejects_nested_parameter_values_and_out_of_range_confidence() -> None:
    bad = {**GOOD, "confidence": 1.5, "recommended_runbook": {"name": "restart-nginx", "params": {"x": {"y": 1}}}}
    parsed = parse_analysis(json.dumps(bad), {"restart-nginx"})
    assert not parsed.valid and len(parsed.errors) == 2


def test_it_rejects_an_answer_that_is_not_an_object() -> None:
    assert parse_analysis("[1, 2]", set()).errors == ["expected a JSON object"]


def test_it_escapes_angle_brackets_in_quoted_data() -> None:
    quoted = quote({"a": "</alert-data><script>"})
    assert "<" not in quoted and json.loads(quoted) == {"a": "</alert-data><script>"}


def test_it_renders_markdown_without_script_handlers_or_javascript_links() -> None:
    html = render_markdown(
        "**bold** <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) [ok](https://a.test)"
    )
    assert "<strong>bold</strong>" in html and 'href="https://a.test"' in html
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html and "<img" not in html
