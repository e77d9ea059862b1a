"""Approvals: approve / reject through the API, self-approval refused, expiry, resolved alerts, stale plans."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from remediation.actors import Actor
from remediation.models import AuditEvent, Server, TerminalGrant
from runbooks.models import Execution
from runbooks.services.approvals import expire_due
from runbooks.services.execute import request_execution
from runbooks.services.runner import run_execution
from tests.factories import AlertFactory, AnalysisFactory, ExecutionFactory, RuleFactory, UserFactory
from tests.factories.inventory import ServerFactory
from tests.factories.terminal import grant
from tests.remediation.remediate import am_payload, dispatch_pending, remediate_rule, restart_runbook

pytestmark = pytest.mark.django_db
KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests"


@pytest.fixture
def held(approver) -> Execution:  # type: ignore[no-untyped-def]
    """A manual run of an approval-gated runbook, requested by the approver themself (allowed to run on web-1)."""
    server = ServerFactory(name="web-1", host_key=KEY)
    approver.user_permissions.add(Permission.objects.get(codename="execute_runbook"))
    grant(approver, server)
    approver = type(approver).objects.get(pk=approver.pk)
    runbook = restart_runbook(command="echo {{ params.service }} on {{ target.address }}", requires_approval=True)
    return request_execution(runbook, actor=Actor.of(approver), params={"service": "nginx"}, target_ids=[server.pk])


def test_it_refuses_self_approval_and_lets_another_approver_approve(api_as, held, approver, admin_user) -> None:  # type: ignore[no-untyped-def]
    assert held.status == "awaiting_approval"
    own = api_as(approver).post(f"/api/v1/executions/{held.pk}/approve/", {"reason": "mine"}, format="json")
    assert own.status_code == 403 and "your own request" in own.json()["detail"]
    ok = api_as(admin_user).post(f"/api/v1/executions/{held.pk}/approve/", {"reason": "looks right"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "pending" and ok.json()["approved_by"] == admin_user.pk
    event = AuditEvent.objects.get(action="execution.approved")
    assert event.reason == "looks right" and event.actor_id == admin_user.pk
    again = api_as(admin_user).post(f"/api/v1/executions/{held.pk}/approve/", {}, format="json")
    assert again.status_code == 409


def test_it_needs_the_approve_permission(api_as, held, operator, viewer) -> None:  # type: ignore[no-untyped-def]
    for user in (operator, viewer):
        response = api_as(user).post(f"/api/v1/executions/{held.pk}/approve/", {}, format="json")
        assert response.status_code == 403
    assert Execution.objects.get(pk=held.pk).status == "awaiting_approval"


def test_it_rejects_with_a_reason(api_as, held, admin_user) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/executions/{held.pk}/reject/"
    assert api_as(admin_user).post(url, {}, format="json").status_code == 409  # a reason is required
    response = api_as(admin_user).post(url, {"reason": "wrong server"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert AuditEvent.objects.get(action="execution.rejected").reason == "wrong server"
    assert api_as(admin_user).post(f"/api/v1/executions/{held.pk}/approve/", {}, format="json").status_code == 409


def test_it_expires_an_unanswered_request_after_the_timeout(api_as, held, admin_user) -> None:  # type: ignore[no-untyped-def]
    assert abs((held.approval_expires_at - held.created_at).total_seconds() - 1800) < 5  # the default 30 min
    assert expire_due(now=held.approval_expires_at - dt.timedelta(seconds=1)) == 0
    assert expire_due(now=held.approval_expires_at) == 1
    held.refresh_from_db()
    assert held.status == "expired" and "no approval decision before" in held.status_reason
    assert AuditEvent.objects.filter(action="execution.expired", object_id=str(held.pk)).exists()
    late = api_as(admin_user).post(f"/api/v1/executions/{held.pk}/approve/", {}, format="json")
    assert late.status_code == 409 and "expired" in late.json()["detail"]


def test_it_fails_an_approved_run_whose_plan_changed(api_as, held, admin_user) -> None:  # type: ignore[no-untyped-def]
    api_as(admin_user).post(f"/api/v1/executions/{held.pk}/approve/", {"reason": "ok"}, format="json")
    ServerFactory._meta.model.objects.filter(pk=held.target_ids[0]).update(hostname="127.0.0.2")
    assert run_execution(held.pk) == "failed"
    held.refresh_from_db()
    assert "plan changed after it was approved" in held.status_reason and not held.step_runs.exists()


def test_it_expires_a_pending_approval_when_the_alert_resolves(post_hook) -> None:  # type: ignore[no-untyped-def]
    ServerFactory(name="web-1", host_key=KEY)
    remediate_rule(restart_runbook(), mode="approval")
    post_hook(am_payload("web-1:9100"))
    dispatch_pending()
    post_hook(am_payload("web-1:9100", status="resolved"))
    execution = Execution.objects.get()
    assert execution.status == "expired" and "the alert resolved" in execution.status_reason


def test_it_lists_the_queue_with_the_plan_and_counts_it_in_the_navigation(client, held, admin_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    page = client.get("/runbooks/approvals/").content.decode()
    assert '<mark title="{{ params.service }} from params, unquoted">nginx</mark>' in page and f"#{held.pk}" in page
    assert '<mark class="value">127.0.0.1</mark>' in page  # and the table of values, with where each came from
    assert '<span class="badge count">1</span>' in page
    response = client.post(f"/runbooks/approvals/{held.pk}/", {"decision": "approve", "reason": "ok"})
    assert response.status_code == 302 and Execution.objects.get(pk=held.pk).status == "pending"


def test_it_refuses_portal_decisions_without_the_permission(client, held, operator) -> None:  # type: ignore[no-untyped-def]
    client.force_login(operator)
    assert client.post(f"/runbooks/approvals/{held.pk}/", {"decision": "approve"}).status_code == 403
    assert Execution.objects.get(pk=held.pk).status == "awaiting_approval"


def test_it_shows_the_alerts_ai_analysis_in_the_queue_and_the_api(client, api_as, post_hook, approver) -> None:  # type: ignore[no-untyped-def]
    ServerFactory(name="web-1", host_key=KEY)
    remediate_rule(restart_runbook(), mode="approval")
    post_hook(am_payload("web-1:9100"))
    dispatch_pending()
    execution = Execution.objects.get()
    AnalysisFactory(alert=execution.alert_episode, status="failed", error_kind="timeout", forced=True)
    AnalysisFactory(
        alert=execution.alert_episode,
        summary="nginx <b>crashed</b> on web-1",
        probable_cause="OOM killer",
        recommended_runbook="restart-service",
        recommended_params={"service": "nginx", "api_token": "s3cr3t-token"},
    )
    client.force_login(approver)
    page = client.get("/runbooks/approvals/").content.decode()
    assert "nginx &lt;b&gt;crashed&lt;/b&gt; on web-1" in page and "OOM killer" in page
    assert "restart-service" in page and "s3cr3t-token" not in page and "timeout" not in page
    shown = api_as(approver).get(f"/api/v1/executions/{execution.pk}/").json()["analysis"]
    assert shown["summary"] == "nginx <b>crashed</b> on web-1" and shown["probable_cause"] == "OOM killer"
    assert shown["status"] == "succeeded" and shown["recommended_params"]["service"] == "nginx"
    assert "s3cr3t-token" not in str(shown)
    Group.objects.get(name="Approver").permissions.remove(Permission.objects.get(codename="view_analysis"))
    approver = type(approver).objects.get(pk=approver.pk)  # a fresh user: permissions are cached per instance
    client.force_login(approver)
    assert "OOM killer" not in client.get("/runbooks/approvals/").content.decode()
    assert api_as(approver).get(f"/api/v1/executions/{execution.pk}/").json()["analysis"] is None


def _waiting(count: int, requester) -> None:  # type: ignore[no-untyped-def]
    """`count` requests held for approval, each for an alert with a failed and a newer succeeded analysis."""
    for n in range(count):
        alert = AlertFactory(alertname=f"Down{n}")
        AnalysisFactory(alert=alert, status="failed", error_kind="timeout", forced=True)
        AnalysisFactory(alert=alert, summary=f"analysis of alert {n}")
        expires = timezone.now() + dt.timedelta(minutes=30)
        ExecutionFactory(
            status="awaiting_approval",
            alert_episode=alert,
            rule=RuleFactory(),
            requested_by=requester,
            approval_expires_at=expires,
        )


@pytest.mark.parametrize("count", [1, 10])
def test_it_lists_the_queue_in_a_fixed_number_of_queries(
    client, approver, operator, count, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    _waiting(count, operator)
    client.force_login(approver)
    # session, user, their time zone, permissions (2), queue, analyses, navigation count, investigation commands (the
    # approvals hook), kill switch and maintenance windows (the banner), the session saved (savepoint, update, release)
    with django_assert_max_num_queries(14):
        page = client.get("/runbooks/approvals/").content.decode()
    assert page.count('class="card approval"') == count
    assert f"analysis of alert {count - 1}" in page and "timeout" not in page


@pytest.mark.parametrize("count", [1, 10])
def test_it_lists_waiting_executions_through_the_api_in_a_fixed_number_of_queries(
    api_as, approver, operator, count, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    _waiting(count, operator)
    client = api_as(approver)
    with django_assert_max_num_queries(4):  # permissions (2), page, savepoint slack
        results = client.get("/api/v1/executions/?status=awaiting_approval").json()["results"]
    assert len(results) == count and all(r["requested_by"] == "operator" for r in results)


@pytest.mark.parametrize(("decision", "said"), [("approve", "approved"), ("reject", "rejected")])
def test_it_says_approved_or_rejected_in_plain_english(client, held, admin_user, decision, said) -> None:  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    page = client.post(f"/runbooks/approvals/{held.pk}/", {"decision": decision, "reason": "ok"}, follow=True)
    text = page.content.decode()
    assert f"Execution #{held.pk} {said}." in text and "rejectd" not in text


def _card(page: str, pk: int) -> str:
    start = page.index(f'id="approval-{pk}"')
    return page[start : page.index("</section>", start)]


def _second_approver():  # type: ignore[no-untyped-def]
    user = UserFactory(username="approver2")
    user.groups.add(Group.objects.get(name="Approver"))
    return user


def test_it_offers_approve_only_to_whom_the_service_would_let_approve(client, held, admin_user) -> None:  # type: ignore[no-untyped-def]
    other = _second_approver()  # the Approver role, but no grant for web-1
    client.force_login(other)
    card = _card(client.get("/runbooks/approvals/").content.decode(), held.pk)
    assert 'value="approve"' not in card and 'value="reject"' in card  # saying no needs no grant
    assert "Approve is not offered: you may not approve runs on &#x27;web-1&#x27; (no grant for it)." in card
    assert client.post(f"/runbooks/approvals/{held.pk}/", {"decision": "approve"}).status_code == 302
    assert Execution.objects.get(pk=held.pk).status == "awaiting_approval"  # the service agrees: refused
    grant(other, Server.objects.get(name="web-1"))
    card = _card(client.get("/runbooks/approvals/").content.decode(), held.pk)
    assert 'value="approve"' in card and "not offered" not in card
    client.force_login(admin_user)  # run_on_any_server: no grant needed
    assert 'value="approve"' in _card(client.get("/runbooks/approvals/").content.decode(), held.pk)


def test_it_says_why_the_requester_or_a_viewer_sees_no_approve_button(client, held, approver, viewer) -> None:  # type: ignore[no-untyped-def]
    client.force_login(approver)  # who requested it
    card = _card(client.get("/runbooks/approvals/").content.decode(), held.pk)
    assert 'value="approve"' not in card and "you cannot approve your own request" in card
    client.force_login(viewer)  # may look, may not decide: no form and no reason to read on every card
    card = _card(client.get("/runbooks/approvals/").content.decode(), held.pk)
    assert "<form" not in card and "not offered" not in card


def test_it_hides_approve_when_the_requester_lost_the_grant(client, held, approver) -> None:  # type: ignore[no-untyped-def]
    other = _second_approver()
    grant(other, Server.objects.get(name="web-1"))
    TerminalGrant.objects.filter(user=approver).delete()  # the requester's grant is revoked while it waits
    client.force_login(other)
    card = _card(client.get("/runbooks/approvals/").content.decode(), held.pk)
    assert 'value="approve"' not in card
    assert "the requester may not run runbooks on &#x27;web-1&#x27; (no grant for it)" in card


@pytest.mark.parametrize("count", [1, 10])
def test_it_decides_the_buttons_of_a_queue_with_targets_in_a_fixed_number_of_queries(
    client, approver, operator, count, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    ServerFactory(name="web-1", host_key=KEY)
    ServerFactory(name="db-1", host_key=KEY)
    web, db = Server.objects.get(name="web-1"), Server.objects.get(name="db-1")
    grant(approver, web)
    grant(operator, web, db)
    _waiting(count, operator)
    Execution.objects.update(target_ids=[web.pk])
    first = Execution.objects.order_by("pk")[0]
    Execution.objects.filter(pk=first.pk).update(target_ids=[web.pk, db.pk])
    client.force_login(approver)
    # the 14 of an empty-target queue; the approver's servers and grants (2); the requester's servers, permissions (2)
    # and grants: one requester, however many requests
    with django_assert_max_num_queries(20):
        page = client.get("/runbooks/approvals/").content.decode()
    assert page.count('value="approve"') == count - 1 and page.count("on &#x27;db-1&#x27; (no grant for it)") == 1


def test_the_polled_cards_carry_the_waiting_count_for_the_heading(client, approver, operator) -> None:  # type: ignore[no-untyped-def]
    _waiting(2, operator)
    client.force_login(approver)
    page = client.get("/runbooks/approvals/").content.decode()
    assert "(<span data-live-count>2</span> waiting)" in page  # the number live_rows.js replaces
    _waiting(1, operator)
    fragment = client.get("/runbooks/approvals/?fragment=cards")
    assert fragment["X-Live-Count"] == "3" and fragment.content.decode().count('class="card approval"') == 3
