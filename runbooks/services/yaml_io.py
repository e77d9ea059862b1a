"""Runbooks as code: YAML export and import (a lossless round trip of the canonical definition)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml
from django.db import transaction

from remediation.actors import Actor
from runbooks.models import Runbook
from runbooks.services.definitions import DefinitionError, definition_of, save_runbook

FORMAT = "remediation-engine/runbooks@1"


def export_yaml(runbooks: Iterable[Runbook]) -> str:
    """One YAML document holding every given runbook's full definition."""
    document = {"format": FORMAT, "runbooks": [definition_of(r) for r in runbooks]}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)


def parse_yaml(text: str) -> list[dict[str, Any]]:
    """The runbook definitions in a YAML document; raises DefinitionError on anything else."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DefinitionError({"yaml": [f"not valid YAML: {exc}"]}) from exc
    if not isinstance(document, dict) or not isinstance(document.get("runbooks"), list):
        raise DefinitionError({"yaml": [f"expected a mapping with format: {FORMAT} and a runbooks list"]})
    if document.get("format") != FORMAT:
        raise DefinitionError({"format": [f"unsupported format {document.get('format')!r}; expected {FORMAT}"]})
    runbooks: list[dict[str, Any]] = document["runbooks"]
    return runbooks


@transaction.atomic
def import_yaml(text: str, *, actor: Actor) -> list[Runbook]:
    """Create or update runbooks by name; all or nothing. Unchanged runbooks get no new version."""
    imported: list[Runbook] = []
    errors: dict[str, list[str]] = {}
    for index, data in enumerate(parse_yaml(text)):
        name = data.get("name") if isinstance(data, dict) else None
        existing = Runbook.objects.filter(name=name).first() if isinstance(name, str) else None
        if existing is not None and definition_of(existing) == {**definition_of(existing), **data}:
            imported.append(existing)
            continue
        try:
            with transaction.atomic():
                imported.append(save_runbook(data, actor=actor, runbook=existing, action="runbook.imported"))
        except DefinitionError as exc:
            errors.update({f"runbooks[{index}].{key}": messages for key, messages in exc.errors.items()})
    if errors:
        raise DefinitionError(errors)
    return imported
