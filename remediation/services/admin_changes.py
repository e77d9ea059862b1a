"""Audit of changes made through Django admin forms (users, groups, and any model using the mixin)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from remediation.actors import Actor
from remediation.services.audit import diff, record_event, snapshot


@dataclass
class Captured:
    """A row as it was before an admin form saved it."""

    data: dict[str, Any] | None = None
    secrets: dict[str, Any] = field(default_factory=dict)


def capture(instance: models.Model, *, secret_fields: Iterable[str] = ()) -> Captured:
    """Read the stored row (not the form's unsaved instance) before it changes."""
    if instance.pk is None:
        return Captured()
    row = type(instance)._default_manager.filter(pk=instance.pk).first()
    if row is None:
        return Captured()
    secret = tuple(secret_fields)
    return Captured(snapshot(row, secret_fields=secret), {name: getattr(row, name) for name in secret})


def record_admin_save(
    instance: models.Model, captured: Captured, *, actor: Actor, secret_fields: Iterable[str] = ()
) -> None:
    """Audit a create or update with its diff; a changed secret shows only as 'changed'."""
    secret = tuple(secret_fields)
    instance.refresh_from_db()
    is_new = captured.data is None
    old, new = diff(captured.data, snapshot(instance, secret_fields=secret))
    for name, value in captured.secrets.items():
        if value != getattr(instance, name) and old is not None and new is not None:
            old[name], new[name] = "set", "changed"
    if not is_new and not new:
        return
    verb = "created" if is_new else "updated"
    record_event(
        actor=actor,
        action=f"{instance._meta.model_name}.{verb}",
        obj=instance,
        before=old,
        after=new,
    )


def record_admin_delete(instance: models.Model, captured: Captured, pk: Any, *, actor: Actor) -> None:
    """Audit a deletion with what the row held."""
    record_event(
        actor=actor,
        action=f"{instance._meta.model_name}.deleted",
        object_type=instance._meta.label_lower,
        object_id=pk,
        object_repr=str(instance),
        before=captured.data,
    )
