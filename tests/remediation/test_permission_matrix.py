# ruff: noqa: F811  (fixtures imported from the ai and terminal conftests are parameters here)
"""The permission matrix, generated from the code: every URL pattern (django.urls resolver), every admin model and
action (admin.site._registry) and every WebSocket consumer action (config/routing.py), for anonymous, Viewer,
Operator, Approver, Admin (the role, not a superuser), a deactivated user and a user whose role was removed
mid-session. The expected access lives in the tables below: a route, model, action or consumer action without an
entry fails the test, and so does any answer that differs from the table.

HTTP: every request runs in a savepoint that is rolled back, so each one meets the same world. 401, 403, 404 and a
redirect to sign in first count as "refused"; 405 means the method does not exist; anything else is "let in"
(including 400: the caller got as far as input validation).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.urls import reverse

from remediation.choices import Role
from remediation.models import AuditEvent, Suggestion
from runbooks.choices import ExecutionStatus
from runbooks.services.definitions import save_runbook
from tests.access_routes import Route, all_routes
from tests.ai.conftest import llm_server, provider  # noqa: F401  (fixtures)
from tests.factories import (
    ActionRequestFactory,
    AlertFactory,
    AnalysisFactory,
    ChatSessionFactory,
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
from tests.factories.runbooks import RunbookScheduleFactory
from tests.terminal.conftest import _recordings_dir, ssh_server, terminal_key  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

ANON, VIEWER, OPERATOR, APPROVER, ADMIN = "anonymous", "viewer", "operator", "approver", "admin"
DEACTIVATED, DEMOTED = "deactivated", "demoted"
CAST = [ANON, VIEWER, OPERATOR, APPROVER, ADMIN, DEACTIVATED, DEMOTED]

NOBODY: frozenset[str] = frozenset()
EVERYONE = frozenset(CAST)
SIGNED_IN = frozenset({VIEWER, OPERATOR, APPROVER, ADMIN, DEMOTED})  # any account with a live login session
READ = frozenset({VIEWER, OPERATOR, APPROVER, ADMIN})  # every role: view_* of the product
OPS = frozenset({OPERATOR, ADMIN})  # execute, chat, analyze, acknowledge, terminal
APPROVE = frozenset({APPROVER, ADMIN})
ONLY_ADMIN = frozenset({ADMIN})

GET, POST, PUT, PATCH, DELETE = "GET", "POST", "PUT", "PATCH", "DELETE"
METHODS = (GET, POST, PUT, PATCH, DELETE)


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
    "alerts:suggestion-run": {POST: OPS},
    "runbooks:list": {GET: READ},
    "runbooks:detail": {GET: READ},
    "runbooks:execute": {POST: OPS},
    "runbooks:executions": {GET: READ},
    "runbooks:execution": {GET: READ},
    "runbooks:cancel": {POST: ONLY_ADMIN},
    "runbooks:approvals": {GET: READ},
    "runbooks:decide": {POST: APPROVE},
    "runbooks:schedules": {GET: READ},
    "runbooks:schedule": {GET: READ},
    "runbooks:schedule_toggle": {POST: ONLY_ADMIN},
    "ai:alert-analyze": {POST: OPS},
    "ai:chat": {GET: OPS},
    "ai:chat-new": {POST: OPS},
    "ai:chat-session": {GET: OPS},
    "terminal:sessions": {GET: OPS},
    "terminal:open": {GET: OPS},
    "terminal:session": {GET: OPS},
    "terminal:recording": {GET: OPS},
}


# --- the cast and the world ---------------------------------------------------------------------------------------


def _member(username: str, role: Role | None, **extra: Any) -> Any:
    user = UserFactory(username=username, is_staff=True, **extra)  # staff for all: the admin is checked too
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def cast(tmp_path, settings) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Each member's user (None for anonymous) and a signed-in client; the last two lose access mid-session."""
    settings.TERMINAL_RECORDINGS_DIR = str(tmp_path)
    roles = {VIEWER: Role.VIEWER, OPERATOR: Role.OPERATOR, APPROVER: Role.APPROVER, ADMIN: Role.ADMIN}
    users: dict[str, Any] = {name: _member(name, role) for name, role in roles.items()}
    users[DEACTIVATED] = _member(DEACTIVATED, Role.OPERATOR)
    users[DEMOTED] = _member(DEMOTED, Role.OPERATOR)
    clients = {ANON: Client()}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    users[DEACTIVATED].is_active = False  # after signing in: the session outlives the account
    users[DEACTIVATED].save()
    users[DEMOTED].groups.clear()
    return {"users": {ANON: None, **users}, "clients": clients}


