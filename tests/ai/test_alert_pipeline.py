"""The rules' `analyze` action through the real webhook and the queued hand-off: the model never holds up intake."""

from __future__ import annotations

import json

import pytest

from ai.models import Analysis
from alerts.models import ActionRequest, Alert
from alerts.services.actions import dispatch_action_request
from tests.factories import RuleFactory, RuleMatcherFactory
from tests.llm_server import LLMServer, Reply
from tests.webhooks import payload

pytestmark = pytest.mark.django_db

ANSWER = {
    "summary": "Node exporter down.",
    "probable_cause": "c",
    "impact": "i",
    "verification_commands": ["systemctl status node_exporter"],
    "recommended_runbook": None,
    "confidence": 0.6,
}


@pytest.fixture
def analyze_everything() -> None:
    rule = RuleFactory(name="analyze-all", action="analyze")
    RuleMatcherFactory(rule=rule, name="alertname", op="=~", value=".+")


def _deliver(post_hook, capture, task_queue) -> list[dict]:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        response = post_hook(payload("am_firing_3alerts"))
    assert response.status_code == 202
    return [t for t in task_queue() if t["func"] == "alerts.tasks.dispatch_action_request"]


def test_it_accepts_alerts_before_the_model_is_asked_and_records_failures(  # type: ignore[no-untyped-def]
    post_hook, task_queue, django_capture_on_commit_callbacks, analyze_everything, provider, llm_server: LLMServer
) -> None:
    llm_server.default = Reply(status=500)  # the provider is down for the whole test
    queued = _deliver(post_hook, django_capture_on_commit_callbacks, task_queue)
    assert len(queued) == 3 and llm_server.requests == []  # intake answered; no model call happened inline
    for task in queued:  # what the worker does with each queued message
        dispatch_action_request(*task["args"])
    assert set(Analysis.objects.values_list("status", "error_kind", "attempts")) == {("failed", "server_error", 3)}
    assert len(llm_server.requests) == 9
    assert set(ActionRequest.objects.values_list("status", flat=True)) == {"failed"}
    assert set(Alert.objects.values_list("status", flat=True)) == {"firing"}
    # Alertmanager repeats the same notification: still accepted, no second analysis per episode.
    assert post_hook(payload("am_firing_3alerts")).status_code == 202
    assert Analysis.objects.count() == 3


def test_it_analyses_each_episode_once_through_the_rule(  # type: ignore[no-untyped-def]
    post_hook, task_queue, django_capture_on_commit_callbacks, analyze_everything, provider, llm_server: LLMServer
) -> None:
    llm_server.push(Reply(status=429))
    llm_server.default = Reply(content=json.dumps(ANSWER))
    for task in _deliver(post_hook, django_capture_on_commit_callbacks, task_queue):
        dispatch_action_request(*task["args"])
        dispatch_action_request(*task["args"])  # a redelivered message does nothing
    assert Analysis.objects.filter(status="succeeded", trigger="rule").count() == 3
    assert len(llm_server.requests) == 4  # one 429 retried, then one call per episode
    assert set(ActionRequest.objects.values_list("status", flat=True)) == {"done"}
