"""Chat sessions per user, their persisted messages and the runbook executions the assistant proposed."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ai.choices import MessageRole, MessageStatus, ProposalStatus


class ChatSession(models.Model):
    """One user's conversation with the assistant, optionally about an alert; only its owner may use it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_sessions")
    title = models.CharField(max_length=200, blank=True)
    alert = models.ForeignKey(
        "alerts.Alert", null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_sessions"
    )
    provider = models.ForeignKey("ai.Provider", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.title or f"Chat {self.pk}"


class ChatMessage(models.Model):
    """One persisted turn; an assistant reply is saved whole when it ends (complete, stopped or failed)."""

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=16, choices=MessageRole.choices)
    content = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=MessageStatus.choices, default=MessageStatus.COMPLETE)
    error = models.TextField(blank=True)
    model = models.CharField(max_length=200, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.role} message {self.pk} in chat {self.session_id}"


class ChatProposal(models.Model):
    """A runbook execution the assistant proposed (a tool call); nothing happens until the owner confirms it."""

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="proposals")
    message = models.ForeignKey(ChatMessage, on_delete=models.CASCADE, related_name="proposals")
    runbook_name = models.CharField(max_length=100)
    params = models.JSONField(default=dict, blank=True)
    targets = models.JSONField(default=list, blank=True, help_text="Server names the assistant suggested.")
    target_ids = models.JSONField(default=list, blank=True, help_text="The servers those names resolved to.")
    plan = models.JSONField(default=dict, blank=True, help_text="Dry-run plan shown to the user (secrets masked).")
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED)
    execution_id = models.BigIntegerField(null=True, blank=True, help_text="The execution request it created.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"proposal {self.pk}: {self.runbook_name} ({self.status})"
