"""Models of the runbooks app: definitions (Runbook, Step, RunbookVersion, CommandPolicyRule), runs, schedules and
the guardrails (MaintenanceWindow, KillSwitch; from the kernel in runbooks 0010, keeping their tables)."""

from __future__ import annotations

from runbooks.models.definitions import CommandPolicyRule, Runbook, RunbookVersion, Step
from runbooks.models.guardrails import KillSwitch, MaintenanceWindow
from runbooks.models.runs import Execution, StepRun
from runbooks.models.schedules import RunbookSchedule, ScheduleRun

__all__ = [
    "CommandPolicyRule",
    "Execution",
    "KillSwitch",
    "MaintenanceWindow",
    "Runbook",
    "RunbookSchedule",
    "RunbookVersion",
    "ScheduleRun",
    "Step",
    "StepRun",
]
