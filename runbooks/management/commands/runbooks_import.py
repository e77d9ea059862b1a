"""manage.py runbooks_import FILE: create or update runbooks from YAML (all or nothing, audited)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from remediation.actors import Actor
from runbooks.services.definitions import DefinitionError
from runbooks.services.yaml_io import import_yaml


class Command(BaseCommand):
    help = "Import runbooks from a YAML file written by runbooks_export (or by hand)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            runbooks = import_yaml(Path(options["file"]).read_text(), actor=Actor.of("manage.py"))
        except (OSError, DefinitionError) as exc:
            raise CommandError(str(exc)) from exc
        for runbook in runbooks:
            self.stdout.write(f"{runbook.name}: version {runbook.version}")
