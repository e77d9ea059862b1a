"""LLM providers (any LiteLLM model string) and the labels never sent to one."""

from __future__ import annotations

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

    def clean(self) -> None:
        if "/" not in self.model and not self.api_base:
            raise ValidationError({"model": "Use provider/model (e.g. openai/gpt-4o-mini) or set an API base."})

    @property
    def api_key_status(self) -> str:
        return "set" if self.api_key else "not set"


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
