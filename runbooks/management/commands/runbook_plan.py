"""manage.py runbook_plan NAME [--param K=V ...] [--target ID ...]: print the plan (contacts nothing)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from remediation.actors import Actor
from runbooks.management.commands._inputs import add_inputs, read_inputs
from runbooks.services.plan import plan_runbook


class Command(BaseCommand):
    help = "Render a runbook's current version for the given parameters and targets, and list its problems."

    def add_arguments(self, parser: CommandParser) -> None:
        add_inputs(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        runbook, params, targets = read_inputs(options)
        plan = plan_runbook(runbook, params=params, target_ids=targets, actor=Actor.of("manage.py"))
        self.stdout.write(json.dumps(plan.to_json(), indent=2))
        if not plan.ok:
            raise CommandError(f"{len(plan.problems)} problem(s) in the plan")
