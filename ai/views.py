"""Portal pages of the ai app: "analyze" on an alert, and the chat (list, new, one session)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from ai.models import ChatSession
from ai.services.analysis import AnalysisRateLimited, request_analysis
from ai.services.chat import can_chat, create_session
from ai.services.providers import ProviderUnavailable, chosen_provider, enabled_providers
from alerts.models import Alert
from remediation.actors import Actor
from remediation.net import AuthenticatedHttpRequest
from remediation.permissions import ANALYZE_ALERT, EXECUTE_RUNBOOK, USE_CHAT


@login_required
@permission_required(ANALYZE_ALERT, raise_exception=True)
@require_POST
def alert_analyze(request: HttpRequest, alert_id: int) -> HttpResponse:
    """The portal's "Analyze" button (same service, rate limit and audit as the API)."""
    alert = get_object_or_404(Alert, pk=alert_id)
    try:
        provider = chosen_provider(request.POST.get("provider"))
        _, created = request_analysis(
            alert, actor=Actor.of(request.user), force=bool(request.POST.get("force")), provider=provider
        )
        messages.success(request, "Analysis queued." if created else "This episode already has an analysis.")
    except (AnalysisRateLimited, ProviderUnavailable) as exc:
        messages.error(request, str(exc))
    return redirect("alerts:detail", pk=alert.pk)


@require_safe
@login_required
@permission_required(USE_CHAT, raise_exception=True)
def chat_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's chat sessions, newest first."""
    sessions = ChatSession.objects.filter(user=request.user).order_by("-updated_at", "-id")[:100]
    return render(request, "ai/chat_list.html", {"sessions": sessions, "providers": enabled_providers()})


@login_required
@permission_required(USE_CHAT, raise_exception=True)
@require_POST
def chat_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Start a session and open it."""
    alert_id = request.POST.get("alert", "")
    alert = get_object_or_404(Alert, pk=int(alert_id)) if alert_id.isdigit() else None
    try:
        provider = chosen_provider(request.POST.get("provider"))
    except ProviderUnavailable as exc:
        messages.error(request, str(exc))
        return redirect("alerts:detail", pk=alert.pk) if alert is not None else redirect("ai:chat")
    session = create_session(request.user, title=request.POST.get("title", "").strip(), alert=alert, provider=provider)
    if alert is not None:
        return redirect("alerts:detail", pk=alert.pk)
    return redirect("ai:chat-session", session_id=session.pk)


@require_safe
@login_required
@permission_required(USE_CHAT, raise_exception=True)
def chat_session(request: HttpRequest, session_id: int) -> HttpResponse:
    """One conversation; the page talks to /ws/chat/<id>/. Someone else's session is a 404."""
    session = get_object_or_404(ChatSession, pk=session_id)
    if not can_chat(request.user, session):
        raise Http404("No such chat.")
    can_investigate = request.user.has_perm(EXECUTE_RUNBOOK)  # hand the alert over to an investigation
    return render(request, "ai/chat_session.html", {"session": session, "can_investigate": can_investigate})
