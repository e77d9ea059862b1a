"""Chromium loads every portal page, the admin pages and /api/docs/ under the Content-Security-Policy with no
violation: pages come from the URL resolver and admin.site._registry, so a new page is loaded here too."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from remediation.notifications import signed_link
from tests.browser.portal_world import portal_urls, portal_world
from tests.factories import (
    TEST_PASSWORD,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Watches every violation, in the page and in what it loads, before any script of the page runs.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(
  {directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample}
));
"""


def _admin_pages(user: Any) -> list[str]:
    pages = ["/admin/"]
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        if model_admin.has_add_permission(_request(user)):
            pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        first = model_admin.get_queryset(_request(user)).first()
        if first is not None:
            pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]))
    return pages


def _request(user: Any) -> Any:
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _violations(page: Any, url: str) -> list[dict[str, Any]]:
    response = page.goto(url)
    assert response is not None and response.status < 400, (url, response and response.status)
    # A wait, not a speed check: on a loaded machine the admin's permission pickers can take longer than the default.
    page.wait_for_load_state("networkidle", timeout=60_000)
    return list(page.evaluate("window.__csp"))


def test_it_loads_every_page_without_a_csp_violation(page, live_server, portal_login, admin_user, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.TERMINAL_RECORDINGS_DIR = str(tmp_path)
    world = portal_world(admin_user, tmp_path)
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    portal_login(page, "admin", TEST_PASSWORD)
    page.wait_for_selector("h1:has-text('Dashboard')")
    # The signed link from a notification takes its token in the query; a valid one (to the dashboard) is loaded.
    urls = portal_urls(world)
    link = urlsplit(signed_link("/"))
    urls.append(f"{link.path}?{link.query}")
    urls += _admin_pages(admin_user)
    found = {url: v for url in urls if (v := _violations(page, live_server.url + url))}
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")  # Swagger UI rendered from the split-out script
    assert page.locator(".opblock").count() > 20
    if docs := page.evaluate("window.__csp"):
        found["/api/docs/"] = docs
    refused = [text for text in console if "Content Security Policy" in text]
    report = {"pages": sorted(found), "violations": found, "console": refused}
    assert found == {} and refused == [], json.dumps(report, indent=1)[:6000]
    assert len(urls) > 40  # every portal page and every admin model was really loaded


def test_it_reports_an_inline_script_as_a_violation(page, live_server) -> None:  # type: ignore[no-untyped-def]
    """The harness itself can fail: an inline script on our origin is refused and recorded."""
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(live_server.url + "/login/")
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = '1'; document.body.append(s); }")
    page.wait_for_timeout(200)
    assert [v["directive"] for v in page.evaluate("window.__csp")] == ["script-src-elem"]
