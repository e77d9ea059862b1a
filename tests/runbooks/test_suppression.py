"""The one suppression check (runbooks.services.guardrails.Suppressor), as the alert decision, a manual run and a
schedule all ask it: the same window answers each the same way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from alerts.services.decisions import simulate_alert
from remediation.actors import Actor
from remediation.choices import SuppressionReason
from runbooks.services.guardrails import Suppressor, server_labels
from runbooks.services.maintenance import set_kill_switch
from tests.factories.inventory import ServerFactory
from tests.factories.rules import MaintenanceWindowFactory, RuleFactory
from tests.remediation.remediate import restart_runbook

pytestmark = pytest.mark.django_db
DB_WINDOW = [{"name": "instance", "op": "=~", "value": "db-.*"}]


def test_it_matches_a_window_on_any_one_of_the_label_sets() -> None:
    window = MaintenanceWindowFactory(name="db patching", matchers=DB_WINDOW)
    db, web = ServerFactory(name="db-1"), ServerFactory(name="web-1")
    suppressor = Suppressor(timezone.now())
    assert suppressor.open_window(server_labels([web.pk])) is None
    assert suppressor.open_window(server_labels([web.pk, db.pk])) == window
    assert suppressor.suppression([{"instance": "db-1:9100"}]) == (
        SuppressionReason.MAINTENANCE,
        f"maintenance window 'db patching' (id {window.pk})",
    )


def test_it_ignores_windows_that_are_closed_or_disabled() -> None:
    now = timezone.now()
    MaintenanceWindowFactory(matchers=DB_WINDOW, enabled=False)
    MaintenanceWindowFactory(
        matchers=DB_WINDOW, starts_at=now - dt.timedelta(hours=2), ends_at=now - dt.timedelta(hours=1)
    )
    assert Suppressor(now).suppression([{"instance": "db-1"}]) is None


def test_it_puts_the_kill_switch_before_any_window(admin_user) -> None:  # type: ignore[no-untyped-def]
    MaintenanceWindowFactory(matchers=DB_WINDOW)
    set_kill_switch(True, reason="incident", actor=Actor.of(admin_user))
    assert Suppressor(timezone.now()).suppression([{"instance": "db-1"}]) == (
        SuppressionReason.KILL_SWITCH,
        "kill switch engaged: incident",
    )


def test_it_gives_the_alert_decision_the_same_answer(admin_user) -> None:  # type: ignore[no-untyped-def]
    window = MaintenanceWindowFactory(name="db patching", matchers=DB_WINDOW)
    RuleFactory(name="restart", action="remediate", runbook=restart_runbook())
    simulated = simulate_alert({"alertname": "Down", "instance": "db-1:9100"}, {}, "firing")
    assert simulated["suppressions"][0]["detail"] == f"maintenance window 'db patching' (id {window.pk})"
    assert simulate_alert({"alertname": "Down", "instance": "web-1:9100"}, {}, "firing")["queued"] == ["remediate"]
