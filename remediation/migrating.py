"""Helpers for migrations that move a model to another app without touching its table (state-only moves).

A moved model keeps its `db_table`, so its rows stay where they are; only Django's idea of its app changes. Its
`django_content_type` row is re-labelled in the same migration, so the Permission rows hanging off it (and the
groups and users holding them) follow the model to the new app label instead of being created afresh, empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import migrations


def _relabel(apps: Any, old: str, new: str, models: Sequence[str]) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    for model in models:
        moving = content_type.objects.filter(app_label=old, model=model).first()
        if moving is None:
            continue  # a fresh database: the content type is created under the new label after migrate
        there = content_type.objects.filter(app_label=new, model=model).first()
        if there is None:
            moving.app_label = new
            moving.save(update_fields=["app_label"])
            continue
        # Both exist (a migrate stopped half-way created the new one): keep the grants on the new one's rows.
        for old_perm in permission.objects.filter(content_type=moving):
            twin, _ = permission.objects.get_or_create(
                content_type=there, codename=old_perm.codename, defaults={"name": old_perm.name}
            )
            twin.group_set.add(*old_perm.group_set.all())
            twin.user_set.add(*old_perm.user_set.all())
        moving.delete()


def relabel_content_types(old: str, new: str, models: Sequence[str]) -> migrations.RunPython:
    """A RunPython that moves the content types (and so the permissions) of `models` from app `old` to `new`."""

    def forward(apps: Any, schema_editor: Any) -> None:
        _relabel(apps, old, new, models)

    def backward(apps: Any, schema_editor: Any) -> None:
        _relabel(apps, new, old, models)

    return migrations.RunPython(forward, backward)
