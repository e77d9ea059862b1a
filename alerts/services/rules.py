"""Rules: the compiled, cached rule set; evaluation; simulation and replay; audited changes."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from alerts.models import Rule, RuleMatcher
from remediation.actors import Actor
from remediation.choices import RuleAction, StatusFilter
from remediation.matchers import Matcher, compile_matcher
from remediation.services.audit import diff, record_event, snapshot

logger = logging.getLogger(__name__)
VERSION_KEY = "remediation:rules:version"
_lock = threading.Lock()


class _CompiledRules(TypedDict):
    version: str | None
    rules: tuple[CompiledRule, ...]
    checked_at: float


_compiled: _CompiledRules = {"version": None, "rules": (), "checked_at": 0.0}
# How long a process trusts its compiled rules before asking the shared cache for the version again. A change made
# in this process is seen at once (invalidate_rules resets the copy); one made elsewhere within this many seconds.
RECHECK_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule with its matchers compiled, as evaluation sees it."""

    id: int
    name: str
    priority: int
    status_filter: str
    action: str
    continue_matching: bool
    matchers: tuple[Matcher, ...]
    sources: frozenset[str] = frozenset()

    def hears(self, source: str | None) -> bool:
        """Whether alerts from `source` may reach this rule (None: the source is not known, e.g. a simulation)."""
        return source is None or not self.sources or source in self.sources


@dataclass(slots=True)
class Verdict:
    """What the rules say about one alert in one status; `steps` explains it when asked for."""

    matched: list[CompiledRule] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    @property
    def ignored(self) -> bool:
        return any(rule.action == RuleAction.IGNORE for rule in self.matched)

    @property
    def action(self) -> str:
        return self.matched[0].action if self.matched else ""


def invalidate_rules() -> None:
    """Make every process recompile the rule set on its next evaluation (call after commit)."""
    with _lock:
        _compiled["version"] = None
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    except Exception:  # the shared cache (Redis) is down; readers then recompile on every call, see below
        logger.warning("could not bump the rule-set version in the cache", exc_info=True)


def _cached_version() -> str | None:
    try:
        version: str | None = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, None)
            version = cache.get(VERSION_KEY)
        return version
    except Exception:  # no shared cache: never trust the compiled copy, recompile from the database instead
        logger.warning("rule-set version unavailable; recompiling rules for this call", exc_info=True)
        return None


def _load_rules() -> tuple[CompiledRule, ...]:
    rules = Rule.objects.filter(enabled=True).prefetch_related("matchers").order_by("priority", "id")
    return tuple(compile_rule(rule) for rule in rules)


def active_rules() -> tuple[CompiledRule, ...]:
    """The enabled rules in evaluation order, compiled once per change (at most one cache read a second)."""
    now = time.monotonic()
    with _lock:
        if _compiled["version"] is not None and now - _compiled["checked_at"] < RECHECK_SECONDS:
            return _compiled["rules"]
    version = _cached_version()
    with _lock:
        if _compiled["version"] != version or version is None:
            _compiled["rules"] = _load_rules()
            _compiled["version"] = version
        _compiled["checked_at"] = now
        return _compiled["rules"]


def evaluate(
    rules: tuple[CompiledRule, ...] | list[CompiledRule],
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    status: str,
    *,
    explain: bool = False,
    source: str | None = None,
) -> Verdict:
    """Walk the rules in order: first match wins unless it says continue; an ignore match always ends the walk.

    A rule that names sources hears only alerts from those sources.
    """
    verdict = Verdict()
    for rule in rules:
        if not rule.hears(source):
            if explain:
                verdict.steps.append(f"{rule.name}: skipped, it hears only sources {sorted(rule.sources)}")
            continue
        if rule.status_filter not in (StatusFilter.ANY, status):
            if explain:
                verdict.steps.append(f"{rule.name}: skipped, it applies to {rule.status_filter} alerts only")
            continue
        failed = next((m for m in rule.matchers if not m.matches(labels, annotations)), None)
        if failed is not None:
            if explain:
                values = annotations if failed.target == "annotation" else labels
                verdict.steps.append(f"{rule.name}: {failed} does not hold (value {values.get(failed.name, '')!r})")
            continue
        verdict.matched.append(rule)
        if explain:
            verdict.steps.append(f"{rule.name}: matched, action {rule.action}")
        if rule.action == RuleAction.IGNORE or not rule.continue_matching:
            break
    if explain and not verdict.matched:
        verdict.steps.append("no rule matched: the alert is stored and recorded, nothing else happens")
    return verdict