def _world(users: dict[str, Any], recordings: Any) -> dict[str, Any]:
    requester = UserFactory(username="requester")
    server = ServerFactory(name="web-1", hostname="127.0.0.1", port=1, tags=["web"])
    runbook = save_runbook({"name": "restart", "steps": [{"name": "s", "command": "echo ok"}]}, actor=requester)
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
    own: dict[str, dict[str, Any]] = {}
    for name, user in users.items():
        if user is None:
            continue
        TerminalGrantFactory(user=user, server=server)
        session = TerminalSessionFactory(user=user, server=server, recording_path=f"{name}.cast")
        (recordings / f"{name}.cast").write_text('{"version": 2, "width": 80, "height": 24}\n')
        own[name] = {"chat": ChatSessionFactory(user=user).pk, "terminal": session}
    return {
        "server": server.pk, "credential": CredentialFactory().pk, "rule": RuleFactory().pk,
        "window": MaintenanceWindowFactory().pk, "alert": alert.pk, "suggestion": suggestion.pk,
        "runbook": execution.runbook_id, "execution": execution.pk,
        "schedule": RunbookScheduleFactory(runbook=execution.runbook).pk, "provider": ProviderFactory().pk,
        "analysis": AnalysisFactory(alert=alert).pk,
        "audit": AuditEvent.objects.create(action="test.event", actor_label="test").pk, "own": own,
    }  # fmt: skip


# url name (or its stem before the last '-' / ':') → the world object its path names
PATH_OBJECTS = {
    "audit-event": "audit", "server": "server", "credential": "credential", "rule": "rule",
    "maintenance-window": "window", "alert": "alert", "runbook": "runbook", "execution": "execution",
    "schedule": "schedule", "ai-provider": "provider", "ai-analysis": "analysis", "alerts": "alert",
    "runbooks:detail": "runbook", "runbooks:execute": "runbook", "runbooks:execution": "execution",
    "runbooks:cancel": "execution", "runbooks:decide": "execution", "runbooks:schedule": "schedule",
    "runbooks:schedule_toggle": "schedule", "terminal:open": "server", "ai:alert-analyze": "alert",
}  # fmt: skip


def _kwargs(route: Route, world: dict[str, Any], member: str) -> dict[str, Any]:
    """Path arguments for a route, from the world (the member's own chat and terminal session where it matters)."""
    names = [n for n in ("pk", "alert_id", "suggestion_pk", "session_id", "server_id", "session_uuid")
             if f"<{n}>" in route.route or f"<int:{n}>" in route.route or f"(?P<{n}>" in route.route
             or f"<uuid:{n}>" in route.route]  # fmt: skip
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
    return values


# --- HTTP ---------------------------------------------------------------------------------------------------------


def _outcome(response: Any) -> str:
    if response.status_code == 405:
        return "absent"
    login_redirect = response.status_code == 302 and "/login/?next=" in response["Location"]
    return "refused" if response.status_code in (401, 403, 404) or login_redirect else "let in"


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
            outcome = _outcome(_request(use, method, path))
            if method in expected:
                want = "let in" if member in expected[method] else "refused"
                ok = outcome == want
            else:
                ok = outcome in ("absent", "refused")
                want = "absent or refused"
            if not ok:
                wrong.append(f"{method} {path} ({route.name}): {outcome}, expected {want}")
    assert wrong == [], "\n".join(wrong)


# --- admin --------------------------------------------------------------------------------------------------------


def model(view: frozenset[str], add: frozenset[str], change: frozenset[str], delete: frozenset[str],
          **actions: frozenset[str]) -> dict[str, Any]:  # fmt: skip
    return {"view": view, "add": add, "change": change, "delete": delete, "actions": actions}


