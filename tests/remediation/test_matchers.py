"""Alertmanager matcher semantics, as a table; invalid regexes are refused at save time."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from alerts.models import RuleMatcher
from remediation.matchers import MatcherError, compile_matcher
from tests.factories import RuleFactory

LABELS = {
    "alertname": "DiskFull",
    "severity": "critical",
    "instance": "web-001.example.internal:9100",
    "env": "prod",
    "empty": "",
    "city": "Zürich",
    "emoji": "🔥 fire",
    "multi": "line one\nline two",
    "dots": "a.b",
}

# (name, op, value, expected)
TABLE = [
    ("alertname", "=", "DiskFull", True),
    ("alertname", "=", "diskfull", False),  # case matters
    ("alertname", "=", "Disk", False),  # equality is whole-value
    ("alertname", "!=", "DiskFull", False),
    ("alertname", "!=", "Other", True),
    ("severity", "=~", "crit", False),  # anchored: no substring match
    ("severity", "=~", "crit.*", True),
    ("severity", "=~", ".*tical", True),
    ("severity", "=~", "warning|critical", True),  # alternation anchored as a whole
    ("severity", "=~", "warning|crit", False),  # ^(?:warning|crit)$, not ^warning|crit$
    ("severity", "=~", "^critical$", True),  # explicit anchors are harmless
    ("severity", "!~", "warning|info", True),
    ("severity", "!~", "crit.*", False),
    ("severity", "!~", "crit", True),  # anchored negative: "crit" does not fully match
    ("instance", "=~", r"web-\d+\.example\.internal:9100", True),
    ("instance", "=~", r"web-\d+", False),
    ("instance", "=~", r"web-00[0-9].*", True),
    ("missing", "=", "", True),  # a missing label equals ""
    ("missing", "!=", "", False),
    ("missing", "=", "x", False),
    ("missing", "!=", "x", True),
    ("missing", "=~", ".*", True),
    ("missing", "=~", ".+", False),
    ("missing", "!~", ".+", True),
    ("missing", "!~", "", False),
    ("empty", "=", "", True),  # present but empty behaves like missing
    ("empty", "=~", ".+", False),
    ("city", "=", "Zürich", True),  # unicode compared as text
    ("city", "=~", "Z.rich", True),  # one code point, not one byte
    ("city", "=~", "Zurich", False),
    ("emoji", "=~", "🔥.*", True),
    ("emoji", "=~", ". fire", True),
    ("multi", "=~", "line.*two", True),  # . matches newlines, as in Prometheus (?s)
    ("multi", "=", "line one", False),
    ("dots", "=~", "a.b", True),
    ("dots", "=", "a.c", False),  # = is never a regex
    ("dots", "=~", r"a\.c", False),
    ("env", "=~", "(?i)PROD", True),  # flags are allowed, as in RE2
]


@pytest.mark.parametrize(("name", "op", "value", "expected"), TABLE)
def test_it_matches_like_alertmanager(name: str, op: str, value: str, expected: bool) -> None:
    assert compile_matcher(name, op, value).matches(LABELS) is expected


def test_it_has_at_least_thirty_cases() -> None:
    assert len(TABLE) >= 30


def test_it_matches_annotations_when_asked() -> None:
    matcher = compile_matcher("summary", "=~", ".*full.*", target="annotation")
    assert matcher.matches(LABELS, {"summary": "disk full"})
    assert not matcher.matches({"summary": "disk full"}, {})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("(unclosed", "Invalid regular expression '(unclosed'"),
        ("[a-", "Invalid regular expression '[a-'"),
        ("*oops", "Invalid regular expression '*oops'"),
        ("(?=look)ahead", "look-around and back-references are not supported"),
        (r"(a)\1", "look-around and back-references are not supported"),
    ],
)
def test_it_rejects_invalid_regexes_at_save_time(db, value: str, message: str) -> None:  # type: ignore[no-untyped-def]
    rule = RuleFactory()
    with pytest.raises(ValidationError) as caught:
        RuleMatcher(rule=rule, name="severity", op="=~", value=value).save()
    assert message in caught.value.message_dict["value"][0]
    assert not RuleMatcher.objects.exists()
    with pytest.raises(MatcherError):
        compile_matcher("severity", "!~", value)


def test_it_does_not_check_equality_values_as_regexes(db) -> None:  # type: ignore[no-untyped-def]
    RuleMatcher(rule=RuleFactory(), name="severity", op="=", value="(unclosed").save()
    assert RuleMatcher.objects.count() == 1


def test_it_rejects_unknown_operators() -> None:
    with pytest.raises(MatcherError, match="Unknown matcher operator"):
        compile_matcher("severity", "==", "x")
