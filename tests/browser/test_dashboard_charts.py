"""The dashboard in Chromium: the vendored Chart.js draws the incident charts, and the page refreshes itself."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD
from tests.factories.alerts import AlertFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_draws_the_charts_and_updates_counts_without_a_reload(
    page, live_server, portal_login, viewer, artifacts
) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    AlertFactory(first_received_at=now - dt.timedelta(hours=3), labels={"alertname": "DiskFull", "instance": "db-1"})
    portal_login(page, "viewer", TEST_PASSWORD)
    page.wait_for_selector("h1:has-text('Dashboard')")
    page.goto(f"{live_server.url}/?days=7")
    # Each canvas got a Chart.js chart with the server's data (drawn, not just present in the markup).
    drawn = page.evaluate(
        "['chart-volume','chart-outcomes','chart-rules','chart-instances']"
        ".map(id => { const c = Chart.getChart(document.getElementById(id)); return c ? c.data.labels.length : -1; })"
    )
    assert drawn[0] == 8 and drawn[3] == 1, drawn
    volume = page.evaluate("Chart.getChart(document.getElementById('chart-volume')).data.datasets[0].data")
    assert sum(volume) == 1
    firing = page.locator('[data-count="Firing alerts"]')
    assert firing.inner_text() == "1"
    AlertFactory(first_received_at=now, labels={"alertname": "DiskFull", "instance": "db-2"})
    expect(firing).to_have_text("2", timeout=30_000)  # the page's own 15 s poll, no reload
    page.screenshot(path=str(artifacts / "dashboard-charts.png"), full_page=True)
