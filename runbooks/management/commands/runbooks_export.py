"""manage.py runbooks_export [NAME ...] [-o FILE]: write runbooks as YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from runbooks.models import Runbook
from runbooks.services.yaml_io import export_yaml


class Command(BaseCommand):
    help = "Export runbooks (all, or the named ones) as YAML."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*")
        parser.add_argument("-o", "--output", help="file to write (default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        runbooks = Runbook.objects.prefetch_related("steps").order_by("name")
        if options["names"]:
            runbooks = runbooks.filter(name__in=options["names"])
            missing = set(options["names"]) - {r.name for r in runbooks}
            if missing:
                raise CommandError(f"unknown runbooks: {sorted(missing)}")
        text = export_yaml(runbooks)
        if options["output"]:
            Path(options["output"]).write_text(text)
        else:
            self.stdout.write(text, ending="")
