"""Analysis workflows: request (rule or operator), run (worker), each audited; the model can only recommend."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from ai.catalogue import runbook_catalogue
from ai.choices import AnalysisStatus, AnalysisTrigger
from ai.context import alert_context
from ai.llm import Completion, ProviderError
from ai.models import Analysis, Provider
from ai.privacy import known_secret_values, redact, sensitive_names
from ai.prompts import PROMPT_VERSION, analysis_messages
from ai.services.providers import complete_with_fallback, default_provider
from ai.validation import ParsedAnalysis, parse_analysis
from remediation.actors import Actor, user_of
from remediation.services.audit import record_event

RUN_TASK = "ai.tasks.run_analysis"
RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class AnalysisRateLimited(Exception):
    """The user asked for too many analyses; `retry_after` seconds until the window ends."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many analysis requests; try again in {retry_after} s.")
        self.retry_after = retry_after


def _check_rate(user_id: int) -> None:
    count, _, unit = settings.AI_ANALYSIS_RATE_LIMIT.partition("/")
    window = RATE_UNITS.get(unit[-1:], 3600) * int(unit[:-1] or 1)
    now = int(time.time())
    key = f"ai:analysis-rate:{user_id}:{now // window}"
    cache.add(key, 0, timeout=window)
    if cache.incr(key) > int(count):
        raise AnalysisRateLimited(retry_after=window - now % window)


def enqueue_analysis(analysis_id: int) -> None:
    """Queue one analysis after commit (the message carries only the id); a refusing broker is logged, not raised."""
    from remediation.jobs import enqueue_after_commit

    enqueue_after_commit(RUN_TASK, analysis_id, name_prefix="analysis-")


def redispatch_queued() -> int:
    """Queue again analyses still `queued` REDISPATCH_AFTER_SECONDS after they were created (a housekeeping job).

    Their message was refused by a broker outage or taken by a worker that died before claiming the row; the claim
    makes a duplicate harmless. Returns how many were sent.
    """
    from remediation.jobs import enqueue_many_now

    cutoff = timezone.now() - timedelta(seconds=settings.REDISPATCH_AFTER_SECONDS)
    stale = Analysis.objects.filter(status=AnalysisStatus.QUEUED, created_at__lt=cutoff).order_by("id")
    return enqueue_many_now(RUN_TASK, list(stale.values_list("id", flat=True)[:1000]), name_prefix="analysis-")


def _create(
    alert: Any, *, trigger: str, forced: bool, user: Any = None, provider: Provider | None = None
) -> Analysis | None:
    """A queued analysis, or None when the episode already has its one unforced analysis (even under a race)."""
    provider = provider or default_provider()
    try:
        with transaction.atomic():
            return Analysis.objects.create(
                alert=alert,
                trigger=trigger,
                forced=forced,
                requested_by=user,
                provider=provider,
                provider_name=provider.name if provider else "",
                model=provider.model if provider else "",
                prompt_version=PROMPT_VERSION,
            )
    except IntegrityError:
        return None


@transaction.atomic
def request_analysis(
    alert: Any, *, actor: Actor, force: bool = False, provider: Provider | None = None
) -> tuple[Analysis, bool]:
    """An operator asks (rate limited per user): (analysis, created); the episode's existing one unless forced.

    `provider` is the one the operator picked (enabled: see providers.chosen_provider); else the default."""
    user = user_of(actor)
    _check_rate(user.pk if user is not None else 0)
    existing = Analysis.objects.filter(alert=alert, forced=False).first()
    if existing is not None and not force:
        return existing, False
    analysis = _create(alert, trigger=AnalysisTrigger.MANUAL, forced=existing is not None, user=user, provider=provider)
    if analysis is None:  # a concurrent request created the episode's analysis first
        return Analysis.objects.get(alert=alert, forced=False), False
    after = {"alert": alert.pk, "forced": analysis.forced, "provider": analysis.provider_name}
    record_event(actor=actor, action="analysis.requested", obj=analysis, after=after)
    enqueue_analysis(analysis.pk)
    return analysis, True


