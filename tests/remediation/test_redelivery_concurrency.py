"""Alertmanager redelivering the same firing payload 5 times at once (PostgreSQL) starts one execution; so do
five concurrent clicks on one suggestion."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client

from alerts.models import ActionRequest, Suggestion
from alerts.services.actions import dispatch_action_request
from alerts.services.remediate import SuggestionUsed, run_suggestion
from alerts.services.webhook_tokens import create_webhook_token
from remediation.actors import Actor
from runbooks.models import Execution
from tests.factories.inventory import ServerFactory
from tests.factories.terminal import grant
from tests.realparts import need_postgresql
from tests.remediation.remediate import am_payload, remediate_rule, restart_runbook

pytestmark = pytest.mark.django_db(transaction=True)
TIMES = 5


def _at_once(work: Callable[[int], object], times: int = TIMES) -> list[object]:
    """Run work(i) in `times` threads released together; each thread has its own database connection."""
    barrier = threading.Barrier(times)
    results: list[object] = [None] * times

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_it_starts_one_execution_for_five_concurrent_redeliveries(settings) -> None:  # type: ignore[no-untyped-def]
    need_postgresql()
    settings.WEBHOOK_RATE_LIMIT = "100000/m"
    ServerFactory(name="web-1", host_key="AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests")
    remediate_rule(restart_runbook())
    _, token = create_webhook_token(
        "parallel", actor=Actor.of("system"), scope={"all_rules": True, "all_servers": True}
    )
    body = json.dumps(am_payload("web-1:9100")).encode()

    def deliver(_: int) -> int:
        response = Client().post(
            "/hooks/alertmanager/", data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        return response.status_code

    assert _at_once(deliver) == [202] * TIMES
    request = ActionRequest.objects.get()  # one decision, one remediate request, whoever inserted the episode
    outcomes = _at_once(lambda _: dispatch_action_request(request.pk))  # the worker's message delivered 5 times
    assert sorted(outcomes) == ["already dispatched"] * (TIMES - 1) + ["dispatched"]
    assert Execution.objects.count() == 1


def test_it_lets_one_of_two_rules_racing_for_an_episode_start(settings) -> None:  # type: ignore[no-untyped-def]
    need_postgresql()
    ServerFactory(name="web-1", host_key="AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests")
    runbook = restart_runbook()
    remediate_rule(runbook, name="first", continue_matching=True, priority=1)
    remediate_rule(runbook, name="second", priority=2)  # another rule row: its lock does not serialise with the first
    _, token = create_webhook_token("race", actor=Actor.of("system"), scope={"all_rules": True, "all_servers": True})
    response = Client().post(
        "/hooks/alertmanager/",
        data=json.dumps(am_payload("web-1:9100")),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 202
    ids = list(ActionRequest.objects.order_by("id").values_list("pk", flat=True))
    _at_once(lambda i: dispatch_action_request(ids[i]), times=2)
    assert Execution.objects.count() == 1
    notes = sorted(ActionRequest.objects.values_list("note", flat=True))
    assert any("episode_active" in note for note in notes)


def test_it_starts_a_suggestion_once_for_five_concurrent_clicks(operator) -> None:  # type: ignore[no-untyped-def]
    need_postgresql()
    grant(operator, ServerFactory(name="web-1", host_key="AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests"))
    remediate_rule(restart_runbook(), mode="suggest")
    _, token = create_webhook_token("clicks", actor=Actor.of("system"), scope={"all_rules": True, "all_servers": True})
    Client().post(
        "/hooks/alertmanager/",
        data=json.dumps(am_payload("web-1:9100")),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    dispatch_action_request(ActionRequest.objects.get().pk)
    suggestion = Suggestion.objects.get()

    def click(_: int) -> str:
        try:
            return f"started #{run_suggestion(suggestion, actor=Actor.of(operator)).pk}"
        except SuggestionUsed:
            return "used"

    outcomes = _at_once(click)
    execution = Execution.objects.get()
    assert sorted(outcomes) == [f"started #{execution.pk}"] + ["used"] * (TIMES - 1)
    assert Suggestion.objects.get().execution == execution
