"""The runbook editor in Django admin, in Chromium: fields by step kind, folding, self-numbering, plan preview."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from remediation.actors import Actor
from runbooks.services.definitions import save_runbook
from tests.factories import TEST_PASSWORD, ServerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_edits_steps_by_kind_numbers_new_ones_and_previews_the_plan(  # type: ignore[no-untyped-def]
    page, live_server, portal_login, admin_user, artifacts
) -> None:
    ServerFactory(name="db-7", hostname="127.0.0.1")
    steps = [
        {"name": "check", "command": "df -h {{ params.mount }}"},
        {"name": "notify", "kind": "http", "url": "http://127.0.0.1:9/hook"},
        {"name": "clean", "command": "journalctl --vacuum-size=200M"},
    ]
    definition = {"name": "disk", "parameters": [{"name": "mount", "default": "/"}], "steps": steps}
    runbook = save_runbook(definition, actor=Actor.of(admin_user))
    portal_login(page, "admin", TEST_PASSWORD)
    page.wait_for_selector("h1:has-text('Dashboard')")
    page.goto(f"{live_server.url}/admin/runbooks/runbook/{runbook.pk}/change/")
    http_step = page.locator("#steps-1")
    # Three steps: they start folded to their headers; unfolding shows only the fields of the step's kind.
    expect(http_step.locator(".step-fold")).to_have_text("Show")
    http_step.locator(".step-fold").click()
    expect(http_step.locator(".field-url").first).to_be_visible()
    expect(http_step.locator(".field-command").first).to_be_hidden()
    page.locator(".add-row a").click()
    added = page.locator("#steps-3")
    expect(added.locator("input[name='steps-3-position']")).to_have_value("3")  # after the last (0, 1, 2)
    expect(added.locator(".field-command").first).to_be_visible()
    added.locator("select[name='steps-3-kind']").select_option("http")
    expect(added.locator(".field-command").first).to_be_hidden()
    expect(added.locator(".field-url").first).to_be_visible()
    # The plan preview renders the saved version for a chosen server and parameter, without a reload.
    page.fill("#preview-param-mount", "/var/log")
    page.select_option("#preview-target", "db-7")
    expect(page.locator("#preview-result")).to_contain_text("RE_V1='/var/log'")  # passed as a variable, quoted
    expect(page.locator("#preview-result")).to_contain_text("db-7")
    page.screenshot(path=str(artifacts / "runbook-editor.png"), full_page=True)
