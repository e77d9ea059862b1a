"""manage.py runbook_run NAME [--param K=V ...] [--target ID ...] [--dry-run] [--wait]: request an execution."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from remediation.actors import Actor
from runbooks.management.commands._inputs import add_inputs, read_inputs
from runbooks.models import Execution
from runbooks.services.execute import ExecutionRefused, request_execution


class Command(BaseCommand):
    help = "Request an execution (a worker runs it); --wait follows it until it finishes."

    def add_arguments(self, parser: CommandParser) -> None:
        add_inputs(parser)
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--wait", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        runbook, params, targets = read_inputs(options)
        try:
            execution = request_execution(
                runbook, actor=Actor.of("manage.py"), params=params, target_ids=targets, dry_run=options["dry_run"]
            )
        except ExecutionRefused as exc:
            problems = "\n".join(exc.problems)
            raise CommandError(f"{exc}\n{problems}".strip()) from exc
        self.stdout.write(f"execution #{execution.pk}: {execution.status}")
        while options["wait"] and not execution.is_finished:
            time.sleep(1)
            execution = Execution.objects.get(pk=execution.pk)
        if options["wait"]:
            self.stdout.write(f"execution #{execution.pk}: {execution.status} {execution.status_reason}".rstrip())
            if execution.status != "succeeded":
                raise CommandError(f"execution #{execution.pk} {execution.status}")
