"""Alert times at the edges of the calendar: normalised to UTC or refused with a 400 naming the field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from alerts.models import Alert
from alerts.payload import parse_time
from tests.webhooks import payload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0001-01-01T00:00:00+01:00", None),  # Go's zero time, written with an offset: still "no end"
        ("2026-01-01T00:30:00+01:00", dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)),
        ("1970-01-01T00:00:00Z", dt.datetime(1970, 1, 1, tzinfo=dt.UTC)),
        ("9998-12-31T23:59:59-00:00", dt.datetime(9998, 12, 31, 23, 59, 59, tzinfo=dt.UTC)),
    ],
)
def test_it_normalises_times_to_utc(raw: str, expected: dt.datetime | None) -> None:
    parsed = parse_time(raw)
    assert parsed == expected and (parsed is None or parsed.tzinfo is dt.UTC)


@pytest.mark.parametrize(
    "raw", ["0001-01-02T00:00:00+01:00", "1969-12-31T23:59:59Z", "9999-12-31T23:00:00-05:00", "9999-01-01T00:00:00Z"]
)
def test_it_refuses_times_outside_1970_to_9998(raw: str) -> None:
    with pytest.raises(ValueError, match="between 1970-01-01 and 9998-12-31"):
        parse_time(raw)


def _alert(status: str, starts: str, ends: str) -> dict[str, object]:
    base = payload("am_firing_3alerts")["alerts"][0]
    return {**base, "status": status, "startsAt": starts, "endsAt": ends, "fingerprint": ""}


def test_it_refuses_a_delivery_with_an_impossible_time_and_keeps_every_page_working(post_hook, viewer, api_as) -> None:  # type: ignore[no-untyped-def]
    body = payload("am_firing_3alerts")
    body["alerts"] = [
        _alert("firing", "9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00Z"),
        _alert("resolved", "2026-01-01T00:00:00Z", "0001-01-02T05:00:00+06:00"),
    ]
    refused = post_hook(body)
    assert refused.status_code == 400 and not Alert.objects.exists()
    errors = refused.json()["errors"]
    assert set(errors) == {"alerts[0].startsAt", "alerts[1].endsAt"} and "9998-12-31" in errors["alerts[0].startsAt"][0]
    # The zero time with an offset means "open"; a resolved alert's end in another offset is stored in UTC.
    body["alerts"] = [
        _alert("firing", "2026-01-01T01:00:00+01:00", "0001-01-01T00:00:00+01:00"),
        _alert("resolved", "2026-01-02T00:00:00Z", "2026-01-02T06:00:00+06:00"),
    ]
    body["alerts"][1]["labels"] = {**body["alerts"][1]["labels"], "instance": "other:9100"}
    assert post_hook(body).status_code == 202
    firing, resolved = Alert.objects.order_by("starts_at")
    assert firing.starts_at == dt.datetime(2026, 1, 1, tzinfo=dt.UTC) and firing.ends_at is None
    assert resolved.ends_at == dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    assert api_as(viewer).get("/api/v1/alerts/").status_code == 200
    browser = Client()
    browser.force_login(viewer)
    assert browser.get("/alerts/").status_code == 200


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "2026-13-45T00:00:00Z", "9999-12-31T23:00:00-05:00"])
def test_it_answers_400_naming_the_filter_for_an_impossible_time(api_as, viewer, admin_user, value: str) -> None:  # type: ignore[no-untyped-def]
    response = api_as(viewer).get("/api/v1/alerts/", {"since": value})
    assert response.status_code == 400 and "since" in str(response.json())
    audit = api_as(admin_user).get("/api/v1/audit-events/", {"until": value})
    assert audit.status_code == 400 and "until" in str(audit.json())
