"""Payload parsing: Alertmanager's fingerprint, RFC 3339 timestamps, literal text."""

from __future__ import annotations

import datetime as dt

import pytest

from alerts.payload import fingerprint, literal_text, parse_time
from tests.webhooks import payload

NAMES = ["am_firing_3alerts", "am_firing_with_1_resolved", "am_resolved_3alerts", "am_firing_100alerts_1group"]


@pytest.mark.parametrize("name", NAMES)
def test_it_computes_the_same_fingerprint_as_alertmanager(name: str) -> None:
    for alert in payload(name)["alerts"]:
        assert fingerprint(alert["labels"]) == alert["fingerprint"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0001-01-01T00:00:00Z", None),
        ("2026-11-26T11:25:13.51Z", dt.datetime(2026, 11, 26, 11, 25, 13, 510000, tzinfo=dt.UTC)),
        ("2026-11-26T11:25:13.123456789Z", dt.datetime(2026, 11, 26, 11, 25, 13, 123456, tzinfo=dt.UTC)),
        ("2026-11-26T13:25:13+02:00", dt.datetime(2026, 11, 26, 11, 25, 13, tzinfo=dt.UTC)),
    ],
)
def test_it_parses_rfc3339(raw: str, expected: dt.datetime | None) -> None:
    assert parse_time(raw) == expected


@pytest.mark.parametrize("raw", ["2026-11-26", "2026-11-26T11:25:13", "now", 1700000000, None])
def test_it_refuses_what_is_not_rfc3339(raw: object) -> None:
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_time(raw)


def test_it_leaves_ordinary_text_alone_and_escapes_the_unstorable() -> None:
    assert literal_text("Zürich 🔥 <b>") == "Zürich 🔥 <b>"
    assert literal_text("a\x00b\udcff\ud800") == "a\\x00b\\xff\\ud800"
