"""Investigations: the model troubleshoots on servers through tool calls, one policy-checked command at a time."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from ai.choices import INVESTIGATION_FINISHED, CommandStatus, EndReason, EntryKind, InvestigationStatus


def default_max_steps() -> int:
    return int(settings.AI_INVESTIGATION_MAX_STEPS)


def default_max_seconds() -> int:
    return int(settings.AI_INVESTIGATION_MAX_SECONDS)


def default_max_tokens() -> int:
    return int(settings.AI_INVESTIGATION_MAX_TOKENS)


def default_max_cost() -> Decimal:
    return Decimal(str(settings.AI_INVESTIGATION_MAX_COST_USD))


class Investigation(models.Model):
    """One goal worked on by the model (a run is a row): its context, budgets, usage, transcript and finding."""

    goal = models.TextField()
    alert = models.ForeignKey(
        "alerts.Alert", null=True, blank=True, on_delete=models.SET_NULL, related_name="investigations"
    )
    server = models.ForeignKey(
        "remediation.Server", null=True, blank=True, on_delete=models.SET_NULL, related_name="investigations"
    )
    provider = models.ForeignKey(
        "ai.Provider", null=True, blank=True, on_delete=models.SET_NULL, related_name="investigations"
    )
    provider_name = models.CharField(max_length=100, blank=True, help_text="The provider that answered last.")
    model = models.CharField(max_length=200, blank=True, help_text="The model that answered last.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="investigations"
    )
    status = models.CharField(
        max_length=20, choices=InvestigationStatus.choices, default=InvestigationStatus.QUEUED, db_index=True
    )
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    error = models.TextField(blank=True)
    stop_requested = models.BooleanField(default=False)
    # Budgets (defaults from the AI_INVESTIGATION_* settings) and what was spent of them.
    max_steps = models.PositiveIntegerField(default=default_max_steps, validators=[MinValueValidator(1)])
    max_seconds = models.PositiveIntegerField(default=default_max_seconds, validators=[MinValueValidator(1)])
    max_tokens = models.PositiveIntegerField(default=default_max_tokens, validators=[MinValueValidator(1)])
    max_cost_usd = models.DecimalField(max_digits=10, decimal_places=4, default=default_max_cost)
    steps = models.PositiveIntegerField(default=0)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal(0))
    finding = models.JSONField(
        default=dict,
        blank=True,
        help_text="summary, evidence [{command, server, observation}], likely_cause, recommendation.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True, help_text="When it was last queued for the worker.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"investigation {self.pk}: {self.goal[:60]}"

    def clean(self) -> None:
        if self.alert_id is None and self.server_id is None:
            raise ValidationError("An investigation is about an alert or a server.")

    @property
    def finished(self) -> bool:
        return self.status in INVESTIGATION_FINISHED

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class InvestigationEntry(models.Model):
    """One line of the transcript (ordered by seq): what the model said or called and what it was told back."""

    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="entries")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    content = models.TextField(blank=True, help_text="Redacted before it is stored.")
    tool = models.CharField(max_length=64, blank=True)
    arguments = models.JSONField(default=dict, blank=True)
    tool_call_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["investigation_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["investigation", "seq"], name="ai_entry_seq_unique")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.seq} of investigation {self.investigation_id}"


class CommandRequest(models.Model):
    """A command the model asked to run on a server, with the policy's verdict and, once run, its redacted output."""

    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="commands")
    server = models.ForeignKey("remediation.Server", null=True, on_delete=models.SET_NULL, related_name="+")
    server_name = models.CharField(max_length=200, blank=True)
    command = models.TextField(help_text="The exact string that is checked, shown, approved and run.")
    why = models.TextField(blank=True)
    tool_call_id = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=CommandStatus.choices, db_index=True)
    policy_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    exit_code = models.IntegerField(null=True, blank=True)
    output = models.TextField(blank=True, help_text="Redacted and capped.")
    output_truncated = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"command {self.pk} on {self.server_name}: {self.command[:60]} ({self.status})"


class CommandAllowRule(models.Model):
    """A read-only command an admin allows: a program plus an optional argument prefix and allowed path prefixes.

    It auto-runs only on servers carrying one of `auto_approve_tags`; everywhere else it still needs a person.
    """

    name = models.CharField(max_length=100, unique=True)
    program = models.CharField(max_length=100, help_text="The command's first word, e.g. df, journalctl, cat.")
    argument_prefix = models.CharField(
        max_length=200, blank=True, help_text="Words the arguments must start with, e.g. `status` for systemctl."
    )
    path_prefixes = models.JSONField(
        default=list,
        blank=True,
        help_text="If set, every argument must be an absolute path under one of these (e.g. /var/log/).",
    )
    denied_arguments = models.JSONField(
        default=list,
        blank=True,
        help_text="Options that write (e.g. --vacuum-size for journalctl, -K for ss): a command using one is not "
        "allowed by this rule. `--name` matches by prefix, `-K` also inside combined short options like `-tK`.",
    )
    auto_approve_tags = models.JSONField(default=list, blank=True, help_text="Server tags on which it runs unasked.")
    description = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if not self.program.strip() or any(c.isspace() or c in "/;|&$`<>()*?[]" for c in self.program.strip()):
            errors["program"] = "One plain program name (no path, spaces or shell characters)."
        paths = self.path_prefixes
        if not isinstance(paths, list) or not all(isinstance(p, str) and p.startswith("/") for p in paths):
            errors["path_prefixes"] = "A list of absolute path prefixes like /var/log/."
        denied = self.denied_arguments
        if not isinstance(denied, list) or not all(isinstance(d, str) and d.startswith("-") for d in denied):
            errors["denied_arguments"] = "A list of options like --vacuum-size or -K."
        tags = self.auto_approve_tags
        if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
            errors["auto_approve_tags"] = "A list of server tags."
        if errors:
            raise ValidationError(errors)


class RedactionPattern(models.Model):
    """A regular expression whose matches are masked in command output before it is stored or sent to a model."""

    name = models.CharField(max_length=100, unique=True)
    pattern = models.CharField(max_length=500)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        import re

        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise ValidationError({"pattern": f"Not a valid regular expression: {exc}"}) from exc
