"""What the rules decided for each alert episode, the queued hand-off of its effects, and suggested runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from remediation.choices import ActionRequestStatus, DecisionOutcome, RuleAction


class Decision(models.Model):
    """The rules' verdict on one alert episode in one status: matched rules, action, suppressions."""

    alert = models.ForeignKey("alerts.Alert", on_delete=models.CASCADE, related_name="decisions")
    status = models.CharField(max_length=16, help_text="The alert status this decision was made for.")
    rule = models.ForeignKey("alerts.Rule", null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions")
    rule_name = models.CharField(max_length=200, blank=True, help_text="Name of the first matched rule, kept.")
    action = models.CharField(max_length=16, choices=RuleAction.choices, blank=True)
    outcome = models.CharField(max_length=16, choices=DecisionOutcome.choices)
    matched = models.JSONField(default=list, help_text="Every matched rule, in order: id, name, action.")
    suppressions = models.JSONField(default=list, help_text="Every suppressed effect with its reason.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "remediation_decision"  # kept from the kernel, where decisions lived until alerts 0004
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["alert", "status"], name="decision_one_per_alert_status")]

    def __str__(self) -> str:
        return f"alert {self.alert_id} {self.status}: {self.outcome}"


class ActionRequest(models.Model):
    """A queued analyze or remediate effect; the AI and runbook apps claim it through their registered handler."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="action_requests")
    alert = models.ForeignKey("alerts.Alert", on_delete=models.CASCADE, related_name="action_requests")
    rule = models.ForeignKey("alerts.Rule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(
        max_length=16, choices=[(RuleAction.ANALYZE, "Analyze"), (RuleAction.REMEDIATE, "Remediate")]
    )
    status = models.CharField(max_length=16, choices=ActionRequestStatus.choices, default=ActionRequestStatus.PENDING)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "remediation_actionrequest"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "rule", "kind"], name="action_request_once_per_decision")
        ]
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} for alert {self.alert_id} ({self.status})"


class Suggestion(models.Model):
    """What a `suggest` rule offered for an episode: shown with the alert, started at most once by an operator."""

    action_request = models.OneToOneField(ActionRequest, on_delete=models.CASCADE, related_name="suggestion")
    alert = models.ForeignKey("alerts.Alert", on_delete=models.CASCADE, related_name="suggestions")
    rule = models.ForeignKey("alerts.Rule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    runbook = models.ForeignKey("runbooks.Runbook", on_delete=models.CASCADE, related_name="+")
    target_ids = models.JSONField(default=list, help_text="The servers resolved from the alert.")
    params = models.JSONField(default=dict, blank=True, help_text="Runbook parameters filled from the alert.")
    created_at = models.DateTimeField(auto_now_add=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    used_at = models.DateTimeField(null=True, blank=True, help_text="When an operator started it (once only).")
    execution = models.ForeignKey(
        "runbooks.Execution", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "remediation_suggestion"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"suggestion {self.pk} for alert {self.alert_id}"
