"""Suggest mode in a real browser: an operator sees the suggestion on the alert page and starts it with one click."""

from __future__ import annotations

import pytest

from alerts.models import Suggestion
from runbooks.models import Execution
from tests.factories import TEST_PASSWORD
from tests.factories.inventory import ServerFactory
from tests.factories.terminal import grant
from tests.remediation.remediate import am_payload, dispatch_pending, remediate_rule, restart_runbook

pytestmark = pytest.mark.django_db(transaction=True)
KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests"


def test_it_runs_a_suggestion_from_the_alert_page(page, live_server, portal_login, post_hook, operator) -> None:  # type: ignore[no-untyped-def]
    grant(operator, ServerFactory(name="web-1", host_key=KEY))
    remediate_rule(restart_runbook(), mode="suggest")
    post_hook(am_payload("web-1:9100"))
    dispatch_pending()
    suggestion = Suggestion.objects.get()
    portal_login(page, "operator", TEST_PASSWORD)
    page.wait_for_selector("h1:has-text('Dashboard')")
    page.goto(f"{live_server.url}/alerts/{suggestion.alert_id}/")
    card = page.locator(f"#suggestion-{suggestion.pk}")
    assert "restart-service" in card.inner_text() and "service=nginx" in card.inner_text()
    card.locator("button:has-text('Run this')").click()
    page.wait_for_selector("h1:has-text('Execution #')")
    execution = Execution.objects.get()
    assert page.url == f"{live_server.url}/runbooks/executions/{execution.pk}/"
    assert execution.trigger == "suggestion" and execution.requested_by == operator
    page.goto(f"{live_server.url}/alerts/{suggestion.alert_id}/")
    assert page.locator(f"#suggestion-{suggestion.pk} button").count() == 0
    assert f"execution #{execution.pk}" in page.locator(f"#suggestion-{suggestion.pk}").inner_text()
