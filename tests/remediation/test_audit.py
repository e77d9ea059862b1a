"""The audit log: written by one service, masked, append-only everywhere, readable only by those allowed."""

from __future__ import annotations

import csv
import io
import secrets

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client

from remediation.actors import Actor
from remediation.models import AuditEvent, AuditImmutableError
from remediation.redaction import MASK
from remediation.services.audit import record_event
from tests.realparts import need_postgresql

pytestmark = pytest.mark.django_db
URL = "/api/v1/audit-events/"


@pytest.fixture
def event(admin_user) -> AuditEvent:  # type: ignore[no-untyped-def]
    return record_event(
        actor=Actor.of(admin_user),
        action="rule.updated",
        object_type="remediation.rule",
        object_id=7,
        object_repr="restart nginx",
        before={"name": "old", "password": "hunter2-secret"},
        after={"name": "new", "api_key": "sk-" + secrets.token_urlsafe(18)},
        reason="token=abc123def456 rotated",
    )


def test_it_masks_secrets_in_before_after_and_reason(event: AuditEvent) -> None:
    event.refresh_from_db()
    assert event.before == {"name": "old", "password": MASK}
    assert event.after == {"name": "new", "api_key": MASK}
    assert "abc123def456" not in event.reason
    assert event.actor_label == "admin"
    assert event.object_id == "7"


def test_it_labels_system_actors(db) -> None:  # type: ignore[no-untyped-def]
    assert record_event(actor=Actor.system(), action="execution.reaped").actor_label == "system"
    assert record_event(actor=Actor.of("scheduler"), action="schedule.fired").actor_label == "scheduler"


def test_it_refuses_update_through_the_model(event: AuditEvent) -> None:
    event.reason = "rewritten"
    with pytest.raises(AuditImmutableError):
        event.save()
    with pytest.raises(AuditImmutableError):
        event.delete()
    event.refresh_from_db()
    assert event.reason != "rewritten"


def test_it_refuses_queryset_update_and_delete(event: AuditEvent) -> None:
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk, reason=event.reason).exists()


def test_it_keeps_the_log_when_the_actor_is_deleted(event: AuditEvent, admin_user) -> None:  # type: ignore[no-untyped-def]
    admin_user.delete()
    assert AuditEvent.objects.get(pk=event.pk).actor_label == "admin"


def test_it_refuses_change_and_delete_in_admin_even_for_superusers(client: Client, admin_user, event) -> None:  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    url = f"/admin/remediation/auditevent/{event.pk}/"
    assert client.get("/admin/remediation/auditevent/").status_code == 200
    assert client.get(url + "change/").status_code == 200  # read-only view
    assert client.post(url + "change/", {"reason": "rewritten"}).status_code == 403
    assert client.post(url + "delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/remediation/auditevent/add/").status_code == 403
    event.refresh_from_db()
    assert event.reason != "rewritten"


def test_it_refuses_raw_sql_update_and_delete_on_postgresql(event: AuditEvent) -> None:
    need_postgresql()
    for sql in ("UPDATE remediation_auditevent SET reason = 'x'", "DELETE FROM remediation_auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.filter(pk=event.pk, reason=event.reason).exists()


@pytest.mark.parametrize(
    ("role", "list_status", "export_status"),
    [
        ("admin_user", 200, 200),
        ("approver", 200, 403),
        ("operator", 403, 403),
        ("viewer", 403, 403),
        ("stranger", 403, 403),
    ],
)
def test_it_gives_each_role_its_access_to_the_audit_api(
    request, api_as, event, role, list_status, export_status
) -> None:  # type: ignore[no-untyped-def]
    api = api_as(request.getfixturevalue(role))
    assert api.get(URL).status_code == list_status
    assert api.get(URL + "export/").status_code == export_status
    assert api.post(URL, {"action": "x.y"}, format="json").status_code in (403, 405)
    assert api.delete(f"{URL}{event.pk}/").status_code in (403, 405)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_it_requires_authentication(api, event) -> None:  # type: ignore[no-untyped-def]
    assert api.get(URL).status_code == 401


def test_it_filters_and_paginates(api_as, admin_user) -> None:  # type: ignore[no-untyped-def]
    for n in range(7):
        record_event(
            actor=Actor.of(admin_user), action="rule.created" if n % 2 else "runbook.created", object_repr=f"thing {n}"
        )
    api = api_as(admin_user)
    assert {e["action"] for e in api.get(URL, {"action": "rule.*"}).json()["results"]} == {"rule.created"}
    assert api.get(URL, {"q": "thing 3"}).json()["results"][0]["object_repr"] == "thing 3"
    page = api.get(URL, {"page_size": 3}).json()
    assert len(page["results"]) == 3
    second = api.get(page["next"]).json()
    assert {e["id"] for e in second["results"]}.isdisjoint({e["id"] for e in page["results"]})
    bad = api.get(URL, {"since": "yesterday"})
    assert bad.status_code == 400
    assert "ISO 8601" in str(bad.json())


def test_it_exports_csv_with_formula_cells_neutralised(api_as, admin_user) -> None:  # type: ignore[no-untyped-def]
    record_event(actor=Actor.of(admin_user), action="rule.created", object_repr='=HYPERLINK("http://x")')
    response = api_as(admin_user).get(URL + "export/", {"action": "rule.created"})
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["id", "created_at", "actor_label", "action"]
    assert rows[1][6].startswith("'=")


def test_it_shows_the_portal_audit_page_to_those_allowed(client: Client, approver, viewer, event) -> None:  # type: ignore[no-untyped-def]
    client.force_login(viewer)
    assert client.get("/audit/").status_code == 403
    client.force_login(approver)
    page = client.get("/audit/", {"action": "rule.*"})
    assert page.status_code == 200
    assert b"restart nginx" in page.content
    assert client.get("/audit/export.csv").status_code == 403
