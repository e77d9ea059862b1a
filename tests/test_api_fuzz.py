"""Fuzz the whole REST API from its own OpenAPI schema (schemathesis), as an Admin and as a Viewer.

Every generated request must get no 5xx, and every 4xx must be a JSON object with a `detail` naming the problem.
The seed and the example count are fixed (FUZZ_SEED, FUZZ_EXAMPLES), so a run is repeatable and bounded; CI runs
it on SQLite and on PostgreSQL. Operations that open network connections (testing a server's SSH connection,
fetching its host key, testing an AI provider) are left out: a fuzzer must never choose where traffic goes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import AlertFactory, CommandRequestFactory, ExecutionFactory, RuleFactory, ServerFactory
from tests.remediation.remediate import restart_runbook

FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20261206"))
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
NETWORK = {
    ("POST", "/api/v1/servers/{id}/test/"),
    ("POST", "/api/v1/servers/{id}/pin-host-key/"),
    ("POST", "/api/v1/ai/providers/{id}/test/"),
}


def _schema() -> Any:
    """The schema /api/schema/ serves (drf-spectacular's generator), loaded for schemathesis with the WSGI app."""
    document = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
    schema = schemathesis.openapi.from_dict(document)
    schema.app = get_wsgi_application()
    schema.config.seed = FUZZ_SEED  # schemathesis derives each operation's seed from this one
    # The coverage phase adds every boundary value it can think of, unbounded by max_examples: the run would grow
    # with the schema. Examples and FUZZ_EXAMPLES generated cases (valid and invalid ones) per operation and role.
    # FUZZ_COVERAGE=1 turns it on for a longer local exploration.
    schema.config.phases.coverage.enabled = os.environ.get("FUZZ_COVERAGE") == "1"
    return schema


schema = _schema()


def _fuzzed() -> Any:
    return schema.exclude(method="POST", path_regex=r"/(test|pin-host-key)/$")


def test_it_fuzzes_every_operation_of_the_schema_but_the_network_ones() -> None:
    every = {(m.upper(), path) for path, methods in schema.raw_schema["paths"].items() for m in methods}
    fuzzed = {(op.ok().method.upper(), op.ok().path) for op in _fuzzed().get_all_operations()}
    assert NETWORK <= every and not NETWORK & fuzzed and fuzzed == every - NETWORK
    assert len(fuzzed) >= 80  # 80 operations when this was written; the schema only grows


@pytest.fixture
def _connection_kept() -> Iterator[None]:
    """The WSGI app runs in the test's thread and transaction: like Django's test client, keep its connection open
    across requests (Django closes it when a request finishes, which would end the test's transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, _connection_kept) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A few real rows, so that some generated requests reach past the 404 of an unknown id."""
    server = ServerFactory(host_key="AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests", tags=["web"])
    runbook = restart_runbook()
    alert = AlertFactory()
    execution = ExecutionFactory(runbook=runbook, version=runbook.versions.get(), target_ids=[server.pk])
    return {
        "servers": server.pk,
        "runbooks": runbook.pk,
        "alerts": alert.pk,
        "executions": execution.pk,
        "rules": RuleFactory().pk,
        "investigations": CommandRequestFactory(investigation__server=server).investigation_id,
    }


def _aim(case: Any, world: dict[str, int]) -> None:
    """Point half of the cases with an `{id}` at a real row of that collection (deterministically, by the case)."""
    params = case.path_parameters or {}
    collection = case.path.split("/")[3] if case.path.startswith("/api/v1/") else ""
    if "id" in params and collection in world and hash(repr(case.body)) % 2 == 0:
        params["id"] = world[collection]


def _check(case: Any, response: Any) -> None:
    where = f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, where
    if 400 <= response.status_code < 500:
        body = response.json()
        assert isinstance(body, dict) and str(body.get("detail") or "").strip(), where


def _bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


@pytest.mark.parametrize("role", ["admin_user", "viewer"])
@_fuzzed().parametrize()
@hypothesis.settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=False,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)
@hypothesis.seed(FUZZ_SEED)
def test_it_answers_every_generated_request_without_a_server_error(case, role, world, request) -> None:  # type: ignore[no-untyped-def]
    assert (case.method, case.path) not in NETWORK
    _aim(case, world)
    user = request.getfixturevalue(role)
    response = case.call(headers=_bearer(user))
    _check(case, response)
