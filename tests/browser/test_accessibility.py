"""Every portal page in Chromium: axe-core finds no serious or critical violation (light and dark), and at 390 px
wide no page scrolls sideways."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.browser.portal_world import portal_urls, portal_world
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def _signed_in(browser, live_server, **context: Any):  # type: ignore[no-untyped-def]
    # axe is injected as an inline script, which the product's CSP (rightly) refuses: bypass it for the checker only.
    ctx = browser.new_context(bypass_csp=True, **context)
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Dashboard')")
    return ctx, page


def _axe(page: Any, url: str) -> list[dict[str, Any]]:
    response = page.goto(url)
    assert response is not None and response.status < 400, (url, response and response.status)
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5], "help": v["help"]}
        for v in found
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_portal_page_has_no_serious_accessibility_violation(  # type: ignore[no-untyped-def]
    browser, live_server, admin_user, tmp_path, artifacts, scheme
) -> None:
    settings.TERMINAL_RECORDINGS_DIR = str(tmp_path)
    urls = portal_urls(portal_world(admin_user, tmp_path))
    ctx, page = _signed_in(browser, live_server, color_scheme=scheme, viewport={"width": 1280, "height": 800})
    try:
        found = {url: v for url in urls if (v := _axe(page, live_server.url + url))}
        page.goto(live_server.url + "/")
        page.screenshot(path=str(artifacts / f"dashboard-{scheme}.png"), full_page=True)
    finally:
        ctx.close()
    (artifacts / f"axe-{scheme}.json").write_text(json.dumps(found, indent=1))
    assert found == {}, json.dumps(found, indent=1)[:6000]
    assert len(urls) >= 15  # every portal page was really checked


def test_no_portal_page_scrolls_sideways_at_390_px(browser, live_server, admin_user, tmp_path, artifacts) -> None:  # type: ignore[no-untyped-def]
    settings.TERMINAL_RECORDINGS_DIR = str(tmp_path)
    urls = portal_urls(portal_world(admin_user, tmp_path))
    ctx, page = _signed_in(browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True)
    wide: dict[str, int] = {}
    try:
        for url in urls:
            page.goto(live_server.url + url)
            page.wait_for_load_state("networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                wide[url] = width
        page.goto(live_server.url + "/")
        page.screenshot(path=str(artifacts / "dashboard-390px.png"), full_page=True)
        # The navigation stays one row: it must not take half the screen.
        assert page.locator(".sidebar").bounding_box()["height"] < 80
    finally:
        ctx.close()
    assert wide == {}, wide


def test_the_skip_link_is_the_first_stop_and_jumps_to_the_content(page, live_server, portal_login, viewer) -> None:  # type: ignore[no-untyped-def]
    portal_login(page, "viewer", TEST_PASSWORD)
    page.wait_for_selector("h1:has-text('Dashboard')")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