QUEUE = model(NOBODY, NOBODY, NOBODY, NOBODY)  # django-q2: superusers only (test_task_queue_lockdown.py)
EDITED_BY_ADMIN = model(READ, ONLY_ADMIN, ONLY_ADMIN, ONLY_ADMIN, delete_selected=ONLY_ADMIN)
# model label → who may view / add / change / delete in the admin, and which actions each member is offered.
ADMIN_MODELS: dict[str, dict[str, Any]] = {
    "token_blacklist.outstandingtoken": model(NOBODY, NOBODY, NOBODY, NOBODY),
    "token_blacklist.blacklistedtoken": model(NOBODY, NOBODY, NOBODY, NOBODY),
    "django_q.success": QUEUE,
    "django_q.failure": QUEUE,
    "django_q.schedule": QUEUE,
    "django_q.ormq": QUEUE,
    "auth.user": model(ONLY_ADMIN, ONLY_ADMIN, ONLY_ADMIN, ONLY_ADMIN, delete_selected=ONLY_ADMIN),
    "auth.group": model(ONLY_ADMIN, ONLY_ADMIN, ONLY_ADMIN, ONLY_ADMIN, delete_selected=ONLY_ADMIN),
    "remediation.auditevent": model(APPROVE, NOBODY, NOBODY, NOBODY),
    "remediation.credential": model(ONLY_ADMIN, ONLY_ADMIN, ONLY_ADMIN, ONLY_ADMIN, delete_selected=ONLY_ADMIN),
    "remediation.server": model(
        READ,
        ONLY_ADMIN,
        ONLY_ADMIN,
        ONLY_ADMIN,
        delete_selected=ONLY_ADMIN,
        fetch_and_pin_host_key=ONLY_ADMIN,
        test_connection=ONLY_ADMIN,
    ),
    "remediation.rule": model(
        READ,
        ONLY_ADMIN,
        ONLY_ADMIN,
        ONLY_ADMIN,
        delete_selected=ONLY_ADMIN,
        replay_last_7_days=READ,
        reset_breakers=ONLY_ADMIN,
    ),
    "remediation.maintenancewindow": EDITED_BY_ADMIN,
    "remediation.killswitch": model(READ, NOBODY, ONLY_ADMIN, NOBODY),
    "remediation.decision": model(READ, NOBODY, NOBODY, ONLY_ADMIN, delete_selected=ONLY_ADMIN),
    "remediation.suggestion": model(READ, NOBODY, NOBODY, NOBODY),
    "remediation.webhooktoken": model(READ, ONLY_ADMIN, ONLY_ADMIN, NOBODY, revoke=ONLY_ADMIN),
    "alerts.alert": model(READ, NOBODY, NOBODY, ONLY_ADMIN, delete_selected=ONLY_ADMIN),
    "runbooks.runbook": model(READ, ONLY_ADMIN, ONLY_ADMIN, ONLY_ADMIN, delete_selected=ONLY_ADMIN, plan=READ),
    "runbooks.commandpolicyrule": model(READ, ONLY_ADMIN, ONLY_ADMIN, ONLY_ADMIN),  # no bulk delete: audited one by one
    "runbooks.execution": model(READ, NOBODY, ONLY_ADMIN, NOBODY),
    "runbooks.runbookschedule": model(
        READ, ONLY_ADMIN, ONLY_ADMIN, ONLY_ADMIN, delete_selected=ONLY_ADMIN, pause=ONLY_ADMIN, resume=ONLY_ADMIN
    ),
    "ai.provider": model(
        ONLY_ADMIN, ONLY_ADMIN, ONLY_ADMIN, ONLY_ADMIN, delete_selected=ONLY_ADMIN, test_providers=ONLY_ADMIN
    ),
    "ai.sensitivelabel": EDITED_BY_ADMIN,
    "ai.chatsession": model(ONLY_ADMIN, NOBODY, NOBODY, ONLY_ADMIN, delete_selected=ONLY_ADMIN),
    "terminal.terminalgrant": EDITED_BY_ADMIN,
    "terminal.terminalsession": model(ONLY_ADMIN, NOBODY, NOBODY, NOBODY),
}


def test_it_has_an_entry_for_every_admin_model_and_every_action_declares_its_permission() -> None:
    from django.contrib import admin

    registered = {model._meta.label_lower for model in admin.site._registry}
    assert sorted(registered ^ set(ADMIN_MODELS)) == []
    undeclared = [
        f"{model._meta.label_lower}.{name}"
        for model, model_admin in admin.site._registry.items()
        for func, name, _description in model_admin._get_base_actions()
        if not getattr(func, "allowed_permissions", None)
    ]
    assert undeclared == []


