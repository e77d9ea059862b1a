"""Factories of the runbooks app: one per model, only required relations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from runbooks.models import (
    CommandPolicyRule,
    Execution,
    Runbook,
    RunbookSchedule,
    RunbookVersion,
    ScheduleRun,
    Step,
    StepRun,
)
from runbooks.services.definitions import definition_of


class RunbookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Runbook

    name = factory.Sequence(lambda n: f"runbook-{n}")


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Step

    runbook = factory.SubFactory(RunbookFactory)
    name = factory.Sequence(lambda n: f"step_{n}")
    command = "echo ok"


class RunbookVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RunbookVersion

    runbook = factory.SubFactory(RunbookFactory)
    number = factory.Sequence(lambda n: n + 1)
    definition = factory.LazyAttribute(lambda v: definition_of(v.runbook))


class ExecutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Execution

    version = factory.SubFactory(RunbookVersionFactory)
    runbook = factory.LazyAttribute(lambda e: e.version.runbook)


class StepRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StepRun

    execution = factory.SubFactory(ExecutionFactory)
    step_index = 0
    step_name = "step"
    kind = "ssh"


class CommandPolicyRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommandPolicyRule

    name = factory.Sequence(lambda n: f"rule_{n}")
    pattern = r"\bforbidden\b"


class RunbookScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RunbookSchedule

    name = factory.Sequence(lambda n: f"schedule-{n}")
    runbook = factory.SubFactory(RunbookFactory)
    cron = "*/5 * * * *"


class ScheduleRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScheduleRun

    schedule = factory.SubFactory(RunbookScheduleFactory)
    scheduled_for = factory.Sequence(lambda n: dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n))
    status = "started"


def step(name: str, **fields: Any) -> dict[str, Any]:
    """A complete step definition dict with the model defaults (as versions store them)."""
    base = {f.name: f.get_default() for f in Step._meta.fields if f.name not in {"id", "runbook", "position"}}
    base.update(name=name, **fields)
    return base


def execution_of(definition: dict[str, Any], **fields: Any) -> Execution:
    """An execution pinned to a version holding exactly `definition` (steps may use test-only kinds)."""
    runbook = RunbookFactory()
    full = {**definition_of(runbook), **definition}
    version = RunbookVersion.objects.create(runbook=runbook, number=1, definition=full)
    return ExecutionFactory(version=version, runbook=runbook, **fields)


def run_and_close(execution_id: int) -> None:
    """Run an execution in a test thread, closing that thread's database connection afterwards (as a worker does)."""
    from django.db import connection

    from runbooks.services.runner import run_execution

    try:
        run_execution(execution_id)
    finally:
        connection.close()
