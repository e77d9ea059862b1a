"""The event value higher apps hand to `notify`, and the payload every channel kind is built from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from remediation.choices import NotificationEvent, NotificationSeverity
from remediation.redaction import mask_data, mask_text

DEFAULT_SEVERITY: dict[str, str] = {
    NotificationEvent.APPROVAL_REQUESTED: NotificationSeverity.WARNING,
    NotificationEvent.EXECUTION_FAILED: NotificationSeverity.CRITICAL,
    NotificationEvent.EXECUTION_RECOVERED: NotificationSeverity.INFO,
    NotificationEvent.BREAKER_OPENED: NotificationSeverity.CRITICAL,
    NotificationEvent.BREAKER_CLOSED: NotificationSeverity.INFO,
    NotificationEvent.REMEDIATION_SUPPRESSED: NotificationSeverity.WARNING,
    NotificationEvent.VERIFICATION_FAILED: NotificationSeverity.CRITICAL,
    NotificationEvent.KILL_SWITCH_ENGAGED: NotificationSeverity.CRITICAL,
    NotificationEvent.KILL_SWITCH_RELEASED: NotificationSeverity.INFO,
    NotificationEvent.INVESTIGATION_NEEDS_APPROVAL: NotificationSeverity.WARNING,
}


@dataclass(frozen=True)
class Event:
    """Something people should hear about: its kind, a one-line summary, the episode it concerns and its route."""

    kind: str
    summary: str
    dedup_key: str = ""
    severity: str = ""
    runbook_id: int | None = None
    rule_id: int | None = None
    link: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in NotificationEvent.values:
            raise ValueError(f"unknown notification event {self.kind!r}")
        if not self.severity:
            object.__setattr__(self, "severity", DEFAULT_SEVERITY[self.kind])
        if self.severity not in NotificationSeverity.values:
            raise ValueError(f"unknown severity {self.severity!r}")

    @property
    def title(self) -> str:
        return str(NotificationEvent(self.kind).label)

    def payload(self) -> dict[str, Any]:
        """The stored and sent content: plain data, secret-looking text and secret-named details masked."""
        return {
            "event": self.kind,
            "title": self.title,
            "severity": self.severity,
            "summary": mask_text(self.summary),
            "dedup_key": self.dedup_key,
            "link": self.link,
            "runbook_id": self.runbook_id,
            "rule_id": self.rule_id,
            "details": mask_data(dict(self.details)),
        }
