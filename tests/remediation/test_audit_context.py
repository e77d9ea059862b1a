"""The audit context: set once at an edge (HTTP middleware here; the consumer test covers WebSockets), read by the
audit writer, so services take no request and their events still say where the caller was."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from remediation.actors import Actor
from remediation.audit_context import AuditContext, audit_context, current_audit_context
from remediation.models import AuditEvent
from remediation.services import inventory as inventory_service
from remediation.services.audit import record_event
from tests.factories import ServerFactory

pytestmark = pytest.mark.django_db


def test_it_records_the_address_and_request_id_of_the_http_request_that_called_the_service(admin_user) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory(name="web-1")
    client = APIClient(REMOTE_ADDR="192.0.2.44", HTTP_X_REQUEST_ID="req-audit-7")
    client.force_authenticate(admin_user)

    assert client.delete(f"/api/v1/servers/{server.pk}/").status_code == 204

    event = AuditEvent.objects.get(action="server.deleted")
    assert (event.actor, event.ip, event.request_id) == (admin_user, "192.0.2.44", "req-audit-7")
    assert current_audit_context() == AuditContext()  # the request's context ended with it


def test_it_records_the_context_an_edge_set_around_a_service_call(admin_user) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory(name="db-1")
    with audit_context(AuditContext(ip="198.51.100.9", request_id="worker-1")):
        inventory_service.delete_server(server, actor=Actor.of(admin_user))

    event = AuditEvent.objects.get(action="server.deleted")
    assert (event.ip, event.request_id) == ("198.51.100.9", "worker-1")


def test_it_restores_the_outer_context_and_writes_none_outside_any_edge() -> None:
    with audit_context(AuditContext(ip="192.0.2.1", request_id="outer")):
        with audit_context(AuditContext(ip="192.0.2.2")):
            record_event(actor=Actor.of("system"), action="probe.inner")
        record_event(actor=Actor.of("system"), action="probe.outer")
    record_event(actor=Actor.of("system"), action="probe.none")

    rows = AuditEvent.objects.filter(action__startswith="probe.").values_list("action", "ip", "request_id")
    assert sorted(rows) == [
        ("probe.inner", "192.0.2.2", ""),
        ("probe.none", None, ""),
        ("probe.outer", "192.0.2.1", "outer"),
    ]
