"""The permission matrix over HTTP, generated from the code: every URL pattern of django.urls' resolver (API, portal,
operations) × every method × the cast (tests/remediation/matrix.py), against the expected-access table below. A route
without an entry fails the test, and so does any answer that differs from the table.

Every request runs in a savepoint that is rolled back, so each one meets the same world. 401, 403, 404 and a redirect
to sign in first count as "refused"; 405 means the method does not exist; anything else is "let in" (including 400:
the caller got as far as input validation).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from alerts.models import Suggestion
from remediation.actors import Actor
from remediation.models import AuditEvent, NotificationDelivery
from runbooks.choices import ExecutionStatus
from runbooks.services.definitions import save_runbook
from tests.access_routes import Route, all_routes
from tests.factories import (
    ActionRequestFactory,
    AlertFactory,
    AnalysisFactory,
    ChatSessionFactory,
    CommandRequestFactory,
    CredentialFactory,
    ExecutionFactory,
    MaintenanceWindowFactory,
    ProviderFactory,
    RuleFactory,
    ServerFactory,
    TerminalGrantFactory,
    TerminalSessionFactory,
    UserFactory,
)
from tests.factories.notifications import NotificationChannelFactory
from tests.factories.runbooks import RunbookScheduleFactory
from tests.remediation.matrix import (  # the cast and role sets  # noqa: F401  (a fixture)
    ADMIN,
    ANON,
    APPROVE,
    APPROVER,
    CAST,
    DEACTIVATED,
    DELETE,
    DEMOTED,
    EVERYONE,
    GET,
    METHODS,
    NOBODY,
    ONLY_ADMIN,
    OPERATOR,
    OPS,
    PATCH,
    POST,
    PUT,
    READ,
    SIGNED_IN,
    VIEWER,
    http_outcome,
)

pytestmark = pytest.mark.django_db


def crud(read: frozenset[str] = READ, write: frozenset[str] = ONLY_ADMIN) -> dict[str, frozenset[str]]:
    return {GET: read, PUT: write, PATCH: write, DELETE: write}


# url name → method → who is let in. Methods not listed must not exist (405) or be refused for everyone.
HTTP: dict[str, dict[str, frozenset[str]]] = {
    # operations and sign-in
    "healthz": {GET: EVERYONE},
    "readyz": {GET: EVERYONE},
    "metrics": {GET: EVERYONE},  # METRICS_TOKEN unset (its own test covers the token)
    "alertmanager-webhook": {POST: NOBODY},  # a webhook token, never a user session
    "schema": {GET: SIGNED_IN},
    "api-docs": {GET: SIGNED_IN},
    "token-obtain": {POST: EVERYONE},
    "token-refresh": {POST: EVERYONE},
    "token-revoke": {POST: EVERYONE},
    "login": {GET: EVERYONE, POST: EVERYONE},
    "logout": {POST: EVERYONE},
    "dashboard": {GET: SIGNED_IN},
    "dashboard-json": {GET: SIGNED_IN},
    "profile": {
        GET: SIGNED_IN,
        POST: SIGNED_IN,
    },  # its incident section only for READ (tests/alerts/test_incident_numbers.py)
    "incident-numbers": {GET: READ},
    # core API
    "kill-switch": {GET: READ, PUT: ONLY_ADMIN},
    "audit-event-list": {GET: APPROVE},
    "audit-event-export": {GET: ONLY_ADMIN},
    "audit-event-detail": {GET: APPROVE},
    "server-list": {GET: READ, POST: ONLY_ADMIN},
    "server-import-servers": {POST: ONLY_ADMIN},
    "server-detail": crud(),
    "server-pin-host-key": {POST: ONLY_ADMIN},
    "server-test": {POST: ONLY_ADMIN},
    "credential-list": {GET: ONLY_ADMIN, POST: ONLY_ADMIN},
    "credential-detail": crud(read=ONLY_ADMIN),
    "notification-channel-list": {GET: READ, POST: ONLY_ADMIN},
    "notification-channel-detail": crud(),
    "notification-delivery-list": {GET: READ},
    "notification-delivery-detail": {GET: READ},
    "notification-link": {GET: EVERYONE},  # no valid token here: a 400 page for anyone; a valid one asks to sign in
    "rule-list": {GET: READ, POST: ONLY_ADMIN},
    "rule-simulate": {POST: READ},
    "rule-detail": crud(),
    "rule-replay": {GET: READ},
    "rule-reset-breaker": {POST: ONLY_ADMIN},
    "rule-stats": {GET: READ},
    "maintenance-window-list": {GET: READ, POST: ONLY_ADMIN},
    "maintenance-window-detail": crud(),
    # alerts
    "alert-list": {GET: READ},
    "alert-detail": {GET: READ},
    "alert-acknowledge": {POST: OPS},
    "alert-run-suggestion": {POST: OPS},
    "alert-analyze": {POST: OPS},
    # runbooks
    "runbook-list": {GET: READ, POST: ONLY_ADMIN},
    "runbook-import-": {POST: ONLY_ADMIN},
    "runbook-detail": crud(),
    "runbook-execute": {POST: OPS},
    "runbook-export": {GET: READ},
    "runbook-plan": {POST: READ},
    "runbook-stats": {GET: READ},
    "execution-list": {GET: READ},
    "execution-detail": {GET: READ},
    "execution-approve": {POST: APPROVE},
    "execution-cancel": {POST: ONLY_ADMIN},
    "execution-reject": {POST: APPROVE},
    "schedule-list": {GET: READ, POST: ONLY_ADMIN},
    "schedule-detail": crud(),
    "schedule-history": {GET: READ},
    "schedule-pause": {POST: ONLY_ADMIN},
    "schedule-resume": {POST: ONLY_ADMIN},
    # ai
    "ai-provider-list": {GET: ONLY_ADMIN, POST: ONLY_ADMIN},
    "ai-provider-detail": crud(read=ONLY_ADMIN),
    "ai-provider-test": {POST: ONLY_ADMIN},
    "chat-session-list": {GET: OPS, POST: OPS},
    "chat-session-detail": {GET: OPS},
    "ai-analysis-list": {GET: READ},
    "ai-analysis-detail": {GET: READ},
    "investigation-list": {GET: READ, POST: OPS},
    "investigation-detail": {GET: READ},
    "investigation-stop": {POST: APPROVE},  # or whoever started it (not in the world)
    "investigation-command-approve": {POST: APPROVE},  # an approver with a grant, never the requester
    "investigation-command-reject": {POST: APPROVE},
    # terminal
    "terminal-session-list": {GET: OPS},
    "terminal-session-detail": {GET: OPS},
    "terminal-session-recording": {GET: OPS},
    # portal
    "audit": {GET: APPROVE},
    "audit-export": {GET: ONLY_ADMIN},
    "servers": {GET: READ},
    "alerts:list": {GET: READ},
    "alerts:detail": {GET: READ},
    "alerts:acknowledge": {POST: OPS},
    "alerts:acknowledge-many": {POST: OPS},
    "alerts:suggestion-run": {POST: OPS},
    "runbooks:list": {GET: READ},
    "runbooks:detail": {GET: READ, POST: READ},  # POST plans with what the run form holds; it changes nothing
    "runbooks:execute": {POST: OPS},
    "runbooks:executions": {GET: READ},
    "runbooks:execution": {GET: READ},
    "runbooks:cancel": {POST: ONLY_ADMIN},
    "runbooks:approvals": {GET: READ},
    "runbooks:decide": {POST: APPROVE},
    "runbooks:schedules": {GET: READ},
    "runbooks:schedule": {GET: READ},
    "runbooks:schedule_toggle": {POST: ONLY_ADMIN},
    "runbooks:kill_switch": {GET: READ, POST: ONLY_ADMIN},
    "ai:alert-analyze": {POST: OPS},
    "ai:chat": {GET: OPS},
    "ai:chat-new": {POST: OPS},
    "ai:chat-session": {GET: OPS},
    "ai:investigations": {GET: READ},
    "ai:investigation": {GET: READ},
    "ai:investigation-start": {POST: OPS},
    "ai:investigation-stop": {POST: APPROVE},  # its requester (not in the cast) or an approver
    "ai:command-decide": {POST: APPROVE},  # an approver with a grant on the server, never the requester
    "terminal:sessions": {GET: OPS},
    "terminal:open": {GET: OPS},
    "terminal:session": {GET: OPS},
    "terminal:recording": {GET: OPS},
}


def _world(users: dict[str, Any], recordings: Any) -> dict[str, Any]:
    requester = UserFactory(username="requester")
    server = ServerFactory(name="web-1", hostname="127.0.0.1", port=1, tags=["web"])
    runbook = save_runbook(
        {"name": "restart", "steps": [{"name": "s", "command": "echo ok"}]}, actor=Actor.of(requester)
    )
    execution = ExecutionFactory(
        runbook=runbook,
        version=runbook.versions.get(),
        status=ExecutionStatus.AWAITING_APPROVAL,
        requested_by=requester,
    )
    alert = AlertFactory()
    request = ActionRequestFactory(decision__alert=alert, kind="remediate")
    suggestion = Suggestion.objects.create(
        action_request=request, alert=alert, runbook=execution.runbook, target_ids=[server.pk]
    )
    channel = NotificationChannelFactory()
    command = CommandRequestFactory(investigation__server=server)
    own: dict[str, dict[str, Any]] = {}
    for name, user in users.items():
        if user is None:
            continue
        TerminalGrantFactory(user=user, server=server)
        session = TerminalSessionFactory(user=user, server=server, recording_path=f"{name}.cast")
        (recordings / f"{name}.cast").write_text('{"version": 2, "width": 80, "height": 24}\n')
        own[name] = {"chat": ChatSessionFactory(user=user).pk, "terminal": session}
    return {
        "server": server.pk,
        "credential": CredentialFactory().pk,
        "channel": channel.pk,
        "delivery": NotificationDelivery.objects.create(channel=channel, event="execution.failed", severity="info").pk,
        "rule": RuleFactory().pk,
        "window": MaintenanceWindowFactory().pk,
        "alert": alert.pk,
        "suggestion": suggestion.pk,
        "runbook": execution.runbook_id,
        "execution": execution.pk,
        "schedule": RunbookScheduleFactory(runbook=execution.runbook).pk,
        "provider": ProviderFactory().pk,
        "analysis": AnalysisFactory(alert=alert).pk,
        "command": command.pk,
        "investigation": command.investigation_id,
        "audit": AuditEvent.objects.create(action="test.event", actor_label="test").pk,
        "own": own,
    }


# url name (or its stem before the last '-' / ':') → the world object its path names
PATH_OBJECTS = {
    "audit-event": "audit",
    "server": "server",
    "credential": "credential",
    "notification-channel": "channel",
    "notification-delivery": "delivery",
    "rule": "rule",
    "maintenance-window": "window",
    "alert": "alert",
    "runbook": "runbook",
    "execution": "execution",
    "schedule": "schedule",
    "ai-provider": "provider",
    "ai-analysis": "analysis",
    "investigation": "investigation",
    "alerts": "alert",
    "runbooks:detail": "runbook",
    "runbooks:execute": "runbook",
    "runbooks:execution": "execution",
    "runbooks:cancel": "execution",
    "runbooks:decide": "execution",
    "runbooks:schedule": "schedule",
    "runbooks:schedule_toggle": "schedule",
    "terminal:open": "server",
    "ai:alert-analyze": "alert",
    "ai:investigation": "investigation",
    "ai:investigation-stop": "investigation",
    "ai:command-decide": "command",
}


def _kwargs(route: Route, world: dict[str, Any], member: str) -> dict[str, Any]:
    """Path arguments for a route, from the world (the member's own chat and terminal session where it matters)."""
    names = [
        n
        for n in ("pk", "alert_id", "suggestion_pk", "session_id", "server_id", "session_uuid")
        if f"<{n}>" in route.route
        or f"<int:{n}>" in route.route
        or f"(?P<{n}>" in route.route
        or f"<uuid:{n}>" in route.route
    ]
    if not names:
        return {}
    own = world["own"].get(member) or world["own"][OPERATOR]  # anonymous asks for someone's
    if route.name.startswith(("chat-session", "ai:chat-session")):
        return {names[0]: own["chat"]}
    if route.name.startswith(("terminal-session", "terminal:session", "terminal:recording")):
        session = own["terminal"]
        return {"session_uuid": session.uuid} if "session_uuid" in names else {"pk": session.pk}
    stem = route.name
    while stem not in PATH_OBJECTS and ("-" in stem or ":" in stem):
        stem = stem.split(":")[0] if ":" in stem else stem.rsplit("-", 1)[0]
    values = {names[0]: world[PATH_OBJECTS[stem]]}
    if "suggestion_pk" in names:
        values["suggestion_pk"] = world["suggestion"]
    if "<int:cid>" in route.route:
        values["cid"] = world["command"]
    return values


def _request(client: Client, method: str, path: str) -> Any:
    with transaction.atomic():
        body = {} if path.startswith("/api/") else None
        kwargs: dict[str, Any] = {"content_type": "application/json", "data": "{}"} if body is not None else {}
        response = client.generic(method, path, **kwargs)
        transaction.set_rollback(True)  # the next request meets the same world
    return response


def test_it_has_an_entry_for_every_url_pattern() -> None:
    served = {r.name for r in all_routes() if not r.is_admin}
    assert "" not in served, "every route needs a name to be in the matrix"
    assert sorted(served - set(HTTP)) == [], "add these routes to HTTP"
    assert sorted(set(HTTP) - served) == [], "these entries name no route"


@pytest.mark.parametrize("member", CAST)
def test_it_lets_in_exactly_whom_the_table_says_over_http(member: str, cast, tmp_path) -> None:  # type: ignore[no-untyped-def]
    world = _world(cast["users"], tmp_path)
    client = cast["clients"][member]
    wrong = []
    for route in all_routes():
        if route.is_admin:
            continue
        path = reverse(route.name, kwargs=_kwargs(route, world, member))
        expected = HTTP[route.name]
        for method in METHODS:
            # Signing out would end this member's session for the rest of the walk: a throwaway session does it.
            use = Client() if route.name == "logout" else client
            if use is not client and member != ANON:
                use.force_login(cast["users"][member])
            outcome = http_outcome(_request(use, method, path))
            if method in expected:
                want = "let in" if member in expected[method] else "refused"
                ok = outcome == want
            else:
                ok = outcome in ("absent", "refused")
                want = "absent or refused"
            if not ok:
                wrong.append(f"{method} {path} ({route.name}): {outcome}, expected {want}")
    assert wrong == [], "\n".join(wrong)
