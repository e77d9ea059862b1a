"""Alert analysis end to end: the real LiteLLM path against the local server, retries, failures, validation."""

from __future__ import annotations

import json

import pytest

from ai import tasks
from ai.models import Analysis, Provider
from ai.services.analysis import AnalysisRateLimited, request_analysis
from remediation.actors import Actor
from remediation.models import AuditEvent
from tests.factories import AlertFactory
from tests.llm_server import LLMServer, Reply

pytestmark = pytest.mark.django_db

ANSWER = {
    "summary": "Disk `/var` on **db1** is 97% full.",
    "probable_cause": "Log rotation stopped.",
    "impact": "Writes fail soon.",
    "verification_commands": ["df -h /var", "du -sh /var/log/*"],
    "recommended_runbook": None,
    "confidence": 0.8,
}


def answer(**changes: object) -> Reply:
    return Reply(content=json.dumps({**ANSWER, **changes}))


def _request(alert, user, **kwargs):  # type: ignore[no-untyped-def]
    analysis, created = request_analysis(alert, actor=Actor.of(user), **kwargs)
    return analysis, created


def test_it_analyses_an_alert_end_to_end(
    operator, provider, llm_server: LLMServer, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    alert = AlertFactory(labels={"alertname": "DiskFull", "instance": "db1:9100"})
    llm_server.push(answer())
    with django_capture_on_commit_callbacks() as callbacks:
        analysis, created = _request(alert, operator)
    assert created and analysis.status == "queued" and len(callbacks) == 1
    assert tasks.run_analysis(analysis.pk) == "succeeded"
    analysis.refresh_from_db()
    assert analysis.summary == ANSWER["summary"] and analysis.verification_commands == ANSWER["verification_commands"]
    assert analysis.confidence == 0.8 and analysis.recommended_runbook == ""
    assert (analysis.prompt_tokens, analysis.completion_tokens, analysis.attempts) == (120, 30, 1)
    assert analysis.cost_usd is not None and analysis.cost_usd > 0 and analysis.latency_ms is not None
    assert (analysis.provider_name, analysis.model, analysis.prompt_version) == ("local", provider.model, "analysis-v1")
    system, user = llm_server.requests[0]["messages"]
    assert system["role"] == "system" and '"probable_cause"' in system["content"]
    assert "<alert-data>" in user["content"] and "db1:9100" in user["content"]
    requested = AuditEvent.objects.get(action="analysis.requested")
    assert requested.actor == operator and requested.object_id == str(analysis.pk)


def test_it_retries_after_a_429(operator, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    llm_server.push(Reply(status=429), answer())
    analysis, _ = _request(AlertFactory(), operator)
    assert tasks.run_analysis(analysis.pk) == "succeeded"
    analysis.refresh_from_db()
    assert analysis.attempts == 2 and len(llm_server.requests) == 2


def test_it_records_a_failure_after_repeated_500s(operator, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    alert = AlertFactory()
    llm_server.push(*(Reply(status=500) for _ in range(3)))
    analysis, _ = _request(alert, operator)
    assert tasks.run_analysis(analysis.pk) == "failed"
    analysis.refresh_from_db()
    assert (analysis.error_kind, analysis.attempts) == ("server_error", 3) and analysis.finished_at is not None
    assert len(llm_server.requests) == 3
    alert.refresh_from_db()
    assert alert.status == "firing"


def test_it_records_a_failure_after_timeouts(operator, provider, llm_server: LLMServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.AI_MAX_RETRIES = 1
    Provider.objects.filter(pk=provider.pk).update(timeout_seconds=1)
    llm_server.push(Reply(delay=2.5), Reply(delay=2.5))
    analysis, _ = _request(AlertFactory(), operator)
    assert tasks.run_analysis(analysis.pk) == "failed"
    analysis.refresh_from_db()
    assert (analysis.error_kind, analysis.attempts) == ("timeout", 2)


def test_it_keeps_an_invalid_answer_raw_and_marks_it(operator, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    llm_server.push(Reply(content="I think the disk is full, honestly."))
    analysis, _ = _request(AlertFactory(), operator)
    assert tasks.run_analysis(analysis.pk) == "invalid"
    analysis.refresh_from_db()
    assert analysis.raw_output == "I think the disk is full, honestly." and analysis.summary == ""
    assert analysis.validation_errors and analysis.validation_errors[0].startswith("not JSON")


def test_it_marks_a_wrong_shape_invalid(operator, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    llm_server.push(answer(confidence="very", verification_commands="df -h"))
    analysis, _ = _request(AlertFactory(), operator)
    assert tasks.run_analysis(analysis.pk) == "invalid"
    analysis.refresh_from_db()
    assert {e.split(":")[0] for e in analysis.validation_errors} == {"confidence", "verification_commands"}


def test_it_keeps_one_analysis_per_episode_unless_forced(operator, provider) -> None:  # type: ignore[no-untyped-def]
    alert = AlertFactory()
    first, created = _request(alert, operator)
    again, created_again = _request(alert, operator)
    forced, created_forced = _request(alert, operator, force=True)
    assert created and not created_again and again == first
    assert created_forced and forced.forced and forced != first
    assert Analysis.objects.filter(alert=alert).count() == 2


def test_it_runs_a_queued_analysis_only_once(operator, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    llm_server.push(answer())
    analysis, _ = _request(AlertFactory(), operator)
    assert tasks.run_analysis(analysis.pk) == "succeeded"
    assert tasks.run_analysis(analysis.pk) == "not queued"
    assert len(llm_server.requests) == 1


def test_it_rate_limits_manual_requests_per_user(operator, approver, provider, settings) -> None:  # type: ignore[no-untyped-def]
    settings.AI_ANALYSIS_RATE_LIMIT = "2/h"
    _request(AlertFactory(), operator)
    _request(AlertFactory(), operator)
    with pytest.raises(AnalysisRateLimited) as caught:
        _request(AlertFactory(), operator)
    assert 0 < caught.value.retry_after <= 3600
    assert _request(AlertFactory(), approver)[1]  # another user has their own budget


def test_it_fails_clearly_without_an_enabled_provider(operator) -> None:  # type: ignore[no-untyped-def]
    Provider.objects.update(enabled=False)
    analysis, _ = _request(AlertFactory(), operator)
    assert tasks.run_analysis(analysis.pk) == "failed"
    analysis.refresh_from_db()
    assert analysis.error_kind == "no_provider"
