"""Runbook metrics at /metrics: executions by status and trigger, step duration histogram, queue lag."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import StepRunFactory
from tests.factories.runbooks import execution_of

pytestmark = pytest.mark.django_db


def test_it_exports_execution_metrics_from_the_database() -> None:
    execution_of({"steps": []}, trigger="alert")
    StepRunFactory(execution=execution_of({"steps": []}, status="failed"), duration_seconds=0.3)
    body = Client().get("/metrics").content.decode()
    assert 'remediation_executions{status="pending",trigger="alert"} 1.0' in body
    assert 'remediation_executions{status="failed",trigger="manual"} 1.0' in body
    assert 'remediation_step_duration_seconds_bucket{le="0.5"} 1.0' in body
    assert "remediation_execution_queue_lag_seconds " in body
