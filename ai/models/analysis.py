"""AI analyses of alert episodes: a run is a row, with its structured result, raw answer, usage and status."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ai.choices import AnalysisStatus, AnalysisTrigger


class Analysis(models.Model):
    """One analysis of one alert episode; at most one unforced analysis per episode (database constraint)."""

    alert = models.ForeignKey("alerts.Alert", on_delete=models.CASCADE, related_name="analyses")
    status = models.CharField(
        max_length=16, choices=AnalysisStatus.choices, default=AnalysisStatus.QUEUED, db_index=True
    )
    trigger = models.CharField(max_length=16, choices=AnalysisTrigger.choices)
    forced = models.BooleanField(default=False, help_text="Requested again although the episode had one.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    provider = models.ForeignKey("ai.Provider", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    provider_name = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=200, blank=True)
    prompt_version = models.CharField(max_length=32, blank=True)
    # The structured result (filled only from an answer that passed validation).
    summary = models.TextField(blank=True)
    probable_cause = models.TextField(blank=True)
    impact = models.TextField(blank=True)
    verification_commands = models.JSONField(default=list, blank=True)
    recommended_runbook = models.CharField(max_length=100, blank=True)
    recommended_params = models.JSONField(default=dict, blank=True)
    recommendation_reason = models.TextField(blank=True)
    confidence = models.FloatField(null=True, blank=True)
    # What came back, kept even when it is not valid; why it is not; what went wrong.
    raw_output = models.TextField(blank=True)
    validation_errors = models.JSONField(default=list, blank=True)
    error_kind = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "analyses"
        constraints = [
            models.UniqueConstraint(
                fields=["alert"], condition=models.Q(forced=False), name="ai_analysis_one_per_episode"
            )
        ]
        indexes = [models.Index(fields=["provider_name", "model"])]

    def __str__(self) -> str:
        return f"analysis {self.pk} of alert {self.alert_id} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (AnalysisStatus.SUCCEEDED, AnalysisStatus.INVALID, AnalysisStatus.FAILED)
