"""Models of the runbooks app: definitions (Runbook, Step, RunbookVersion, CommandPolicyRule) and runs."""

from __future__ import annotations

from runbooks.models.definitions import CommandPolicyRule, Runbook, RunbookVersion, Step
from runbooks.models.runs import Execution, StepRun
from runbooks.models.schedules import RunbookSchedule, ScheduleRun

__all__ = [
    "CommandPolicyRule",
    "Execution",
    "Runbook",
    "RunbookSchedule",
    "RunbookVersion",
    "ScheduleRun",
    "Step",
    "StepRun",
]
