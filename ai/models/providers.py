"""LLM providers (any LiteLLM model string) and the labels never sent to one."""

from __future__ import annotations

from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ai.choices import ProviderHealth
from remediation.models.secrets import EncryptedSecretField


class Provider(models.Model):
    """A LiteLLM model with its endpoint and limits; the API key is encrypted at rest and write-only."""

    name = models.CharField(max_length=100, unique=True)
    model = models.CharField(max_length=200, help_text="LiteLLM model string, e.g. openai/gpt-4o-mini, ollama/llama3.1")
    api_base = models.URLField(blank=True, help_text="Endpoint for self-hosted or OpenAI-compatible servers.")
    # Encrypted like credential secrets, so `manage.py rotate_encryption_key` re-encrypts it too.
    api_key = EncryptedSecretField(help_text="Write-only; encrypted with CRYPTOGRAPHY_KEY.")
    timeout_seconds = models.FloatField(default=60, validators=[MinValueValidator(1), MaxValueValidator(600)])
    temperature = models.FloatField(default=0.2, validators=[MinValueValidator(0), MaxValueValidator(2)])
    max_tokens = models.PositiveIntegerField(default=1024, validators=[MinValueValidator(16), MaxValueValidator(32768)])
    enabled = models.BooleanField(default=False)
    is_default = models.BooleanField(default=False, help_text="Used for analyses and new chats.")
    fallback = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fallback_for",
        help_text="Called once, with the same messages, when this provider times out, answers 429 or a 5xx.",
    )
    # Written by the health check (housekeeping) and by "test provider"; the error is masked before it is stored.
    health_status = models.CharField(max_length=16, choices=ProviderHealth.choices, default=ProviderHealth.UNKNOWN)
    health_checked_at = models.DateTimeField(null=True, blank=True)
    health_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    health_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True), name="ai_one_default")
        ]

    def __str__(self) -> str:
        return self.name

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        # Making a provider the default hands the role over (providers.save_provider, same transaction) instead of
        # failing form validation; the database constraint still guards against a race.
        super().validate_constraints(exclude={*(exclude or ()), "is_default"})

    def clean(self) -> None:
        if "/" not in self.model and not self.api_base:
            raise ValidationError({"model": "Use provider/model (e.g. openai/gpt-4o-mini) or set an API base."})
        if (problem := fallback_problem(self, self.fallback)) is not None:
            raise ValidationError({"fallback": problem})

    @property
    def api_key_status(self) -> str:
        return "set" if self.api_key else "not set"


def fallback_problem(provider: Provider, fallback: Provider | None) -> str | None:
    """Why `fallback` cannot be the fallback of `provider` (itself, or a chain leading back to it), else None."""
    if fallback is None:
        return None
    if provider.pk is not None and fallback.pk == provider.pk:
        return "A provider cannot be its own fallback."
    seen = {provider.pk}
    current: Provider | None = fallback
    while current is not None:
        if current.pk in seen:
            return f"{fallback} falls back (through its chain) to {provider}: that would be a cycle."
        seen.add(current.pk)
        current = current.fallback
    return None


class SensitiveLabel(models.Model):
    """A label or annotation name whose value is never sent to an LLM (replaced before the prompt leaves)."""

    name = models.CharField(max_length=200, unique=True, help_text="Compared case-insensitively.")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.name = self.name.strip().lower()
        super().save(*args, **kwargs)  # type: ignore[arg-type]