def analysis_for_rule(alert: Any, *, rule_name: str) -> Analysis | None:
    """The rules asked (system actor): create the episode's analysis, or None when it already has one."""
    analysis = _create(alert, trigger=AnalysisTrigger.RULE, forced=False)
    if analysis is not None:
        record_event(
            actor=Actor.system(),
            action="analysis.requested",
            obj=analysis,
            after={"alert": alert.pk, "forced": False},
            reason=f"rule {rule_name}",
        )
    return analysis


def _finish(analysis: Analysis, status: str, **values: Any) -> Analysis:
    for name, value in {**values, "status": status, "finished_at": timezone.now()}.items():
        setattr(analysis, name, value)
    analysis.save()
    return analysis


def _usage(completion: Completion) -> dict[str, Any]:
    cost = completion.cost_usd
    return {
        "attempts": completion.attempts,
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": completion.completion_tokens,
        "cost_usd": Decimal(str(round(cost, 6))) if cost is not None else None,
        "latency_ms": completion.latency_ms,
        "raw_output": completion.content,
    }


def _result(parsed: ParsedAnalysis) -> dict[str, Any]:
    fields, recommendation = parsed.fields, parsed.fields.get("recommendation") or {}
    return {
        "summary": fields["summary"],
        "probable_cause": fields["probable_cause"],
        "impact": fields["impact"],
        "verification_commands": fields["verification_commands"],
        "recommended_runbook": recommendation.get("name", ""),
        "recommended_params": recommendation.get("params", {}),
        "recommendation_reason": recommendation.get("reason", ""),
        "confidence": fields["confidence"],
        "validation_errors": parsed.warnings,
    }


def run_analysis(analysis_id: int) -> Analysis | None:
    """Claim a queued analysis, ask the model, validate and store the answer; failures are recorded, never raised."""
    claimed = Analysis.objects.filter(pk=analysis_id, status=AnalysisStatus.QUEUED).update(
        status=AnalysisStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None  # delivered twice, or already done
    analysis = Analysis.objects.select_related("alert", "provider").get(pk=analysis_id)
    try:
        return _analyse(analysis)
    except Exception as exc:
        # A bug or an outage must not leave the row `running` forever; the task itself still fails loudly.
        _finish(analysis, AnalysisStatus.FAILED, error_kind="internal", error=f"{type(exc).__name__}")
        raise


def _analyse(analysis: Analysis) -> Analysis:
    provider = analysis.provider if analysis.provider and analysis.provider.enabled else default_provider()
    if provider is None:
        return _finish(analysis, AnalysisStatus.FAILED, error_kind="no_provider", error="No enabled AI provider.")
    analysis.provider, analysis.provider_name, analysis.model = provider, provider.name, provider.model
    catalogue, names, secrets = runbook_catalogue(), sensitive_names(), known_secret_values()
    messages = analysis_messages(
        redact(alert_context(analysis.alert), names=names, secrets=secrets),
        redact(catalogue, names=names, secrets=secrets),
    )
    try:
        completion, answered = complete_with_fallback(provider, messages)
    except ProviderError as exc:
        return _finish(analysis, AnalysisStatus.FAILED, error_kind=exc.kind, error=str(exc), attempts=exc.attempts)
    # The record names the model that answered: the fallback's when it stood in.
    analysis.provider, analysis.provider_name, analysis.model = answered, answered.name, answered.model
    parsed = parse_analysis(completion.content, {item["name"] for item in catalogue})
    if not parsed.valid:
        return _finish(analysis, AnalysisStatus.INVALID, validation_errors=parsed.errors, **_usage(completion))
    return _finish(analysis, AnalysisStatus.SUCCEEDED, **_usage(completion), **_result(parsed))
