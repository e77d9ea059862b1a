"""Rules: Alertmanager-style matchers deciding what happens to an alert."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from remediation.choices import MatcherOp, MatcherTarget, RuleAction, StatusFilter
from remediation.matchers import MatcherError, compile_matcher


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.action == RuleAction.IGNORE and self.continue_matching:
            raise ValidationError({"continue_matching": "An ignore rule ends evaluation; it cannot continue."})


class RuleMatcher(models.Model):
    """One `name op value` condition of a rule, on a label or an annotation."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="matchers")
    target = models.CharField(max_length=16, choices=MatcherTarget.choices, default=MatcherTarget.LABEL)
    name = models.CharField(max_length=200)
    op = models.CharField(max_length=2, choices=MatcherOp.choices, default=MatcherOp.EQUAL)
    value = models.TextField(blank=True)

    class Meta:
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
