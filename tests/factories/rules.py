"""Factories of rules, matchers, maintenance windows, webhook tokens, decisions and action requests."""

from __future__ import annotations

import datetime as dt
import secrets

import factory
from django.utils import timezone

from alerts.models import ActionRequest, Decision, Rule, RuleMatcher, WebhookToken, hash_token
from alerts.services.rules import invalidate_rules
from runbooks.models import MaintenanceWindow
from tests.factories.alerts import AlertFactory


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rule

    name = factory.Sequence(lambda n: f"rule-{n}")
    action = "record"
    scope_all_servers = True  # explicit, as migrated rules are; scoped rules pass False and their scope

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        rule = super()._create(model_class, *args, **kwargs)
        invalidate_rules()  # evaluation caches compiled rules; a test-made rule must be seen at once
        return rule


class RuleMatcherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RuleMatcher

    rule = factory.SubFactory(RuleFactory)
    name = "alertname"
    op = "="
    value = "DiskFull"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        matcher = super()._create(model_class, *args, **kwargs)
        invalidate_rules()
        return matcher


class MaintenanceWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaintenanceWindow

    name = factory.Sequence(lambda n: f"window-{n}")
    kind = "one_off"
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=1))


class WebhookTokenFactory(factory.django.DjangoModelFactory):
    """`raw` is not a model field: pass it to know the token, or read WebhookTokenFactory.raw_of(token)."""

    class Meta:
        model = WebhookToken
        exclude = ["raw"]

    name = factory.Sequence(lambda n: f"alertmanager-{n}")
    all_rules = True  # explicit, as migrated tokens are; scoped tokens pass False and their rules/servers
    all_servers = True
    raw = factory.LazyFunction(lambda: "rwh_" + secrets.token_urlsafe(32))
    token_hash = factory.LazyAttribute(lambda t: hash_token(t.raw))
    prefix = factory.LazyAttribute(lambda t: t.raw[:10])


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    alert = factory.SubFactory(AlertFactory)
    status = "firing"
    outcome = "no_match"


class ActionRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionRequest

    decision = factory.SubFactory(DecisionFactory)
    alert = factory.LazyAttribute(lambda r: r.decision.alert)
    kind = "analyze"
