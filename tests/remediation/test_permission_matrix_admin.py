"""The permission matrix in Django admin, generated from admin.site._registry: every model's changelist, its
view/add/change/delete permissions and the actions it offers × the cast (tests/remediation/matrix.py), against the
table below; a model without an entry, or an action that declares no permission, fails the test."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

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


def model(
    view: frozenset[str], add: frozenset[str], change: frozenset[str], delete: frozenset[str], **actions: frozenset[str]
) -> dict[str, Any]:
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
    "remediation.notificationchannel": EDITED_BY_ADMIN,
    "remediation.notificationdelivery": model(READ, NOBODY, NOBODY, NOBODY),
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
    "alerts.rule": model(
        READ,
        ONLY_ADMIN,
        ONLY_ADMIN,
        ONLY_ADMIN,
        delete_selected=ONLY_ADMIN,
        replay_last_7_days=READ,
        reset_breakers=ONLY_ADMIN,
    ),
    "runbooks.maintenancewindow": EDITED_BY_ADMIN,
    "runbooks.killswitch": model(READ, NOBODY, ONLY_ADMIN, NOBODY),
    "alerts.decision": model(READ, NOBODY, NOBODY, ONLY_ADMIN, delete_selected=ONLY_ADMIN),
    "alerts.suggestion": model(READ, NOBODY, NOBODY, NOBODY),
    "alerts.webhooktoken": model(READ, ONLY_ADMIN, ONLY_ADMIN, NOBODY, revoke=ONLY_ADMIN, rotate=ONLY_ADMIN),
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
    "ai.commandallowrule": model(READ, ONLY_ADMIN, ONLY_ADMIN, ONLY_ADMIN),  # no bulk delete: audited one by one
    "ai.redactionpattern": model(READ, ONLY_ADMIN, ONLY_ADMIN, ONLY_ADMIN),
    "ai.investigation": model(READ, NOBODY, NOBODY, NOBODY),
    "ai.chatsession": model(ONLY_ADMIN, NOBODY, NOBODY, ONLY_ADMIN, delete_selected=ONLY_ADMIN),
    "remediation.terminalgrant": EDITED_BY_ADMIN,
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
        changelist = http_outcome(client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")))
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
