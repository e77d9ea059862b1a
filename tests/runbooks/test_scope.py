"""Execution scope: a person runs, plans, schedules and approves only on servers they hold a grant for.

Every edge goes through `remediation.grants.can_run_on` (via runbooks.services.scope): the API, the portal, the admin,
a chat proposal, a suggestion, a schedule and an approval. Admins hold `remediation.run_on_any_server`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ai.models import ChatProposal
from ai.services.proposals import confirm_proposal
from remediation.actors import Actor
from remediation.grants import can_run_on
from remediation.models import AuditEvent
from runbooks.models import Execution, RunbookSchedule, ScheduleRun
from runbooks.services.execute import ExecutionForbidden, request_execution
from runbooks.services.schedule_runs import fire_schedule
from tests.factories import ChatMessageFactory, ChatSessionFactory
from tests.factories.inventory import ServerFactory
from tests.factories.terminal import TerminalGrantFactory, grant
from tests.remediation.remediate import restart_runbook

pytestmark = pytest.mark.django_db
KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests"
BODY = {"params": {"service": "nginx"}}


@pytest.fixture
def servers():  # type: ignore[no-untyped-def]
    """web-1 (tagged web) and db-1 (tagged db), both with pinned keys."""
    return (
        ServerFactory(name="web-1", host_key=KEY, tags=["web"]),
        ServerFactory(name="db-1", host_key=KEY, tags=["db"]),
    )


def test_it_decides_by_role_and_by_grant_on_a_server_or_a_tag(servers, operator, viewer, admin_user) -> None:  # type: ignore[no-untyped-def]
    web, db = servers
    assert not can_run_on(operator, web) and not can_run_on(operator, db)
    grant(operator, tag="web")
    assert can_run_on(operator, web) and not can_run_on(operator, db)
    TerminalGrantFactory(user=operator, server=db, expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert not can_run_on(operator, db)  # an expired grant is no grant
    grant(viewer, web)
    assert not can_run_on(viewer, web)  # a grant never replaces the role's execute permission
    assert can_run_on(admin_user, web) and can_run_on(admin_user, db)  # remediation.run_on_any_server
    operator.is_active = False
    assert not can_run_on(operator, web)


def test_it_refuses_api_execute_and_plan_without_a_grant_and_audits_it(servers, api_as, operator) -> None:  # type: ignore[no-untyped-def]
    web, db = servers
    runbook = restart_runbook()
    grant(operator, web)
    client = api_as(operator)
    for dry_run in (False, True):
        body = {**BODY, "targets": [web.pk, db.pk], "dry_run": dry_run}
        refused = client.post(f"/api/v1/runbooks/{runbook.pk}/execute/", body, format="json")
        assert refused.status_code == 403 and "'db-1'" in refused.json()["detail"], refused.json()
    plan = client.post(f"/api/v1/runbooks/{runbook.pk}/plan/", {**BODY, "targets": [db.pk]}, format="json")
    assert plan.status_code == 403 and "may not plan runbooks on 'db-1'" in plan.json()["detail"]
    assert not Execution.objects.exists()
    events = AuditEvent.objects.filter(action="execution.refused", actor=operator)
    assert events.count() == 2 and "no grant" in events.first().reason
    ok = client.post(f"/api/v1/runbooks/{runbook.pk}/execute/", {**BODY, "targets": [web.pk]}, format="json")
    assert ok.status_code == 201 and Execution.objects.get().target_ids == [web.pk]


def test_it_refuses_the_portal_run_form_and_plan_without_a_grant(servers, operator) -> None:  # type: ignore[no-untyped-def]
    _web, db = servers
    runbook = restart_runbook()
    client = Client()
    client.force_login(operator)
    page = client.post(
        reverse("runbooks:execute", args=[runbook.pk]), {"params": "service=nginx", "targets": str(db.pk)}, follow=True
    ).content.decode()
    assert "may not run runbooks on &#x27;db-1&#x27;" in page and not Execution.objects.exists()
    detail = client.get(reverse("runbooks:detail", args=[runbook.pk]), {"targets": str(db.pk)}).content.decode()
    assert "may not plan runbooks on &#x27;db-1&#x27;" in detail and db.hostname not in detail.split("<main")[-1]
    grant(operator, db)
    client.post(reverse("runbooks:execute", args=[runbook.pk]), {"params": "service=nginx", "targets": str(db.pk)})
    assert Execution.objects.get().requested_by == operator


def test_it_refuses_a_chat_proposal_on_a_server_without_a_grant(servers, operator, admin_user) -> None:  # type: ignore[no-untyped-def]
    restart_runbook()
    message = ChatMessageFactory(session=ChatSessionFactory(user=operator), role="assistant")
    proposal = ChatProposal.objects.create(
        session=message.session,
        message=message,
        runbook_name="restart-service",
        params={"service": "nginx"},
        targets=["db-1"],
        target_ids=[servers[1].pk],
        plan={},
    )
    decided = confirm_proposal(proposal, actor=Actor.of(operator))
    assert decided.status == "failed" and "may not run runbooks on 'db-1'" in decided.error
    assert not Execution.objects.exists()


def test_it_refuses_a_schedule_outside_the_scope_in_the_admin_form_keeping_the_input(servers, operator) -> None:  # type: ignore[no-untyped-def]
    _web, db = servers
    runbook = restart_runbook()
    operator.is_staff = True
    operator.save()
    operator.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_runbookschedule", "view_runbookschedule"])
    )
    client = Client()
    client.force_login(operator)
    form = {
        "name": "nightly-db",
        "runbook": runbook.pk,
        "kind": "interval",
        "interval_minutes": "60",
        "timezone": "UTC",
        "params": '{"service": "nginx"}',
        "target_ids": f"[{db.pk}]",
        "overlap_policy": "skip",
        "enabled": "on",
        "runs-TOTAL_FORMS": "0",
        "runs-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:runbooks_runbookschedule_add"), form)
    page = response.content.decode()
    assert response.status_code == 200 and "may not run runbooks on &#x27;db-1&#x27;" in page
    assert 'value="nightly-db"' in page and not RunbookSchedule.objects.exists()


def test_it_refuses_a_scheduled_run_once_its_owner_lost_the_grant(servers, operator) -> None:  # type: ignore[no-untyped-def]
    web, _db = servers
    runbook = restart_runbook()
    grant(operator, web)
    schedule = RunbookSchedule.objects.create(
        name="s",
        runbook=runbook,
        kind="interval",
        interval_minutes=60,
        params={"service": "nginx"},
        target_ids=[web.pk],
        created_by=operator,
    )
    operator.terminal_grants.all().delete()
    now = timezone.now()
    outcome = fire_schedule(schedule.pk, intended=now, now=now)
    run = ScheduleRun.objects.get()
    assert run.status == "refused" and "schedule's owner operator may not run runbooks on 'web-1'" in run.reason
    assert outcome.startswith("refused") and not Execution.objects.exists()


def test_it_lets_only_approvers_allowed_on_every_target_approve(servers, api_as, operator, approver) -> None:  # type: ignore[no-untyped-def]
    web, db = servers
    grant(operator, web)
    held = request_execution(
        restart_runbook(requires_approval=True), actor=Actor.of(operator), target_ids=[web.pk], **BODY
    )
    url = f"/api/v1/executions/{held.pk}/approve/"
    refused = api_as(approver).post(url, {"reason": "ok"}, format="json")
    assert refused.status_code == 403 and "may not approve runs on 'web-1'" in refused.json()["detail"]
    grant(approver, tag="web")
    operator.terminal_grants.all().delete()  # the requester lost the server meanwhile
    stale = api_as(approver).post(url, {"reason": "ok"}, format="json")
    assert stale.status_code == 403 and "the requester may not run runbooks on 'web-1'" in stale.json()["detail"]
    grant(operator, web)
    assert api_as(approver).post(url, {"reason": "ok"}, format="json").status_code == 200
    with pytest.raises(ExecutionForbidden):
        request_execution(restart_runbook(name="other"), actor=Actor.of(operator), target_ids=[db.pk], **BODY)
