"""Background tasks of the ai app (django-q2; each message carries only ids)."""

from __future__ import annotations

from ai.choices import AnalysisStatus
from ai.services import analysis as analysis_service
from ai.services import investigation_loop
from ai.services import investigations as investigations_service
from ai.services import providers as providers_service
from alerts.models import ActionRequest
from alerts.services.actions import finish_action_request


def run_analysis(analysis_id: int) -> str:
    """Run one queued analysis; returns its final status (or why it did nothing)."""
    analysis = analysis_service.run_analysis(analysis_id)
    return analysis.status if analysis is not None else "not queued"


def run_investigation(investigation_id: int) -> str:
    """Advance one queued investigation until it ends or waits for a person; returns its status then."""
    investigation = investigation_loop.advance_investigation(investigation_id)
    return investigation.status if investigation is not None else "not queued"


def sweep_investigations() -> dict[str, int]:
    """Queue stale investigations again and end those past their time budget (scheduled every minute)."""
    return investigations_service.sweep_investigations()


def analyze_action_request(action_request_id: int) -> None:
    """A rule said `analyze`: analyse the episode (once) and report the outcome to the hand-off row."""
    request = ActionRequest.objects.select_related("alert", "rule").get(pk=action_request_id)
    rule_name = request.rule.name if request.rule else ""
    analysis = analysis_service.analysis_for_rule(request.alert, rule_name=rule_name)
    if analysis is None:
        finish_action_request(action_request_id, ok=True, note="The episode already has an analysis.")
        return
    done = analysis_service.run_analysis(analysis.pk) or analysis
    ok = done.status == AnalysisStatus.SUCCEEDED
    note = f"analysis {done.pk}: {done.status}" + (f" ({done.error_kind})" if done.error_kind else "")
    finish_action_request(action_request_id, ok=ok, note=note)


def check_provider_health() -> dict[str, str]:
    """Probe every enabled provider and record its health (a housekeeping job)."""
    return providers_service.check_provider_health()


def redispatch_queued_analyses() -> int:
    """Queue again analyses left queued past REDISPATCH_AFTER_SECONDS (scheduled every minute)."""
    return analysis_service.redispatch_queued()
