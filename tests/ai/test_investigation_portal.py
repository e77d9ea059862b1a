"""The investigations portal: pages, the POSTed actions (start, approve / reject, stop), the approvals queue's
share, and /ws/investigations/<id>/ through the real ASGI application."""

from __future__ import annotations

from typing import Any

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from ai.choices import CommandStatus, EntryKind, InvestigationStatus
from ai.models import CommandRequest, Investigation, InvestigationEntry
from ai.services import investigation_live as live
from config.asgi import application
from remediation.models import AuditEvent
from tests.ai.conftest import run_async, ws_headers
from tests.factories import AlertFactory, ProviderFactory, ServerFactory, TerminalGrantFactory

pytestmark = pytest.mark.django_db


def _investigation(requester: Any, provider: Any, **fields: Any) -> Investigation:
    server = fields.pop("server", None) or ServerFactory(name="db1", tags=["lab"])
    return Investigation.objects.create(
        goal="Why is the disk full?",
        alert=AlertFactory(labels={"alertname": "DiskFull", "instance": "db1:9100"}),
        server=server,
        provider=provider,
        provider_name=provider.name,
        model=provider.model,
        requested_by=requester,
        status=fields.pop("status", InvestigationStatus.WAITING_APPROVAL),
        **fields,
    )


def _pending(investigation: Investigation, command: str = "systemctl restart nginx") -> CommandRequest:
    return CommandRequest.objects.create(
        investigation=investigation,
        server=investigation.server,
        server_name=investigation.server.name if investigation.server else "",
        command=command,
        why="nginx stopped answering",
        status=CommandStatus.PENDING,
        policy_reason="not on the read-only allow-list",
    )


def test_an_operator_starts_one_from_the_alert_page_with_the_provider_they_pick(  # type: ignore[no-untyped-def]
    operator, client, provider, django_capture_on_commit_callbacks
) -> None:
    other = ProviderFactory(name="other")
    alert = AlertFactory(labels={"alertname": "DiskFull", "instance": "db1:9100"}, annotations={"summary": "97% full"})
    client.force_login(operator)
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "Start an investigation" in page and "Find out why DiskFull is firing on db1:9100: 97% full" in page
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            "/ai/investigations/start/", {"alert": alert.pk, "goal": "Why is /var full?", "provider": other.pk}
        )
    investigation = Investigation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ai/investigations/{investigation.pk}/"
    assert (investigation.goal, investigation.provider, investigation.requested_by) == (
        "Why is /var full?",
        other,
        operator,
    )
    assert investigation.alert == alert and investigation.status == InvestigationStatus.QUEUED


def test_a_disabled_provider_or_an_empty_goal_starts_nothing(operator, client, provider) -> None:  # type: ignore[no-untyped-def]
    off = ProviderFactory(name="off", enabled=False)
    alert = AlertFactory()
    client.force_login(operator)
    refused = client.post(
        "/ai/investigations/start/", {"alert": alert.pk, "goal": "x", "provider": off.pk}, follow=True
    )
    assert "disabled" in refused.content.decode()
    empty = client.post("/ai/investigations/start/", {"alert": alert.pk, "goal": "  "}, follow=True)
    assert "Say what to find out" in empty.content.decode()
    assert not Investigation.objects.exists()


def test_a_viewer_cannot_start_one(viewer, client, provider) -> None:  # type: ignore[no-untyped-def]
    client.force_login(viewer)
    assert client.post("/ai/investigations/start/", {"alert": AlertFactory().pk, "goal": "x"}).status_code == 403
    assert not Investigation.objects.exists()


def test_the_page_offers_the_decision_to_an_approver_and_not_to_the_requester(  # type: ignore[no-untyped-def]
    operator, approver, client, provider
) -> None:
    investigation = _investigation(operator, provider)
    _pending(investigation)
    client.force_login(approver)
    page = client.get(f"/ai/investigations/{investigation.pk}/").content.decode()
    assert 'data-can-decide="1"' in page and "systemctl restart nginx" in page and "nginx stopped answering" in page
    assert 'src="/static/js/investigation.js' in page and "<script>" not in page
    client.force_login(operator)
    assert 'data-can-decide="0"' in client.get(f"/ai/investigations/{investigation.pk}/").content.decode()
    listing = client.get("/ai/investigations/").content.decode()
    assert f"/ai/investigations/{investigation.pk}/" in listing