def compile_rule(rule: Rule) -> CompiledRule:
    """Compile one stored rule (enabled or not), e.g. to replay it."""
    return CompiledRule(
        id=rule.pk,
        name=rule.name,
        priority=rule.priority,
        status_filter=rule.status_filter,
        action=rule.action,
        continue_matching=rule.continue_matching,
        matchers=tuple(compile_matcher(m.name, m.op, m.value, m.target) for m in rule.matchers.all()),
        sources=frozenset(rule.sources or ()),
    )


def replay_rule(rule: Rule, *, days: int) -> dict[str, Any]:
    """What `rule` would have done to the alerts that started in the last `days` days (counts by outcome)."""
    alert_model = apps.get_model("alerts", "Alert")
    since = timezone.now() - dt.timedelta(days=days)
    alone = (compile_rule(rule),)
    in_order = [r for r in active_rules() if r.id != rule.pk]
    in_order.append(alone[0])
    in_order.sort(key=lambda r: (r.priority, r.id))
    counts: Counter[str] = Counter()
    rows = alert_model.objects.filter(starts_at__gte=since).values_list("labels", "annotations", "status")
    for labels, notes, status in rows.iterator(chunk_size=2000):
        counts["alerts"] += 1
        if not evaluate(alone, labels, notes, status).matched:
            counts["not_matched"] += 1
            continue
        counts["matched"] += 1
        counts[f"would_{rule.action}"] += 1
        if any(r.id == rule.pk for r in evaluate(in_order, labels, notes, status).matched):
            counts["reached_in_rule_order"] += 1
    keys = ("alerts", "matched", "not_matched", "reached_in_rule_order", f"would_{rule.action}")
    return {"rule": rule.pk, "days": days, "since": since.isoformat(), **{k: counts.get(k, 0) for k in keys}}


RULE_FIELDS = (
    "name",
    "description",
    "enabled",
    "priority",
    "status_filter",
    "action",
    "continue_matching",
    "runbook",
    "mode",
    "target_source",
    "target_servers",
    "target_tag",
    "parameters",
    "sources",
    "scope_all_servers",
    "scope_tags",
    "scope_servers",
    "notification_channels",
    "cooldown_seconds",
    "max_per_hour",
    "breaker_threshold",
    "breaker_window_seconds",
    "breaker_cooloff_seconds",
)


def rule_snapshot(rule: Rule) -> dict[str, Any]:
    """The audited shape of a rule: its fields plus its matchers as text."""
    data = snapshot(rule, fields=RULE_FIELDS)
    # Read from the table, not rule.matchers.all(): a prefetched copy would be stale right after a replace.
    matchers = RuleMatcher.objects.filter(rule_id=rule.pk).order_by("id") if rule.pk else []
    data["matchers"] = [str(m) for m in matchers]
    return data


@transaction.atomic
def save_rule(
    rule: Rule,
    matchers: list[dict[str, str]] | None,
    *,
    actor: Actor,
    target_servers: list[Any] | None = None,
    scope_servers: list[Any] | None = None,
    notification_channels: list[Any] | None = None,
) -> Rule:
    """Create or update a rule and (when given) replace its matchers, servers, scope and channels; audited."""
    created = rule.pk is None
    before = None if created else rule_snapshot(Rule.objects.get(pk=rule.pk))
    rule.full_clean()
    rule.save()
    if matchers is not None:
        rule.matchers.all().delete()
        for item in matchers:
            matcher = RuleMatcher(rule=rule, **item)
            matcher.full_clean(exclude=["rule"])
            matcher.save()
    if target_servers is not None:
        rule.target_servers.set(target_servers)
    if scope_servers is not None:
        rule.scope_servers.set(scope_servers)
    if notification_channels is not None:
        rule.notification_channels.set(notification_channels)
    record_rule_saved(rule, before, actor=actor)
    return rule


def record_rule_saved(rule: Rule, before: dict[str, Any] | None, *, actor: Actor) -> None:
    """Audit a rule change (`rule.created` / `rule.updated`) and invalidate compiled rules after commit."""
    after = rule_snapshot(rule)
    old, new = diff(before, after)
    action = "rule.created" if before is None else "rule.updated"
    record_event(actor=actor, action=action, obj=rule, before=old, after=new)
    transaction.on_commit(invalidate_rules)


@transaction.atomic
def delete_rule(rule: Rule, *, actor: Actor) -> None:
    """Delete a rule (its decisions keep the rule's name); audited."""
    before = rule_snapshot(rule)
    record_event(actor=actor, action="rule.deleted", obj=rule, before=before)
    rule.delete()
    transaction.on_commit(invalidate_rules)
