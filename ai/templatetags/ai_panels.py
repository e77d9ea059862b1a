"""The AI panel of the alert detail page: analyses, "analyze", and the user's chat about the alert."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from ai.models import ChatSession
from ai.services.providers import enabled_providers
from remediation.permissions import ANALYZE_ALERT, EXECUTE_RUNBOOK, USE_CHAT, VIEW_ANALYSIS
from runbooks.models import Runbook

register = template.Library()


@register.inclusion_tag("ai/_alert_panel.html", takes_context=True)
def alert_ai_panel(context: template.Context, alert: Any) -> dict[str, Any]:
    """What the signed-in user may see and do about this alert's AI analysis and chat."""
    user = context["request"].user
    can_chat = user.has_perm(USE_CHAT)
    session = ChatSession.objects.filter(user=user, alert=alert).order_by("-id").first() if can_chat else None
    analyses = list(alert.analyses.order_by("-id")[:3]) if user.has_perm(VIEW_ANALYSIS) else []
    if user.has_perm(EXECUTE_RUNBOOK):
        _link_recommendations(analyses)
    return {
        "alert": alert,
        "analyses": analyses,
        "can_analyze": user.has_perm(ANALYZE_ALERT),
        "providers": enabled_providers() if user.has_perm(ANALYZE_ALERT) or can_chat else [],
        "can_chat": can_chat,
        "session": session,
        "csrf_token": context.get("csrf_token"),
    }


def _link_recommendations(analyses: list[Any]) -> None:
    """Each recommended runbook links to its page with the parameters filled in: the normal plan → request flow."""
    names = {a.recommended_runbook for a in analyses if a.recommended_runbook}
    ids = dict(Runbook.objects.filter(name__in=names, enabled=True).values_list("name", "pk"))
    for analysis in analyses:
        if analysis.recommended_runbook in ids:
            params = "\n".join(f"{k}={v}" for k, v in analysis.recommended_params.items())
            url = reverse("runbooks:detail", args=[ids[analysis.recommended_runbook]])
            analysis.request_url = f"{url}?{urlencode({'params': params})}"
