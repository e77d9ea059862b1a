"""Requesting and reading analyses: API and portal (permission, one per episode, rate limit), metrics, alert page."""

from __future__ import annotations

import pytest

from ai import tasks
from ai.models import Analysis
from remediation.actors import Actor
from runbooks.models import Execution
from runbooks.services.definitions import save_runbook
from tests.ai.test_analysis import answer
from tests.ai.test_chat_proposals import RESTART
from tests.factories import AlertFactory, ChatSessionFactory
from tests.llm_server import LLMServer

pytestmark = pytest.mark.django_db


def test_it_queues_an_analysis_then_returns_the_episodes_one(operator, api_as, provider) -> None:  # type: ignore[no-untyped-def]
    alert = AlertFactory()
    client = api_as(operator)
    first = client.post(f"/api/v1/alerts/{alert.pk}/analyze/", {}, format="json")
    assert first.status_code == 202 and first.json()["status"] == "queued"
    again = client.post(f"/api/v1/alerts/{alert.pk}/analyze/", {}, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    forced = client.post(f"/api/v1/alerts/{alert.pk}/analyze/", {"force": True}, format="json")
    assert forced.status_code == 202 and forced.json()["forced"] is True


@pytest.mark.parametrize("role", ["viewer", "approver", "stranger"])
def test_it_needs_the_analyze_permission(role, request, api_as, provider) -> None:  # type: ignore[no-untyped-def]
    alert = AlertFactory()
    response = api_as(request.getfixturevalue(role)).post(f"/api/v1/alerts/{alert.pk}/analyze/", {}, format="json")
    assert response.status_code == 403 and not Analysis.objects.exists()


def test_it_answers_429_with_retry_after_when_rate_limited(operator, api_as, provider, settings) -> None:  # type: ignore[no-untyped-def]
    settings.AI_ANALYSIS_RATE_LIMIT = "1/m"
    client = api_as(operator)
    assert client.post(f"/api/v1/alerts/{AlertFactory().pk}/analyze/", {}, format="json").status_code == 202
    limited = client.post(f"/api/v1/alerts/{AlertFactory().pk}/analyze/", {}, format="json")
    assert limited.status_code == 429 and 0 < int(limited["Retry-After"]) <= 60
    assert Analysis.objects.count() == 1


def test_it_lists_analyses_of_an_alert_to_viewers(viewer, operator, api_as, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    alert, other = AlertFactory(), AlertFactory()
    llm_server.push(answer(), answer())
    for target in (alert, other):
        tasks.run_analysis(api_as(operator).post(f"/api/v1/alerts/{target.pk}/analyze/").json()["id"])
    rows = api_as(viewer).get(f"/api/v1/ai/analyses/?alert={alert.pk}").json()["results"]
    assert [r["alert"] for r in rows] == [alert.pk] and rows[0]["status"] == "succeeded"
    assert "<strong>db1</strong>" in rows[0]["summary_html"]


def test_it_exports_analysis_metrics_by_status_provider_and_model(
    operator, provider, llm_server: LLMServer, client
) -> None:  # type: ignore[no-untyped-def]
    llm_server.push(answer())
    tasks.run_analysis(Analysis.objects.create(alert=AlertFactory(), trigger="manual", provider=provider).pk)
    Analysis.objects.create(alert=AlertFactory(), trigger="rule", status="failed")
    text = client.get("/metrics").content.decode()
    assert 'remediation_ai_analyses_total{status="succeeded"} 1.0' in text
    assert 'remediation_ai_analyses_total{status="failed"} 1.0' in text
    labels = 'model="openai/gpt-4o-mini",provider="local"'
    assert f'remediation_ai_tokens_total{{kind="prompt",{labels}}} 120.0' in text
    assert f"remediation_ai_cost_usd_total{{{labels}}}" in text
    assert f"remediation_ai_analysis_latency_seconds_count{{{labels}}} 1.0" in text


def test_it_shows_the_analysis_and_the_chat_on_the_alert_page(
    operator, client, provider, llm_server: LLMServer
) -> None:  # type: ignore[no-untyped-def]
    alert = AlertFactory()
    client.force_login(operator)
    assert client.post(f"/ai/alerts/{alert.pk}/analyze/").status_code == 302
    llm_server.push(answer(summary="Disk full <script>alert(1)</script> on **db1**"))
    tasks.run_analysis(Analysis.objects.get(alert=alert).pk)
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "Disk full" in page and "<strong>db1</strong>" in page and "<script>alert(1)" not in page
    assert "Start a chat about this alert" in page
    assert client.post("/ai/chat/new/", {"alert": alert.pk}).status_code == 302
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert 'data-chat-session="' in page and "Analyze again" in page


def test_it_hides_ai_actions_from_viewers(viewer, client) -> None:  # type: ignore[no-untyped-def]
    alert = AlertFactory()
    ChatSessionFactory(user=viewer, alert=alert)
    client.force_login(viewer)
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "Analyze with AI" not in page and "data-chat-session" not in page
    assert client.post(f"/ai/alerts/{alert.pk}/analyze/").status_code == 403


def test_it_links_a_recommended_runbook_to_the_normal_plan_and_request_page(  # type: ignore[no-untyped-def]
    operator, admin_user, client, provider, llm_server: LLMServer
) -> None:
    runbook = save_runbook(RESTART, actor=Actor.of(admin_user))
    alert = AlertFactory()
    llm_server.push(answer(recommended_runbook={"name": "restart-service", "params": {"service": "nginx"}}))
    tasks.run_analysis(Analysis.objects.create(alert=alert, trigger="rule", provider=provider).pk)
    client.force_login(operator)
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert f'href="/runbooks/{runbook.pk}/?param.service=nginx"' in page  # the run form's own field
    assert not Execution.objects.exists()


def test_it_keeps_a_requested_analysis_through_a_broker_outage_and_sends_it_again(  # type: ignore[no-untyped-def]
    operator, api_as, provider, monkeypatch, django_capture_on_commit_callbacks, task_queue, settings
) -> None:
    from ai.services.analysis import redispatch_queued

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("django_q.tasks.async_task", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(operator).post(f"/api/v1/alerts/{AlertFactory().pk}/analyze/", {}, format="json")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    monkeypatch.undo()
    settings.REDISPATCH_AFTER_SECONDS = 3600
    assert redispatch_queued() == 0  # not stale yet: its message may still be on its way
    settings.REDISPATCH_AFTER_SECONDS = 0
    assert redispatch_queued() == 1
    assert [(t["func"], t["args"]) for t in task_queue()] == [("ai.tasks.run_analysis", (response.json()["id"],))]
