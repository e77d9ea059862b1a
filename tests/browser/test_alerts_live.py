"""The alerts page in a real browser: new alerts appear without a reload, hostile text never executes."""

from __future__ import annotations

import pytest

from tests.factories import TEST_PASSWORD, AlertFactory

pytestmark = pytest.mark.django_db(transaction=True)

XSS = '<img src=x onerror="window.__xss = 1"><script>window.__xss = 2</script>'


def test_it_shows_new_alerts_live_and_escaped(page, live_server, portal_login, viewer) -> None:  # type: ignore[no-untyped-def]
    AlertFactory(alertname="FirstAlert", labels={"alertname": "FirstAlert"})
    portal_login(page, "viewer", TEST_PASSWORD)
    page.wait_for_selector("h1:has-text('Dashboard')")
    page.goto(f"{live_server.url}/alerts/")
    page.wait_for_selector("#alert-rows a:has-text('FirstAlert')")
    AlertFactory(alertname=XSS, labels={"alertname": XSS}, annotations={"summary": XSS})
    # The page polls every 10 s; the row arrives through the fragment endpoint, inserted as server-escaped HTML.
    page.wait_for_selector("#live-status:has-text('updated')", timeout=20_000)
    links = page.locator("#alert-rows a").all_inner_texts()
    assert links[0] == XSS
    assert page.evaluate("window.__xss") is None
    page.click("#alert-rows a >> nth=0")
    page.wait_for_selector("h2:has-text('Timeline')")
    assert XSS in page.locator("h1").inner_text()
    assert page.evaluate("window.__xss") is None
