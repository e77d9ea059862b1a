"""Maintenance windows and the kill switch: audited changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from remediation.actors import Actor, user_of
from remediation.services.audit import diff, record_event, snapshot
from runbooks.models import KillSwitch, MaintenanceWindow
from runbooks.services import notices

WINDOW_FIELDS = (
    "name",
    "reason",
    "enabled",
    "kind",
    "starts_at",
    "ends_at",
    "cron",
    "duration_minutes",
    "timezone",
    "matchers",
)


@transaction.atomic
def save_maintenance_window(window: MaintenanceWindow, *, actor: Actor) -> MaintenanceWindow:
    """Validate and save a window; audited as maintenance_window.created / .updated."""
    created = window.pk is None
    before = None if created else snapshot(MaintenanceWindow.objects.get(pk=window.pk), fields=WINDOW_FIELDS)
    window.full_clean()
    window.save()
    old, new = diff(before, snapshot(window, fields=WINDOW_FIELDS))
    action = "maintenance_window.created" if created else "maintenance_window.updated"
    record_event(actor=actor, action=action, obj=window, before=old, after=new)
    return window


@transaction.atomic
def delete_maintenance_window(window: MaintenanceWindow, *, actor: Actor) -> None:
    """Delete a window; audited as maintenance_window.deleted."""
    before = snapshot(window, fields=WINDOW_FIELDS)
    record_event(actor=actor, action="maintenance_window.deleted", obj=window, before=before)
    window.delete()


@transaction.atomic
def set_kill_switch(engaged: bool, *, reason: str, actor: Actor) -> KillSwitch:
    """Engage or release the global kill switch; audited as kill_switch.changed (a reason is required)."""
    if not reason.strip():
        raise ValueError("Say why the kill switch is changed.")
    switch = KillSwitch.objects.select_for_update().get_or_create(pk=1)[0]
    before: dict[str, Any] = {"engaged": switch.engaged, "reason": switch.reason}
    switch.engaged = engaged
    switch.reason = reason.strip()
    switch.changed_at = timezone.now()
    switch.changed_by = user_of(actor)
    switch.save()
    record_event(
        actor=actor,
        action="kill_switch.changed",
        obj=switch,
        before=before,
        after={"engaged": switch.engaged, "reason": switch.reason},
        reason=switch.reason,
    )
    if before["engaged"] != switch.engaged:
        notices.kill_switch_changed(switch, by=Actor.of(actor).display)
    return switch


@dataclass(frozen=True)
class GuardrailState:
    """What pauses automatic remediation at one moment: the kill switch and the maintenance windows open then."""

    kill_switch: KillSwitch
    open_windows: list[MaintenanceWindow]


def guardrail_state(now: dt.datetime | None = None) -> GuardrailState:
    """Read-only (never creates the switch row): for the banners every portal page shows."""
    now = now or timezone.now()
    switch = KillSwitch.objects.select_related("changed_by").filter(pk=1).first() or KillSwitch(engaged=False)
    windows = [w for w in MaintenanceWindow.objects.filter(enabled=True) if w.is_open(now)]
    return GuardrailState(kill_switch=switch, open_windows=windows)