@pytest.mark.parametrize("member", CAST)
def test_it_lets_in_exactly_whom_the_table_says_in_the_admin(member: str, cast, rf) -> None:  # type: ignore[no-untyped-def]
    from django.contrib import admin

    user, client, wrong = cast["users"][member], cast["clients"][member], []
    live = user if user is not None and user.is_active else None  # a deactivated account signs in as nobody
    for model, model_admin in admin.site._registry.items():
        opts, expected = model._meta, ADMIN_MODELS[model._meta.label_lower]
        changelist = _outcome(client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")))
        if changelist != ("let in" if member in expected["view"] else "refused"):
            wrong.append(f"{opts.label_lower} changelist: {changelist}")
        if live is None:
            continue
        request = rf.get("/admin/")
        request.user = live
        for verb in ("view", "add", "change", "delete"):
            if getattr(model_admin, f"has_{verb}_permission")(request) != (member in expected[verb]):
                wrong.append(f"{opts.label_lower} {verb}")
        offered = set(model_admin.get_actions(request))
        wanted = {name for name, who in expected["actions"].items() if member in who}
        if offered != wanted:
            wrong.append(f"{opts.label_lower} actions {sorted(offered)} != {sorted(wanted)}")
    assert wrong == [], "\n".join(wrong)


# --- WebSockets ---------------------------------------------------------------------------------------------------

# consumer → action → who is let in. "connect" is opening the socket; the rest are the consumer's client_actions.
# The deactivated and demoted members connect while they still hold the Operator role and lose it before acting.
WS: dict[str, dict[str, frozenset[str]]] = {
    "ChatConsumer": {"connect": OPS, "message": OPS, "confirm": OPS, "decline": OPS, "stop": OPS},
    "ExecutionConsumer": {"connect": READ, "stream": READ},
    "TerminalConsumer": {"connect": OPS, "input": OPS, "resize": OPS},
}


def _consumers() -> dict[str, tuple[str, Any]]:
    from config.routing import websocket_urlpatterns

    found = {}
    for pattern in websocket_urlpatterns:
        consumer = pattern.callback.consumer_class  # type: ignore[attr-defined]
        found[consumer.__name__] = (str(pattern.pattern), consumer)
    return found


def test_it_has_an_entry_for_every_websocket_consumer_action() -> None:
    actions = {name: {"connect", *consumer.client_actions} for name, (_route, consumer) in _consumers().items()}
    assert actions == {name: set(table) for name, table in WS.items()}


def _access(member: str, user: Any, *, restore: bool) -> None:
    """Give a mid-session member their Operator role back (before connecting), or take it (after)."""
    if member == DEACTIVATED:
        type(user).objects.filter(pk=user.pk).update(is_active=restore)
    elif member == DEMOTED and restore:
        user.groups.add(Group.objects.get(name=Role.OPERATOR.value))
    elif member == DEMOTED:
        user.groups.clear()


async def _first(socket: Any, timeout: float = 10) -> dict[str, Any] | None:
    """The next JSON frame, or None once the socket closed."""
    import json

    event = await socket.receive_output(timeout)
    return None if event["type"] == "websocket.close" else json.loads(event["text"])


async def _attempt(member: str, user: Any, path: str, action: Any) -> str:
    """Connect as `member` (mid-session members lose access right after), run `action`; 'let in' or 'refused'."""
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    from config.asgi import application
    from tests.ai.conftest import ws_headers

    mid_session = member in (DEACTIVATED, DEMOTED)
    if user is not None:
        await database_sync_to_async(_access)(member, user, restore=True)
    headers = await database_sync_to_async(ws_headers)(user)
    if action is None and mid_session:  # connecting after access went
        await database_sync_to_async(_access)(member, user, restore=False)
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _code = await socket.connect(timeout=15)
    if not connected:
        return "refused"
    first = await _first(socket)  # the snapshot or the history
    outcome = "let in" if first is not None else "refused"
    if action is not None and outcome == "let in":
        if mid_session:
            await database_sync_to_async(_access)(member, user, restore=False)
        outcome = await action(socket)
    await socket.disconnect()
    return outcome


def _chat_actions(world: dict[str, Any]) -> dict[str, Any]:
    async def reply_to(socket: Any, message: dict[str, Any], expect: str) -> str:
        await socket.send_json_to(message)
        frame = await _first(socket)
        return "let in" if frame is not None and frame["type"] == expect else "refused"

    async def stop(socket: Any) -> str:
        await socket.send_json_to({"type": "stop"})
        return "let in" if await socket.receive_nothing(timeout=1) else "refused"

    return {
        "message": lambda s: reply_to(s, {"type": "message", "content": "hello"}, "started"),
        "confirm": lambda s: reply_to(s, {"type": "confirm", "proposal": world["proposal"]()}, "proposal"),
        "decline": lambda s: reply_to(s, {"type": "decline", "proposal": world["proposal"]()}, "proposal"),
        "stop": stop,
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("member", CAST)
def test_it_lets_in_exactly_whom_the_table_says_over_chat_and_execution_sockets(  # type: ignore[no-untyped-def]
    member: str, cast, llm_server, provider, settings
) -> None:
    from channels.layers import get_channel_layer

    from ai.choices import MessageRole
    from ai.models import ChatMessage, ChatProposal
    from runbooks.services import live
    from tests.ai.conftest import run_async
    from tests.factories import StepRunFactory

    settings.WEBSOCKET_ACCESS_RECHECK_SECONDS = 600  # only the per-action check may refuse here
    user = cast["users"][member]
    owner = user or cast["users"][OPERATOR]
    chat = ChatSessionFactory(user=owner, provider=provider)
    save_runbook({"name": "restart", "steps": [{"name": "s", "command": "echo ok"}]}, actor=cast["users"][ADMIN])
    message = ChatMessage.objects.create(session=chat, role=MessageRole.ASSISTANT, content="Restart?")
    proposals = iter(ChatProposal.objects.create(session=chat, message=message, runbook_name="restart").pk
                     for _ in range(2))  # fmt: skip
    execution = ExecutionFactory(status=ExecutionStatus.RUNNING)
    step_run = StepRunFactory(execution=execution, status="running")
    world = {"proposal": lambda: next(proposals)}

    async def stream(socket: Any) -> str:
        event = {"type": "output", "step_run": step_run.pk, "stream": "stdout", "offset": 0, "text": "line\n"}
        group = live.group_name(execution.pk)
        await get_channel_layer().group_send(group, {"type": "execution.event", "event": event})
        frame = await _first(socket)
        return "let in" if frame is not None and frame["type"] == "output" else "refused"

    plans = {
        ("ChatConsumer", f"/ws/chat/{chat.pk}/"): {"connect": None, **_chat_actions(world)},
        ("ExecutionConsumer", f"/ws/executions/{execution.pk}/"): {"connect": None, "stream": stream},
    }
    wrong = []
    for (consumer, path), actions in plans.items():
        for name, action in actions.items():
            outcome = run_async(lambda path=path, action=action: _attempt(member, user, path, action))
            want = "let in" if member in WS[consumer][name] else "refused"
            if outcome != want:
                wrong.append(f"{consumer}.{name}: {outcome}, expected {want}")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.real_part
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("member", CAST)
def test_it_lets_in_exactly_whom_the_table_says_over_the_terminal_socket(member: str, cast, ssh_server) -> None:  # type: ignore[no-untyped-def]
    from tests.ai.conftest import run_async

    user = cast["users"][member]
    for someone in cast["users"].values():
        if someone is not None:
            TerminalGrantFactory(user=someone, server=ssh_server)

    async def typed(socket: Any, text: str, needle: bytes) -> str:
        import json

        await socket.send_to(text_data=json.dumps({"type": "input", "data": text}))
        seen = b""
        while needle not in seen:
            event = await socket.receive_output(10)
            if event["type"] == "websocket.close" or (event.get("text") and '"closed"' in event["text"]):
                return "refused"
            seen += event.get("bytes") or b""
        return "let in"

    async def resize(socket: Any) -> str:
        import json

        await socket.send_to(text_data=json.dumps({"type": "resize", "cols": 101, "rows": 33}))
        return await typed(socket, "stty size\r", b"33 101")

    actions = {
        "connect": None,
        "input": lambda socket: typed(socket, "echo ws-$((6*7))\r", b"ws-42"),
        "resize": resize,
    }
    path, wrong = f"/ws/terminal/{ssh_server.pk}/", []
    for name, action in actions.items():
        outcome = run_async(lambda action=action: _attempt(member, user, path, action))
        want = "let in" if member in WS["TerminalConsumer"][name] else "refused"
        if outcome != want:
            wrong.append(f"TerminalConsumer.{name}: {outcome}, expected {want}")
    assert wrong == [], "\n".join(wrong)
