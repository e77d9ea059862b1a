"""The executions list and the approvals queue in Chromium: a new run, a changed status, a new request and the
waiting count appear without a reload."""

from __future__ import annotations

import pytest

from runbooks.models import Execution
from tests.factories import TEST_PASSWORD
from tests.factories.runbooks import execution_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_updates_the_executions_list_live(page, live_server, portal_login, viewer) -> None:  # type: ignore[no-untyped-def]
    first = execution_of({"steps": []}, status="running")
    portal_login(page, "viewer", TEST_PASSWORD)
    page.wait_for_selector("h1:has-text('Dashboard')")
    page.goto(f"{live_server.url}/runbooks/executions/")
    page.wait_for_selector(f"#execution-rows a:text-is('{first.pk}')")
    page.evaluate("window.__sameDocument = true")
    Execution.objects.filter(pk=first.pk).update(status="succeeded")
    second = execution_of({"steps": []}, status="awaiting_approval")
    page.wait_for_selector(f"#execution-rows a:text-is('{second.pk}')", timeout=20_000)
    rows = page.locator("#execution-rows").inner_text()
    assert "Awaiting approval" in rows and "Succeeded" in rows and "Running" not in rows
    assert page.evaluate("window.__sameDocument") is True


def test_it_adds_a_new_approval_request_live_but_never_under_a_typed_reason(
    page, live_server, portal_login, approver
) -> None:  # type: ignore[no-untyped-def]
    first = execution_of({"steps": []}, status="awaiting_approval")
    portal_login(page, "approver", TEST_PASSWORD)
    page.wait_for_selector("h1:has-text('Dashboard')")
    page.goto(f"{live_server.url}/runbooks/approvals/")
    page.wait_for_selector(f"#approval-{first.pk}")
    assert page.inner_text("h1 small") == "(1 waiting)"
    second = execution_of({"steps": []}, status="awaiting_approval")
    page.wait_for_selector(f"#approval-{second.pk}", timeout=20_000)  # arrived without a reload
    assert page.inner_text("h1 small") == "(2 waiting)"  # and the heading counts it
    page.fill(f"#approval-{first.pk} input[name=reason]", "half-typed")
    third = execution_of({"steps": []}, status="awaiting_approval")
    page.wait_for_selector("#live-status:has-text('paused')", timeout=20_000)
    assert page.locator(f"#approval-{third.pk}").count() == 0
    assert page.input_value(f"#approval-{first.pk} input[name=reason]") == "half-typed"
