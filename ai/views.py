"""Portal pages of the ai app: the chat (list, new, one session)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ai.models import ChatSession
from ai.services.chat import can_chat, create_session


@login_required
@permission_required("remediation.use_chat", raise_exception=True)
def chat_list(request: HttpRequest) -> HttpResponse:
    """The user's chat sessions, newest first."""
    sessions = ChatSession.objects.filter(user=request.user).order_by("-updated_at", "-id")[:100]
    return render(request, "ai/chat_list.html", {"sessions": sessions})


@login_required
@permission_required("remediation.use_chat", raise_exception=True)
@require_POST
def chat_new(request: HttpRequest) -> HttpResponse:
    """Start a session and open it."""
    session = create_session(request.user, title=request.POST.get("title", "").strip(), request=request)
    return redirect("ai:chat-session", session_id=session.pk)


@login_required
@permission_required("remediation.use_chat", raise_exception=True)
def chat_session(request: HttpRequest, session_id: int) -> HttpResponse:
    """One conversation; the page talks to /ws/chat/<id>/. Someone else's session is a 404."""
    session = get_object_or_404(ChatSession, pk=session_id)
    if not can_chat(request.user, session):
        raise Http404("No such chat.")
    return render(request, "ai/chat_session.html", {"session": session})
