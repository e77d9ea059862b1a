"""The runbook catalogue the model may recommend from: names, descriptions and parameters, nothing else."""

from __future__ import annotations

from typing import Any

from django.apps import apps

PARAMETER_KEYS = ("name", "required", "default", "pattern", "description")


def runbook_catalogue() -> list[dict[str, Any]]:
    """Enabled runbooks (empty until the runbooks app provides its Runbook model)."""
    try:
        runbook_model = apps.get_model("runbooks", "Runbook")
    except LookupError:
        return []
    rows = runbook_model.objects.filter(enabled=True).order_by("name")
    return [
        {
            "name": row.name,
            "description": row.description,
            "parameters": [
                {key: item[key] for key in PARAMETER_KEYS if key in item}
                for item in row.parameters or []
                if isinstance(item, dict)
            ],
        }
        for row in rows
    ]