def test_an_approver_with_a_grant_approves_inline_and_the_requester_cannot(  # type: ignore[no-untyped-def]
    operator, approver, client, provider, django_capture_on_commit_callbacks
) -> None:
    investigation = _investigation(operator, provider)
    command = _pending(investigation)
    TerminalGrantFactory(user=approver, server=investigation.server)
    client.force_login(operator)
    assert client.post(f"/ai/investigations/commands/{command.pk}/decide/", {"decision": "approve"}).status_code == 403
    client.force_login(approver)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            f"/ai/investigations/commands/{command.pk}/decide/",
            {"decision": "approve", "reason": "safe", "next": "/runbooks/approvals/"},
        )
    assert response.status_code == 302 and response["Location"] == "/runbooks/approvals/"
    command.refresh_from_db()
    assert (command.status, command.decided_by, command.decision_reason) == ("approved", approver, "safe")
    assert AuditEvent.objects.filter(action="investigation.command_approved").count() == 1
    assert callbacks  # the worker is queued again (and the page told) after commit
    investigation.refresh_from_db()
    assert investigation.status == InvestigationStatus.QUEUED


def test_an_approver_rejects_and_a_foreign_next_is_ignored(operator, approver, client, provider) -> None:  # type: ignore[no-untyped-def]
    investigation = _investigation(operator, provider)
    command = _pending(investigation)
    TerminalGrantFactory(user=approver, server=investigation.server)
    client.force_login(approver)
    response = client.post(
        f"/ai/investigations/commands/{command.pk}/decide/",
        {"decision": "reject", "next": "https://evil.example/"},
    )
    assert response["Location"] == f"/ai/investigations/{investigation.pk}/"
    command.refresh_from_db()
    assert command.status == CommandStatus.REJECTED


def test_the_requester_stops_it_and_a_stranger_to_it_cannot(operator, client, provider, django_user_model) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group

    investigation = _investigation(operator, provider)
    command = _pending(investigation)
    other = django_user_model.objects.create_user("other-operator")
    other.groups.add(Group.objects.get(name="Operator"))
    client.force_login(other)
    assert client.post(f"/ai/investigations/{investigation.pk}/stop/").status_code == 403
    client.force_login(operator)
    assert client.post(f"/ai/investigations/{investigation.pk}/stop/").status_code == 302
    investigation.refresh_from_db()
    command.refresh_from_db()
    assert (investigation.status, investigation.end_reason, command.status) == ("stopped", "stopped", "expired")


def test_the_approvals_queue_lists_pending_commands_with_the_form_for_who_may_decide(  # type: ignore[no-untyped-def]
    operator, approver, viewer, client, provider
) -> None:
    investigation = _investigation(operator, provider)
    command = _pending(investigation)
    TerminalGrantFactory(user=approver, server=investigation.server)
    client.force_login(approver)
    page = client.get("/runbooks/approvals/").content.decode()
    assert "systemctl restart nginx" in page and "nginx stopped answering" in page
    assert "<span data-live-count>1</span> waiting" in page
    assert f"/ai/investigations/commands/{command.pk}/decide/" in page
    client.force_login(viewer)
    page = client.get("/runbooks/approvals/").content.decode()
    assert "systemctl restart nginx" in page and f"/ai/investigations/commands/{command.pk}/decide/" not in page


@pytest.mark.parametrize("count", [1, 8])
def test_the_approvals_queue_lists_pending_commands_in_a_fixed_number_of_queries(  # type: ignore[no-untyped-def]
    operator, approver, client, provider, count, django_assert_max_num_queries
) -> None:
    for number in range(count):
        investigation = _investigation(operator, provider, server=ServerFactory(name=f"db{number}"))
        TerminalGrantFactory(user=approver, server=investigation.server)
        _pending(investigation, command=f"systemctl restart app{number}")
    client.force_login(approver)
    # session, user, their time zone, permissions (2), execution queue, navigation count, pending commands, grants,
    # kill switch and maintenance windows (the banner), the session saved (savepoint, update, release)
    with django_assert_max_num_queries(14):
        page = client.get("/runbooks/approvals/").content.decode()
    assert page.count("/ai/investigations/commands/") == count


