"""The portal in a real browser: sign in through the login page and see the dashboard."""

from __future__ import annotations

import pytest

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_signs_in_and_renders_the_dashboard(page, live_server, portal_login, operator, artifacts) -> None:  # type: ignore[no-untyped-def]
    portal_login(page, "operator", TEST_PASSWORD)
    page.wait_for_selector("h1:has-text('Dashboard')")
    assert page.url == f"{live_server.url}/"
    tiles = page.locator(".tile .label").all_inner_texts()
    assert "Active users" in tiles
    assert page.locator(".session .who").inner_text() == "operator"
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)
    assert (artifacts / "dashboard.png").stat().st_size > 1000


def test_it_shows_a_clear_error_for_a_wrong_password(page, live_server, portal_login, operator) -> None:  # type: ignore[no-untyped-def]
    portal_login(page, "operator", "wrong password")
    assert page.locator("[role=alert]").inner_text() == "Invalid username or password."
    assert page.url.startswith(f"{live_server.url}/login/")
