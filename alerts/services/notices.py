"""Notification events the alerts app causes: a remediation suppressed, a breaker closed by an admin reset."""

from __future__ import annotations

from typing import Any

from remediation.choices import NotificationEvent
from remediation.notifications import Event, notify


def remediation_suppressed(*, alert_id: int, rule: Any, reason: str, detail: str) -> None:
    """A rule's remediation did not run, with why (kill switch, window, breaker, cooldown, scope, ...)."""
    name = rule.name if rule is not None else ""
    notify(
        Event(
            kind=NotificationEvent.REMEDIATION_SUPPRESSED,
            summary=f"remediation by rule {name!r} suppressed ({reason}): {detail}",
            dedup_key=f"episode:{alert_id}",
            rule_id=rule.id if rule is not None else None,
            runbook_id=getattr(rule, "runbook_id", None),
            details={"alert_episode_id": alert_id, "rule": name, "reason": reason, "detail": detail},
        )
    )
