"""The investigations API: start (permission, grant, budgets), read with transcript and commands, stop, decide."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from ai.choices import CommandStatus, InvestigationStatus
from ai.models import Investigation
from ai.services.investigation_live import group_name
from ai.services.investigations import decide_command
from remediation.actors import Actor
from remediation.models import AuditEvent
from tests.factories import CommandRequestFactory, InvestigationFactory, ServerFactory
from tests.factories.terminal import grant

pytestmark = pytest.mark.django_db

URL = "/api/v1/investigations/"


@pytest.fixture
def server(operator, approver):  # type: ignore[no-untyped-def]
    server = ServerFactory(name="db-3", tags=["lab"])
    grant(operator, server)
    grant(approver, server)
    return server


def test_an_operator_starts_one_on_a_server_they_may_run_on(api_as, operator, server, provider) -> None:  # type: ignore[no-untyped-def]
    body = {"goal": "Why is the disk full?", "server": server.pk, "budgets": {"max_steps": 5, "max_cost_usd": "0.5"}}
    response = api_as(operator).post(URL, body, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == InvestigationStatus.QUEUED and data["requested_by"] == "operator"
    assert data["max_steps"] == 5 and data["max_cost_usd"] == "0.5000" and data["provider_name"] == provider.name
    assert data["entries"] == [] and data["commands"] == []
    assert AuditEvent.objects.filter(action="investigation.started", actor_id=operator.pk).exists()


@pytest.mark.parametrize(
    ("body", "on_server"),
    [
        ({"goal": "x"}, False),  # neither an alert nor a server
        ({"goal": "x", "budgets": {"max_steps": 10_000}}, True),  # above AI_INVESTIGATION_MAX_STEPS
        ({"goal": "x", "budgets": {"max_steps": 0}}, True),
        ({"goal": "x", "budgets": {"unknown": 1}}, True),
        ({"goal": ""}, True),
    ],
)
def test_it_refuses_bad_input(api_as, operator, server, provider, body: dict[str, Any], on_server: bool) -> None:  # type: ignore[no-untyped-def]
    if on_server:
        body = {**body, "server": server.pk}
    response = api_as(operator).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert not Investigation.objects.exists()


def test_it_needs_a_grant_on_the_server_and_the_execute_permission(api_as, operator, viewer, provider) -> None:  # type: ignore[no-untyped-def]
    elsewhere = ServerFactory(name="db-9")
    assert api_as(operator).post(URL, {"goal": "x", "server": elsewhere.pk}, format="json").status_code == 403
    assert api_as(viewer).post(URL, {"goal": "x", "server": elsewhere.pk}, format="json").status_code == 403
    assert not Investigation.objects.exists()


def test_it_refuses_without_an_enabled_provider(api_as, operator, server) -> None:  # type: ignore[no-untyped-def]
    response = api_as(operator).post(URL, {"goal": "x", "server": server.pk}, format="json")
    assert response.status_code == 409 and "provider" in response.json()["detail"]


def test_it_reads_the_transcript_commands_and_finding(api_as, viewer, server) -> None:  # type: ignore[no-untyped-def]
    command = CommandRequestFactory(investigation__server=server, why="see the disk")
    investigation = command.investigation
    investigation.finding = {"summary": "full", "evidence": [], "likely_cause": "logs", "recommendation": {}}
    investigation.save()
    listed = api_as(viewer).get(URL).json()
    assert [row["id"] for row in listed["results"]] == [investigation.pk]
    data = api_as(viewer).get(f"{URL}{investigation.pk}/").json()
    assert data["commands"][0]["command"] == command.command and data["commands"][0]["why"] == "see the disk"
    assert data["finding"]["likely_cause"] == "logs"


def test_an_approver_approves_and_rejects_through_the_api(api_as, approver, operator, server) -> None:  # type: ignore[no-untyped-def]
    first = CommandRequestFactory(investigation__server=server, investigation__requested_by=operator)
    second = CommandRequestFactory(investigation=first.investigation, server=server)
    base = f"{URL}{first.investigation_id}/commands"

    assert api_as(operator).post(f"{base}/{first.pk}/approve/", {}, format="json").status_code == 403
    response = api_as(approver).post(f"{base}/{first.pk}/approve/", {"reason": "read only"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == CommandStatus.APPROVED
    assert response.json()["decided_by"] == "approver"
    rejected = api_as(approver).post(f"{base}/{second.pk}/reject/", {"reason": "no"}, format="json")
    assert rejected.status_code == 200 and rejected.json()["status"] == CommandStatus.REJECTED
    again = api_as(approver).post(f"{base}/{second.pk}/approve/", {}, format="json")
    assert again.status_code == 409
    assert api_as(approver).post(f"{URL}999999/commands/{first.pk}/approve/", {}, format="json").status_code == 404


def test_the_requester_cannot_approve_their_own_even_as_admin(api_as, admin_user, server) -> None:  # type: ignore[no-untyped-def]
    command = CommandRequestFactory(investigation__server=server, investigation__requested_by=admin_user)
    url = f"{URL}{command.investigation_id}/commands/{command.pk}/approve/"
    assert api_as(admin_user).post(url, {}, format="json").status_code == 403
    command.refresh_from_db()
    assert command.status == CommandStatus.PENDING


def test_whoever_started_it_or_an_approver_may_stop_it(api_as, operator, viewer, approver, server) -> None:  # type: ignore[no-untyped-def]
    mine = InvestigationFactory(server=server, requested_by=operator, status=InvestigationStatus.WAITING_APPROVAL)
    other = InvestigationFactory(server=server, status=InvestigationStatus.QUEUED)
    assert api_as(viewer).post(f"{URL}{mine.pk}/stop/").status_code == 403
    assert api_as(operator).post(f"{URL}{other.pk}/stop/").status_code == 403
    response = api_as(operator).post(f"{URL}{mine.pk}/stop/")
    assert response.status_code == 200 and response.json()["status"] == InvestigationStatus.STOPPED
    assert api_as(approver).post(f"{URL}{other.pk}/stop/").json()["end_reason"] == "stopped"
    assert api_as(approver).post(f"{URL}{other.pk}/stop/").status_code == 409


@pytest.mark.django_db(transaction=True)
def test_a_decision_is_broadcast_to_the_investigation_group(operator, approver, server) -> None:  # type: ignore[no-untyped-def]
    command = CommandRequestFactory(investigation__server=server, investigation__requested_by=operator)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_name(command.investigation_id), channel)

    decide_command(command, actor=Actor.of(approver), approve=False, reason="not now")

    async def drain() -> list[dict[str, Any]]:
        import asyncio

        events = []
        while True:
            try:
                message = await asyncio.wait_for(layer.receive(channel), 0.5)
            except TimeoutError:
                return events
            assert message["type"] == "investigation.event"
            events.append(message["event"])

    events = async_to_sync(drain)()
    kinds = [event["type"] for event in events]
    assert "investigation.command" in kinds and "investigation.entry" in kinds
    decided = next(e for e in events if e["type"] == "investigation.command")["command"]
    assert decided["status"] == CommandStatus.REJECTED and decided["decision_reason"] == "not now"


def test_the_sweeper_requeues_stale_ones_and_ends_waiting_ones_past_their_time(server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from django.utils import timezone

    from ai.services.investigations import sweep_investigations

    sent: list[tuple[str, list[int]]] = []
    monkeypatch.setattr(
        "ai.services.investigations.enqueue_many_now", lambda task, ids, **kw: sent.append((task, list(ids))) or 1
    )
    now = timezone.now()
    stale = InvestigationFactory(server=server, queued_at=now - dt.timedelta(hours=1))
    fresh = InvestigationFactory(server=server, queued_at=now)
    waiting = InvestigationFactory(
        server=server, status=InvestigationStatus.WAITING_APPROVAL, started_at=now - dt.timedelta(hours=2)
    )
    pending = CommandRequestFactory(investigation=waiting, server=server)
    patient = InvestigationFactory(server=server, status=InvestigationStatus.WAITING_APPROVAL, started_at=now)

    assert sweep_investigations(now=now) == {"redispatched": 1, "ended": 1}
    assert sent == [("ai.tasks.run_investigation", [stale.pk])]
    waiting.refresh_from_db()
    pending.refresh_from_db()
    assert waiting.status == InvestigationStatus.COMPLETED and waiting.end_reason == "time_budget"
    assert pending.status == CommandStatus.EXPIRED
    for row in (fresh, patient):
        row.refresh_from_db()
    assert fresh.status == InvestigationStatus.QUEUED and patient.status == InvestigationStatus.WAITING_APPROVAL
