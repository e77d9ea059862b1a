"""Chromium loads every portal page, the admin pages and /api/docs/ under the Content-Security-Policy with no
violation: pages come from the URL resolver and admin.site._registry, so a new page is loaded here too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from remediation.notifications import signed_link
from tests.access_routes import portal_pages
from tests.factories import (
    TEST_PASSWORD,
    AlertFactory,
    ChatSessionFactory,
    ExecutionFactory,
    ServerFactory,
    TerminalSessionFactory,
)
from tests.factories.runbooks import RunbookScheduleFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Watches every violation, in the page and in what it loads, before any script of the page runs.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(
  {directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample}
));
"""


def _world(user: Any, recordings: Path) -> dict[str, dict[str, Any]]:
    """One row behind every portal page that takes an argument, keyed by the page's URL name."""
    server = ServerFactory(name="web-1", host_key_type="ssh-ed25519", host_key="AAAAC3NzaC1lZDI1NTE5AAAAIPin")
    execution = ExecutionFactory()
    session = TerminalSessionFactory(user=user, server=server, recording_path="2026/01/01/one.cast")
    cast = recordings / session.recording_path
    cast.parent.mkdir(parents=True, exist_ok=True)
    cast.write_text(json.dumps({"version": 2, "width": 80, "height": 24}) + '\n[0.1, "o", "hello\\r\\n"]\n')
    return {
        "alerts:detail": {"pk": AlertFactory().pk},
        "runbooks:detail": {"pk": execution.runbook_id},
        "runbooks:execution": {"pk": execution.pk},
        "runbooks:schedule": {"pk": RunbookScheduleFactory(runbook=execution.runbook).pk},
        "ai:chat-session": {"session_id": ChatSessionFactory(user=user).pk},
        "ai:investigation": {"pk": _investigation(user, server).pk},
        "terminal:open": {"server_id": server.pk},
        "terminal:session": {"session_uuid": session.uuid},
    }


def _investigation(user: Any, server: Any) -> Any:
    """An investigation with a transcript line, a pending command and a finding: every part of its page renders."""
    from ai.choices import CommandStatus, EntryKind
    from ai.models import CommandRequest, Investigation, InvestigationEntry

    finding = {
        "summary": "Disk full",
        "evidence": [{"command": "df -h", "server": "web-1", "observation": "97%"}],
        "likely_cause": "logs",
        "recommendation": {"runbook": "", "params": {}, "next_step": "rotate logs"},
    }
    investigation = Investigation.objects.create(
        goal="Why?", alert=AlertFactory(), server=server, requested_by=user, status="completed", finding=finding
    )
    InvestigationEntry.objects.create(investigation=investigation, seq=1, kind=EntryKind.ASSISTANT, content="Hm")
    CommandRequest.objects.create(
        investigation=investigation, server=server, server_name="web-1", command="df -h", status=CommandStatus.PENDING
    )
    return investigation


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
    world = _world(admin_user, tmp_path)
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    portal_login(page, "admin", TEST_PASSWORD)
    page.wait_for_selector("h1:has-text('Dashboard')")
    # The signed link from a notification takes its token in the query; a valid one (to the dashboard) is loaded.
    urls = [reverse(name, kwargs=world.get(name)) for name in portal_pages() if name != "notification-link"]
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
