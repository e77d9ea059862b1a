"""Runbook definitions: the editable runbook and steps, their immutable versions, and the command policy."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from runbooks import specs
from runbooks.choices import OnFailure, StepKind

WORKER_MARGIN_SECONDS = 60
IDENTIFIER = RegexValidator(
    r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
    "Use letters, digits and underscores, not starting with a digit (e.g. restart_nginx): no hyphens or spaces.",
)


def default_exit_codes() -> list[int]:
    return list(specs.EXPECTED_EXIT_CODES)


def default_statuses() -> list[int]:
    return list(specs.EXPECTED_STATUSES)


class Runbook(models.Model):
    """An ordered list of steps with parameters and guardrails; every save creates an immutable version."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    parameters = models.JSONField(default=list, blank=True, help_text="[{name, default, required, pattern}]")
    tags = models.JSONField(default=list, blank=True)
    timeout_seconds = models.PositiveIntegerField(
        default=specs.RUNBOOK_TIMEOUT_SECONDS,
        validators=[MinValueValidator(1)],
        help_text="Overall limit; must end before the worker's.",
    )
    max_parallel = models.PositiveSmallIntegerField(
        default=specs.MAX_PARALLEL,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Targets run at once.",
    )
    requires_approval = models.BooleanField(default=False)
    approval_timeout_seconds = models.PositiveIntegerField(
        default=specs.APPROVAL_TIMEOUT_SECONDS,
        validators=[MinValueValidator(60)],
        help_text="An unanswered approval request expires.",
    )
    verification_window_seconds = models.PositiveIntegerField(
        default=specs.VERIFICATION_WINDOW_SECONDS,
        help_text="A successful alert-triggered run counts as verified if the alert resolves within it.",
    )
    allowed_policy_rules = models.JSONField(
        default=list, blank=True, help_text="Names of overridable command-policy rules this runbook may break."
    )
    notification_channels = models.ManyToManyField(
        "remediation.NotificationChannel",
        blank=True,
        related_name="runbooks",
        help_text="Where this runbook's events are sent (none: the default channels).",
    )
    version = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = validate_parameters(self.parameters)
        if not isinstance(self.tags, list) or not all(isinstance(t, str) for t in self.tags):
            errors.append("tags must be a list of strings")
        if not isinstance(self.allowed_policy_rules, list):
            errors.append("allowed_policy_rules must be a list of rule names")
        if errors:
            raise ValidationError({"parameters": errors})
        # django-q2 kills a task at Q_TIMEOUT; the runbook must finish (and record why) well before that.
        limit = int(settings.Q_CLUSTER["timeout"]) - WORKER_MARGIN_SECONDS
        # clean() runs even when a field failed to parse, so the value may still be whatever was sent.
        if isinstance(self.timeout_seconds, int) and self.timeout_seconds > limit:
            raise ValidationError({"timeout_seconds": f"at most {limit}s (Q_TIMEOUT minus {WORKER_MARGIN_SECONDS}s)"})


def validate_parameters(parameters: Any) -> list[str]:
    """Problems with a runbook's parameter declarations (empty when they are fine)."""
    if not isinstance(parameters, list):
        return ["parameters must be a list"]
    errors: list[str] = []
    seen: set[str] = set()
    for item in parameters:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", name):
            errors.append(f"invalid parameter declaration {item!r}: needs an identifier 'name'")
            continue
        if name in seen:
            errors.append(f"parameter {name!r} is declared twice")
        seen.add(name)
        unknown = set(item) - {"name", "default", "required", "pattern", "description"}
        if unknown:
            errors.append(f"parameter {name!r}: unknown keys {sorted(unknown)}")
        pattern = item.get("pattern") or ""
        try:
            re.compile(pattern)
        except (re.error, TypeError):
            errors.append(f"parameter {name!r}: invalid pattern {pattern!r}")
    return errors


class Step(models.Model):
    """One step of a runbook: an SSH command on each target or an HTTP request, with its guardrails."""

    runbook = models.ForeignKey(Runbook, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=64, validators=[IDENTIFIER])
    kind = models.CharField(max_length=8, choices=StepKind.choices, default=StepKind.SSH)
    command = models.TextField(
        blank=True, help_text="ssh: the command template (each value travels as a shell variable, never as text)."
    )
    rollback_command = models.TextField(blank=True, help_text="ssh: undoes this step when a later step fails.")
    method = models.CharField(max_length=8, default=specs.HTTP_METHOD, blank=True)
    url = models.CharField(
        max_length=2000, blank=True, help_text="http: URL template (values encoded for their position, never the host)."
    )
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True, help_text="http: JSON body template (each value is a JSON value).")
    expected_statuses = models.JSONField(default=default_statuses, blank=True)
    credential = models.ForeignKey(
        "remediation.Credential",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="http: an API token (sent as Bearer) or basic-auth credential; never shown in plans or output.",
    )
    tls_verify = models.BooleanField(default=True, help_text="http: verify the server's TLS certificate.")
    once = models.BooleanField(default=False, help_text="http: send once per execution, not once per target.")
    expected_exit_codes = models.JSONField(default=default_exit_codes, blank=True)
    output_pattern = models.CharField(max_length=500, blank=True, help_text="Regex the output must match.")
    capture_as = models.CharField(max_length=64, blank=True, validators=[IDENTIFIER])
    condition = models.CharField(max_length=500, blank=True, help_text="Run only when this expression holds.")
    timeout_seconds = models.PositiveIntegerField(default=specs.STEP_TIMEOUT_SECONDS, validators=[MinValueValidator(1)])
    retries = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(10)])
    retry_backoff_seconds = models.FloatField(default=specs.RETRY_BACKOFF_SECONDS, validators=[MinValueValidator(0)])
    retry_on_failure = models.BooleanField(default=False, help_text="Also retry a non-zero exit / bad status.")
    on_failure = models.CharField(max_length=10, choices=OnFailure.choices, default=OnFailure.STOP)

    class Meta:
        ordering = ["runbook", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["runbook", "name"], name="runbooks_step_unique_name")]

    def __str__(self) -> str:
        return f"{self.runbook_id}:{self.position}:{self.name}"


class RunbookVersionQuerySet(models.QuerySet["RunbookVersion"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise ValidationError("Runbook versions are immutable.")


class RunbookVersion(models.Model):
    """A frozen copy of a runbook and its steps; executions run one of these, never the live definition."""

    runbook = models.ForeignKey(Runbook, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RunbookVersionQuerySet.as_manager()

    class Meta:
        ordering = ["runbook", "-number"]
        constraints = [models.UniqueConstraint(fields=["runbook", "number"], name="runbooks_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.runbook} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValidationError("Runbook versions are immutable.")
        super().save(*args, **kwargs)

    @cached_property
    def spec(self) -> specs.RunbookSpec:
        """The stored definition parsed once (a version is immutable, so the parse is too)."""
        return specs.RunbookSpec.from_json(self.definition)


class CommandPolicyRule(models.Model):
    """A blocked command pattern, checked at plan time and again right before a command runs."""

    name = models.CharField(max_length=64, unique=True, validators=[IDENTIFIER])
    pattern = models.CharField(max_length=500, help_text="Python regex searched in the rendered command.")
    description = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(default=True)
    overridable = models.BooleanField(default=False, help_text="A runbook may list this rule as allowed.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            re.compile(self.pattern)
        except (re.error, TypeError) as exc:
            raise ValidationError({"pattern": f"Invalid regex: {exc}"}) from exc
