"""Chat workflows: sessions, a user turn and its streamed reply, proposals; everything audited and masked."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from ai.catalogue import runbook_catalogue
from ai.choices import AnalysisStatus, MessageRole, MessageStatus
from ai.context import alert_context
from ai.llm import Completion, ProviderConfig, count_tokens
from ai.models import ChatMessage, ChatProposal, ChatSession, Provider
from ai.privacy import known_secret_values, redact
from ai.prompts import chat_system_message, proposal_tool
from ai.services.proposals import create_proposal
from ai.services.providers import default_provider, fallback_of
from remediation.actors import Actor
from remediation.permissions import USE_CHAT
from remediation.redaction import mask_text
from remediation.services.audit import record_event
from runbooks.models import Execution

PROPOSAL_TOOL = "propose_runbook_execution"


class ChatUnavailable(Exception):
    """The chat cannot answer (no enabled provider, or a reply is already running)."""


def can_chat(user: User | AnonymousUser, session: ChatSession) -> bool:
    """Only the owner, and only while they hold the chat permission."""
    return bool(user.is_authenticated and session.user_id == user.pk and user.has_perm(USE_CHAT))


def create_session(user: User, *, title: str = "", alert: Any = None, provider: Provider | None = None) -> ChatSession:
    """A new session for `user`, optionally about an alert, with the provider they picked (enabled: see
    providers.chosen_provider) or the default one."""
    if not title and alert is not None:
        title = f"About {alert}"
    provider = provider or default_provider()
    session = ChatSession.objects.create(user=user, title=title[:200], alert=alert, provider=provider)
    after = {
        "title": session.title,
        "alert": alert.pk if alert is not None else None,
        "provider": provider.name if provider else None,
    }
    record_event(actor=Actor.of(user), action="chat.session_created", obj=session, after=after)
    return session


def session_context(session: ChatSession) -> dict[str, Any] | None:
    """The alert a session is about, with its latest usable analysis (before redaction)."""
    alert = session.alert
    if alert is None:
        return None
    context = alert_context(alert)
    analysis = alert.analyses.filter(status=AnalysisStatus.SUCCEEDED).order_by("-id").first()
    if analysis is not None:
        context["analysis"] = {
            "summary": analysis.summary,
            "probable_cause": analysis.probable_cause,
            "impact": analysis.impact,
            "recommended_runbook": analysis.recommended_runbook or None,
            "recommended_params": analysis.recommended_params,
        }
    context["recent_executions"] = recent_executions(alert)
    return context


def recent_executions(alert: Any) -> list[dict[str, Any]]:
    """The latest runbook executions started for this alert episode (what was already tried)."""
    rows = Execution.objects.filter(alert__fingerprint=alert.fingerprint).select_related("runbook").order_by("-id")
    return [
        {"runbook": e.runbook.name, "status": e.status, "trigger": e.trigger, "created_at": e.created_at}
        for e in rows[:5]
    ]


def trim_history(model: str, system: dict[str, Any], turns: list[dict[str, Any]], budget: int) -> list[dict[str, Any]]:
    """Drop the oldest turns until system + turns fit the token budget; the newest turn is always kept."""
    kept = list(turns)
    while len(kept) > 1 and count_tokens(model, [system, *kept]) > budget:
        kept.pop(0)
    return kept


@dataclass
class PreparedReply:
    """Everything the consumer needs to stream one reply."""

    assistant: ChatMessage
    config: ProviderConfig
    fallback: ProviderConfig | None
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None


@transaction.atomic
def start_reply(session: ChatSession, text: str, *, actor: Actor) -> PreparedReply:
    """Persist the user's turn (secrets masked), open an assistant message, and build the trimmed prompt."""
    provider = session.provider if session.provider and session.provider.enabled else default_provider()
    if provider is None:
        raise ChatUnavailable("No enabled AI provider is configured; ask an admin to set one up.")
    if session.messages.filter(status=MessageStatus.STREAMING).exists():
        raise ChatUnavailable("A reply is still being written; stop it first.")
    secrets = known_secret_values()
    user_turn = ChatMessage.objects.create(session=session, role=MessageRole.USER, content=mask_text(text, secrets))
    record_event(actor=actor, action="chat.message", obj=session, after={"role": "user", "content": user_turn.content})
    catalogue = redact(runbook_catalogue(), secrets=secrets)
    system = chat_system_message(redact(session_context(session), secrets=secrets), catalogue)
    history = session.messages.exclude(pk=user_turn.pk).filter(status=MessageStatus.COMPLETE).order_by("id")
    turns = [{"role": m.role, "content": m.content} for m in history if m.content]
    turns.append({"role": "user", "content": redact(user_turn.content, secrets=secrets)})
    turns = trim_history(provider.model, system, turns, settings.AI_CHAT_HISTORY_TOKENS)
    assistant = ChatMessage.objects.create(
        session=session, role=MessageRole.ASSISTANT, status=MessageStatus.STREAMING, model=provider.model
    )
    ChatSession.objects.filter(pk=session.pk).update(updated_at=timezone.now())
    names = [item["name"] for item in catalogue]
    return PreparedReply(
        assistant=assistant,
        config=ProviderConfig.from_provider(provider),
        fallback=ProviderConfig.from_provider(fallback) if (fallback := fallback_of(provider)) else None,
        messages=[system, *turns],
        tools=[proposal_tool(names)] if names else None,
    )


@transaction.atomic
def finish_reply(
    assistant: ChatMessage, *, text: str, status: str, completion: Completion | None = None, error: str = ""
) -> list[ChatProposal]:
    """Save the assembled reply (complete, cancelled or failed); tool calls become proposals awaiting the user."""
    secrets = known_secret_values()
    assistant.content = mask_text(text, secrets)
    assistant.status = status
    assistant.error = mask_text(error, secrets)[:2000]
    if completion is not None:
        assistant.model = completion.model  # the fallback's model when it stood in
        assistant.prompt_tokens = completion.prompt_tokens
        assistant.completion_tokens = completion.completion_tokens
        assistant.cost_usd = Decimal(str(round(completion.cost_usd, 6))) if completion.cost_usd is not None else None
    assistant.save()
    proposals = []
    for call in completion.tool_calls if completion is not None else []:
        if call.name == PROPOSAL_TOOL and (proposal := create_proposal(assistant, call.arguments)) is not None:
            proposals.append(proposal)
    record_event(
        actor=Actor.of(assistant.session.user),
        action="chat.reply",
        obj=assistant.session,
        after={"status": status, "content": assistant.content, "proposals": [p.runbook_name for p in proposals]},
        known_secrets=secrets,
    )
    return proposals
