"""The one way audit events are written."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models

from remediation import metrics
from remediation.actors import Actor
from remediation.audit_context import current_audit_context
from remediation.models import AuditEvent
from remediation.redaction import MASK, mask_data


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, bytes):
        return MASK
    return value


def snapshot(
    instance: models.Model, *, fields: Iterable[str] | None = None, secret_fields: Iterable[str] = ()
) -> dict[str, Any]:
    """A JSON-safe dict of a model's concrete fields; secret fields become 'set' / 'not set'."""
    secret = set(secret_fields)
    wanted = set(fields) if fields is not None else None
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if wanted is not None and field.name not in wanted:
            continue
        value = getattr(instance, field.attname)
        data[field.name] = ("set" if value else "not set") if field.name in secret else _json_safe(value)
    for field in instance._meta.many_to_many:
        if (wanted is None or field.name in wanted) and instance.pk:
            data[field.name] = sorted(str(o) for o in getattr(instance, field.name).all())
    return data


def diff(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Keep only the keys whose values differ (both sides), so an update records what changed."""
    if before is None or after is None:
        return before, after
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}


def record_event(
    *,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    known_secrets: Iterable[str] = (),
) -> AuditEvent:
    """Append one audit event; secrets in before/after/reason are masked before they are stored.

    The caller's address and request id come from the audit context its edge set (remediation.audit_context).
    """
    who = actor
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    secrets = tuple(known_secrets)
    context = current_audit_context()
    event = AuditEvent.objects.create(
        actor_id=who.user_id,
        actor_label=who.display[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_repr=object_repr[:200],
        before=mask_data(_json_safe(before), secrets) if before is not None else None,
        after=mask_data(_json_safe(after), secrets) if after is not None else None,
        reason=mask_data(reason, secrets),
        ip=context.ip or None,
        request_id=context.request_id,
    )
    metrics.AUDIT_EVENTS.labels(action=action).inc()
    return event
