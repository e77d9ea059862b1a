"""The alert page in Chromium: a queued AI analysis turns into the model's answer without a reload."""

from __future__ import annotations

import pytest

from ai.models import Analysis
from tests.factories import TEST_PASSWORD, AlertFactory, AnalysisFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_shows_the_analysis_when_the_model_answers_without_a_reload(page, live_server, portal_login, viewer) -> None:  # type: ignore[no-untyped-def]
    alert = AlertFactory(alertname="DiskFull")
    analysis = AnalysisFactory(alert=alert, status="queued", summary="")
    portal_login(page, "viewer", TEST_PASSWORD)
    page.wait_for_selector("h1:has-text('Dashboard')")
    page.goto(f"{live_server.url}/alerts/{alert.pk}/")
    page.wait_for_selector("#ai-analyses :text('Waiting for the model')")
    page.evaluate("window.__sameDocument = true")
    Analysis.objects.filter(pk=analysis.pk).update(status="succeeded", summary="disk **full** on web-1")
    page.wait_for_selector("#ai-analyses strong:has-text('full')", timeout=15_000)
    assert "Waiting for the model" not in page.locator("#ai-analyses").inner_text()
    assert page.evaluate("window.__sameDocument") is True  # updated in place, not by a reload
