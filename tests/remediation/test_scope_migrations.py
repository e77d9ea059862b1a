"""Upgrading to scopes keeps every row: old tokens and rules keep their behaviour, explicitly; episodes keep theirs."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("remediation", "0011_run_on_any_server"), ("alerts", "0002_alert_resolved_batch")]
AFTER = [("remediation", "0012_scopes"), ("alerts", "0003_episode_per_source")]


@pytest.mark.django_db(transaction=True)
def test_it_migrates_tokens_rules_and_episodes_keeping_their_behaviour() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    old.get_model("remediation", "WebhookToken").objects.create(name="am-prod", token_hash="0" * 64, prefix="rwh_x")
    old.get_model("remediation", "Rule").objects.create(name="restart", action="remediate")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    old.get_model("alerts", "Alert").objects.create(
        fingerprint="f1",
        starts_at=now,
        status="firing",
        source="am-prod",
        first_received_at=now,
        last_received_at=now,
        batch_id=uuid.uuid4(),
    )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    token = new.get_model("remediation", "WebhookToken").objects.get()
    assert token.all_rules and token.all_servers and token.name == "am-prod"
    assert new.get_model("remediation", "Rule").objects.get().scope_all_servers
    alert_model = new.get_model("alerts", "Alert")
    assert alert_model.objects.get().source == "am-prod"
    # The same fingerprint and startsAt from another source is another episode now.
    alert_model.objects.create(
        fingerprint="f1",
        starts_at=now,
        status="firing",
        source="team-b",
        first_received_at=now,
        last_received_at=now,
        batch_id=uuid.uuid4(),
    )
    assert alert_model.objects.count() == 2
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
