"""Provider health checks (a housekeeping job) against the local OpenAI-compatible server: status, error, metric."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone
from django.utils.module_loading import import_string

from ai import tasks
from ai.models import Provider
from remediation.models import AuditEvent
from remediation.services.housekeeping import housekeeping_jobs
from tests.ai.conftest import PROVIDER_KEY
from tests.llm_server import LLMServer, Reply

pytestmark = pytest.mark.django_db


def _audit_text() -> str:
    return json.dumps(list(AuditEvent.objects.values("before", "after", "reason")))


def test_it_is_a_housekeeping_job_whose_task_exists() -> None:
    job = next(job for job in housekeeping_jobs() if job.name == "ai.check_provider_health")
    assert import_string(job.func) is tasks.check_provider_health


def test_it_records_a_healthy_provider_as_ok(provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    started = timezone.now()
    assert tasks.check_provider_health() == {"local": "ok"}
    provider.refresh_from_db()
    assert (provider.health_status, provider.health_error) == ("ok", "")
    assert provider.health_checked_at >= started and provider.health_latency_ms is not None
    assert len(llm_server.requests) == 1 and llm_server.requests[0]["max_tokens"] == 16  # seeded ones are disabled


def test_it_records_a_500_as_unhealthy_with_the_error_and_never_the_key(provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    echo = {"error": {"message": f"upstream said no to key {PROVIDER_KEY}", "type": "server"}}  # a careless server
    llm_server.push(Reply(status=500, raw=json.dumps(echo).encode()))
    assert tasks.check_provider_health() == {"local": "unhealthy"}
    provider.refresh_from_db()
    assert provider.health_status == "unhealthy" and provider.health_error.startswith("server_error: ")
    assert "upstream said no to key ********" in provider.health_error and provider.health_latency_ms is None
    assert len(llm_server.requests) == 1  # no retries in a health check
    event = AuditEvent.objects.get(action="provider.health_changed")
    assert (event.before, event.after["status"]) == ({"status": "unknown"}, "unhealthy")
    assert PROVIDER_KEY not in provider.health_error and PROVIDER_KEY not in _audit_text()


def test_it_records_a_server_that_is_down_as_unhealthy(provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    llm_server.stop()
    tasks.check_provider_health()
    provider.refresh_from_db()
    # LiteLLM reports a refused connection as an InternalServerError ("Connection error."), hence no "connection:".
    assert provider.health_status == "unhealthy" and "Connection error" in provider.health_error
    assert provider.health_checked_at is not None and PROVIDER_KEY not in provider.health_error


def test_it_audits_only_changes_of_status(provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    llm_server.push(Reply(status=500), Reply(status=500))
    tasks.check_provider_health()
    tasks.check_provider_health()
    tasks.check_provider_health()
    changes = AuditEvent.objects.filter(action="provider.health_changed").order_by("id")
    assert [(e.before["status"], e.after["status"]) for e in changes] == [("unknown", "unhealthy"), ("unhealthy", "ok")]


def test_it_skips_disabled_providers(provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    Provider.objects.filter(pk=provider.pk).update(enabled=False)
    assert tasks.check_provider_health() == {}
    provider.refresh_from_db()
    assert provider.health_status == "unknown" and llm_server.requests == []


def test_it_bounds_each_probe_by_the_health_check_timeout(provider, llm_server: LLMServer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("ai.services.providers.HEALTH_CHECK_TIMEOUT_SECONDS", 1.0)
    Provider.objects.filter(pk=provider.pk).update(timeout_seconds=30)
    llm_server.push(Reply(delay=2.5))
    tasks.check_provider_health()
    provider.refresh_from_db()
    assert provider.health_status == "unhealthy" and provider.health_error.startswith("timeout: ")


def test_it_shows_health_in_the_api_the_admin_and_the_metrics(admin_user, api_as, client, provider) -> None:  # type: ignore[no-untyped-def]
    tasks.check_provider_health()
    body = api_as(admin_user).get(f"/api/v1/ai/providers/{provider.pk}/").json()
    assert body["health_status"] == "ok" and body["health_checked_at"] and body["health_error"] == ""
    client.force_login(admin_user)
    listing = client.get("/admin/ai/provider/").content.decode()
    page = client.get(f"/admin/ai/provider/{provider.pk}/change/").content.decode()
    assert "Health status" in listing and "Health error" in page and "Health checked at" in page
    text = client.get("/metrics").content.decode()
    assert 'remediation_ai_provider_up{model="openai/gpt-4o-mini",provider="local"} 1.0' in text
    assert 'remediation_ai_provider_checked_timestamp_seconds{model="openai/gpt-4o-mini",provider="local"}' in text


def test_it_records_a_manual_test_as_the_providers_health(admin_user, api_as, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    llm_server.push(Reply(status=500))
    assert api_as(admin_user).post(f"/api/v1/ai/providers/{provider.pk}/test/").json()["ok"] is False
    provider.refresh_from_db()
    assert provider.health_status == "unhealthy" and provider.health_error.startswith("server_error")
