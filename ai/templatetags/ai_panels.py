"""The AI panel of the alert detail page: analyses, "analyze", and the user's chat about the alert."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from ai.models import ChatSession
from ai.services.providers import enabled_providers
from remediation.permissions import ANALYZE_ALERT, EXECUTE_RUNBOOK, USE_CHAT, VIEW_ANALYSIS, VIEW_INVESTIGATION
from runbooks.models import Runbook

register = template.Library()


@register.inclusion_tag("ai/_alert_panel.html", takes_context=True)
def alert_ai_panel(context: template.Context, alert: Any) -> dict[str, Any]:
    """What the signed-in user may see and do about this alert's AI analysis and chat."""
    user = context["request"].user
    can_chat = user.has_perm(USE_CHAT)
    session = ChatSession.objects.filter(user=user, alert=alert).order_by("-id").first() if can_chat else None
    analyses = list(alert.analyses.order_by("-id")[:3]) if user.has_perm(VIEW_ANALYSIS) else []
    can_investigate = user.has_perm(EXECUTE_RUNBOOK)
    if can_investigate:
        _link_recommendations(analyses)
    investigations = alert.investigations.order_by("-id")[:5] if user.has_perm(VIEW_INVESTIGATION) else []
    return {
        "alert": alert,
        "analyses": analyses,
        "can_analyze": user.has_perm(ANALYZE_ALERT),
        "providers": enabled_providers() if user.has_perm(ANALYZE_ALERT) or can_chat or can_investigate else [],
        "can_investigate": can_investigate,
        "investigations": investigations,
        "goal": investigation_goal(alert),
        "can_chat": can_chat,
        "session": session,
        "csrf_token": context.get("csrf_token"),
    }


def investigation_goal(alert: Any) -> str:
    """The goal a new investigation of this alert starts with (the person may edit it)."""
    summary = (alert.annotations or {}).get("summary") or (alert.annotations or {}).get("description") or ""
    where = (alert.labels or {}).get("instance", "")
    goal = f"Find out why {alert.labels.get('alertname', 'this alert')} is firing" + (f" on {where}" if where else "")
    return f"{goal}: {summary}" if summary else f"{goal}."


def _link_recommendations(analyses: list[Any]) -> None:
    """Each recommended runbook links to its page with the parameters filled in: the normal plan → request flow."""
    names = {a.recommended_runbook for a in analyses if a.recommended_runbook}
    ids = dict(Runbook.objects.filter(name__in=names, enabled=True).values_list("name", "pk"))
    for analysis in analyses:
        if analysis.recommended_runbook in ids:
            # One `param.<name>` per value: the run form's own fields (a value may hold `=` or a line break).
            params = {f"param.{k}": v for k, v in (analysis.recommended_params or {}).items()}
            url = reverse("runbooks:detail", args=[ids[analysis.recommended_runbook]])
            analysis.request_url = f"{url}?{urlencode(params)}"