def _socket(investigation_id: int, user: Any = None) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/investigations/{investigation_id}/", headers=ws_headers(user))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("who", "code"), [(None, 4401), ("stranger", 4403)])
def test_the_socket_rejects_anonymous_and_unauthorized_users(request, operator, provider, who, code) -> None:  # type: ignore[no-untyped-def]
    investigation = _investigation(operator, provider)
    user = request.getfixturevalue(who) if who else None

    async def scenario() -> tuple[bool, int]:
        return await _socket(investigation.pk, user).connect()

    assert run_async(scenario) == (False, code)


@pytest.mark.django_db(transaction=True)
def test_the_socket_sends_a_snapshot_then_live_events_then_database_changes(operator, viewer, provider) -> None:  # type: ignore[no-untyped-def]
    investigation = _investigation(operator, provider, steps=2, prompt_tokens=300)
    InvestigationEntry.objects.create(investigation=investigation, seq=1, kind=EntryKind.ASSISTANT, content="Looking")
    command = _pending(investigation)

    def change_in_another_process() -> None:
        # What a worker elsewhere writes without reaching this process's channel layer.
        InvestigationEntry.objects.create(investigation=investigation, seq=3, kind=EntryKind.NOTE, content="later")

    async def scenario() -> list[dict[str, Any]]:
        from channels.db import database_sync_to_async

        socket = _socket(investigation.pk, viewer)
        assert (await socket.connect())[0]
        frames = [await socket.receive_json_from(timeout=30)]
        event = {"type": live.ENTRY_EVENT, "entry": {"id": 999, "seq": 2, "kind": "note", "content": "live one"}}
        await get_channel_layer().group_send(
            live.group_name(investigation.pk), {"type": "investigation.event", "event": event}
        )
        frames.append(await socket.receive_json_from(timeout=30))
        await database_sync_to_async(change_in_another_process)()
        frames.append(await socket.receive_json_from(timeout=30))
        await socket.disconnect()
        return frames

    snapshot, pushed, fresh = run_async(scenario)
    assert snapshot["type"] == "snapshot" and snapshot["investigation"]["status"] == "waiting_approval"
    assert snapshot["investigation"]["usage"]["steps"] == 2 and snapshot["investigation"]["budgets"]["max_steps"] > 0
    assert [e["content"] for e in snapshot["entries"]] == ["Looking"]
    assert [(c["id"], c["command"], c["why"]) for c in snapshot["commands"]] == [
        (command.pk, "systemctl restart nginx", "nginx stopped answering")
    ]
    assert pushed["type"] == "investigation.entry" and pushed["entry"]["content"] == "live one"
    assert fresh["type"] == "snapshot" and [e["content"] for e in fresh["entries"]] == ["Looking", "later"]


def test_an_operator_starts_one_on_a_server_they_may_run_on_from_the_list_page(  # type: ignore[no-untyped-def]
    operator, client, provider, django_capture_on_commit_callbacks
) -> None:
    granted, other = ServerFactory(name="db1", tags=["lab"]), ServerFactory(name="web9")
    TerminalGrantFactory(user=operator, server=granted)
    client.force_login(operator)
    page = client.get("/ai/investigations/").content.decode()
    assert '<option value="db1">' in page and "web9" not in page  # only the servers this person may run on
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/ai/investigations/start/", {"server": "db1", "goal": "Why is the load high?"})
    investigation = Investigation.objects.get()
    assert response.status_code == 302 and (investigation.server, investigation.alert) == (granted, None)
    assert client.post("/ai/investigations/start/", {"server": other.name, "goal": "x"}).status_code == 403
    assert Investigation.objects.count() == 1  # refused without a grant: nothing started


def test_a_chat_about_an_alert_hands_it_over_to_an_investigation(  # type: ignore[no-untyped-def]
    operator, viewer, client, provider, django_capture_on_commit_callbacks
) -> None:
    from tests.factories import ChatSessionFactory

    alert = AlertFactory(labels={"alertname": "DiskFull", "instance": "db1:9100"})
    session = ChatSessionFactory(user=operator, alert=alert)
    client.force_login(operator)
    page = client.get(f"/ai/chat/{session.pk}/").content.decode()
    assert "Hand this over to an investigation" in page and f'name="alert" value="{alert.pk}"' in page
    with django_capture_on_commit_callbacks(execute=False):
        client.post("/ai/investigations/start/", {"alert": alert.pk, "goal": "Find out why DiskFull fired"})
    assert Investigation.objects.get().alert == alert
