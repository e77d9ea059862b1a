"""Portal pages of the terminal app: the terminal page per server, the sessions list and the player."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from remediation import grants
from remediation.middleware import csp_widen
from terminal.models import TerminalSession
from terminal.recordings import resolve
from terminal.services import sessions

# xterm.js styles its renderer with <style> elements it creates: inline styles here only (scripts stay strict).
XTERM_STYLES = csp_widen(style_src=["'unsafe-inline'"])


@require_safe
@login_required
@never_cache
@XTERM_STYLES
def terminal_page(request: HttpRequest, server_id: int) -> HttpResponse:
    """The browser terminal for one server (the WebSocket checks the same permission again)."""
    try:
        server = sessions.authorize_terminal(request.user, server_id)
    except sessions.TerminalDenied as denied:
        raise PermissionDenied(denied.message) from denied
    context = {
        "server": server,
        "idle_timeout": settings.TERMINAL_IDLE_TIMEOUT,
        "record_input": settings.TERMINAL_RECORD_INPUT,
    }
    return render(request, "terminal/terminal.html", context)


@require_safe
@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    """Sessions the user may see: their own, or everyone's for reviewers; others have no such page (403)."""
    if not (request.user.has_perm(grants.OPEN_PERM) or request.user.has_perm(sessions.REVIEW_PERM)):
        raise PermissionDenied
    visible = sessions.visible_sessions(request.user)
    page = Paginator(visible, 50).get_page(request.GET.get("page"))
    reviewer = request.user.has_perm(sessions.REVIEW_PERM)
    return render(request, "terminal/session_list.html", {"page": page, "reviewer": reviewer})


def _visible_session(request: HttpRequest, session_uuid: str) -> TerminalSession:
    return get_object_or_404(sessions.visible_sessions(request.user), uuid=session_uuid)


@require_safe
@login_required
@XTERM_STYLES
def session_detail(request: HttpRequest, session_uuid: str) -> HttpResponse:
    """A session's record and its replay."""
    session = _visible_session(request, session_uuid)
    return render(request, "terminal/session_detail.html", {"session": session})


@require_safe
@login_required
@never_cache
def session_recording(request: HttpRequest, session_uuid: str) -> FileResponse:
    """The asciicast v2 file of a session."""
    session = _visible_session(request, session_uuid)
    if not session.has_recording:
        raise Http404("This session has no recording (purged or never written).")
    path = resolve(session.recording_path)
    if not path.is_file():
        raise Http404("The recording file is missing.")
    response = FileResponse(path.open("rb"), content_type="application/x-asciicast")
    response["Content-Disposition"] = f'inline; filename="{session.uuid}.cast"'
    return response
