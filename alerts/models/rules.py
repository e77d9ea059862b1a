"""Rules: Alertmanager-style matchers deciding what happens to an alert."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from remediation.choices import MatcherOp, MatcherTarget, RemediationMode, RuleAction, StatusFilter, TargetSource
from remediation.matchers import MatcherError, compile_matcher

# What each mode does with the runbook; every mode of a remediate rule needs one.
MODE_NEEDS = {
    RemediationMode.AUTO: "runs a runbook",
    RemediationMode.APPROVAL: "runs a runbook once approved",
    RemediationMode.SUGGEST: "suggests a runbook",
    RemediationMode.SHADOW: "dry-runs a runbook",
}


class Rule(models.Model):
    """Matchers, a status filter, a priority and an action; evaluated in (priority, id) order."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    priority = models.IntegerField(default=100, help_text="Lower runs first; ties are broken by id.")
    status_filter = models.CharField(max_length=16, choices=StatusFilter.choices, default=StatusFilter.FIRING)
    action = models.CharField(max_length=16, choices=RuleAction.choices, default=RuleAction.RECORD)
    continue_matching = models.BooleanField(
        default=False, help_text="Keep evaluating later rules after this one matches (as Alertmanager's continue)."
    )
    # Remediate rules: which runbook runs where, how, and the guardrails around it.
    runbook = models.ForeignKey(
        "runbooks.Runbook", null=True, blank=True, on_delete=models.PROTECT, related_name="rules"
    )
    mode = models.CharField(max_length=10, choices=RemediationMode.choices, default=RemediationMode.AUTO)
    target_source = models.CharField(max_length=10, choices=TargetSource.choices, default=TargetSource.INSTANCE)
    target_servers = models.ManyToManyField("remediation.Server", blank=True, related_name="+")
    target_tag = models.CharField(max_length=100, blank=True)
    parameters = models.JSONField(
        default=dict, blank=True, help_text="Runbook parameter name → template over alert labels/annotations."
    )
    sources = models.JSONField(
        default=list, blank=True, help_text="Only alerts from these sources (webhook token names); empty: any source."
    )
    # Where an alert may send this rule's runbook when the alert names the server (target source `instance`); fixed
    # servers and tag targets are the rule's own choice. New rules allow nothing until scoped; rules from before
    # scopes existed were migrated to scope_all_servers, the behaviour they had.
    scope_all_servers = models.BooleanField(default=False, help_text="An alert may name any server.")
    scope_tags = models.JSONField(default=list, blank=True, help_text="Otherwise servers carrying one of these tags…")
    scope_servers = models.ManyToManyField(
        "remediation.Server", blank=True, related_name="+", help_text="…or these servers."
    )
    notification_channels = models.ManyToManyField(
        "remediation.NotificationChannel",
        blank=True,
        related_name="rules",
        help_text="Where this rule's events are sent, with its runbook's (none: the default channels).",
    )
    cooldown_seconds = models.PositiveIntegerField(default=300, help_text="Per (rule, target); 0 = none.")
    max_per_hour = models.PositiveIntegerField(default=20, help_text="Executions started per hour; 0 = no limit.")
    breaker_threshold = models.PositiveIntegerField(default=3, help_text="Failures that open the breaker; 0 = off.")
    breaker_window_seconds = models.PositiveIntegerField(default=3600)
    breaker_cooloff_seconds = models.PositiveIntegerField(default=900)
    breaker_reset_at = models.DateTimeField(null=True, blank=True, help_text="Failures before this are forgotten.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "remediation_rule"  # kept from the kernel, where rules lived until alerts 0004
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.action == RuleAction.REMEDIATE and self.runbook_id is None:
            what = MODE_NEEDS.get(RemediationMode(self.mode), "runs")
            raise ValidationError({"runbook": f"A remediate rule in {self.mode} mode {what}: choose the runbook."})
        if self.action == RuleAction.IGNORE and self.continue_matching:
            raise ValidationError({"continue_matching": "An ignore rule ends evaluation; it cannot continue."})
        if self.target_source == TargetSource.TAG and self.action == RuleAction.REMEDIATE and not self.target_tag:
            raise ValidationError({"target_tag": "Name the tag whose servers are targeted."})
        if not isinstance(self.parameters, dict) or not all(isinstance(v, str) for v in self.parameters.values()):
            raise ValidationError({"parameters": "A mapping of parameter name to template text."})
        for name in ("sources", "scope_tags"):
            value = [] if getattr(self, name) is None else getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise ValidationError({name: "A list of names."})
            setattr(self, name, sorted({v.strip() for v in value}))


class RuleMatcher(models.Model):
    """One `name op value` condition of a rule, on a label or an annotation."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="matchers")
    target = models.CharField(max_length=16, choices=MatcherTarget.choices, default=MatcherTarget.LABEL)
    name = models.CharField(max_length=200)
    op = models.CharField(max_length=2, choices=MatcherOp.choices, default=MatcherOp.EQUAL)
    value = models.TextField(blank=True)

    class Meta:
        db_table = "remediation_rulematcher"
        ordering = ["id"]

    def __str__(self) -> str:
        return str(compile_matcher(self.name, self.op, self.value, self.target))

    def save(self, *args: Any, **kwargs: Any) -> None:
        # An invalid regex must never reach the table: every writer (API, admin, shell) is refused here.
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        try:
            compile_matcher(self.name, self.op, self.value, self.target)
        except MatcherError as exc:
            raise ValidationError({"value": str(exc)}) from exc
