"""The HTTP placement matrix against the real local HTTP server, through save, request and the runner: for every
placement (URL path, URL query, header, JSON value, inside a JSON string) × every hostile value, from an alert label
and from a runbook parameter, the server receives the literal value in that place, or the runbook was refused
(when saved, or when planned for a value that placement cannot carry) and the server received nothing.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest

from remediation.actors import Actor
from runbooks.choices import ExecutionStatus
from runbooks.services.definitions import DefinitionError, save_runbook
from runbooks.services.execute import ExecutionRefused, request_execution
from runbooks.services.runner import run_execution

pytestmark = pytest.mark.django_db

HOSTILE = [
    "$(touch /tmp/x)",
    "`id`",
    "x'; echo '",
    'x"; echo "',
    "x\nEOF\ny",
    "; | && >",
    "{{ 7*7 }}",
    "{% for i in range(3) %}{{ i }}{% endfor %}",
    "../../admin",
    "a/b",
    "?x=1&y=2",
    "#frag",
    "a b+c%20",
    "..",
    "x\r\nX-Injected: 1",
    '", "admin": true, "x": "',
    "back\\slash",
]


def _path(request: dict[str, Any]) -> str:
    return urllib.parse.unquote(request["path"].split("?")[0].removeprefix("/echo/"))


def _query(request: dict[str, Any]) -> list[str]:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(request["path"]).query, keep_blank_values=True).get("q", [])


# placement → (step fields with {{ v }} for the placeholder, what the server received there)
PLACEMENTS: dict[str, tuple[dict[str, Any], Any]] = {
    "URL path": ({"url": "{base}/echo/{{ v }}"}, _path),
    "URL query": ({"url": "{base}/echo?q={{ v }}&fixed=1"}, lambda r: _query(r)),
    "header": ({"url": "{base}/echo", "headers": {"X-Value": "v={{ v }}"}}, lambda r: r["headers"].get("X-Value")),
    "JSON value": (
        {"url": "{base}/echo", "method": "POST", "body": '{"v": {{ v }}, "n": 1}'},
        lambda r: json.loads(r["body"]),
    ),
    "inside a JSON string": (
        {"url": "{base}/echo", "method": "POST", "body": '{"v": "pre {{ v }}"}'},
        lambda r: json.loads(r["body"]),
    ),
}
EXPECTED = {
    "URL path": lambda v: v,
    "URL query": lambda v: [v],
    "header": lambda v: f"v={v}",
    "JSON value": lambda v: {"v": v, "n": 1},
    "inside a JSON string": lambda v: {"v": f"pre {v}"},
}
# Values a placement cannot carry: refused when planned (the request is never sent).
CANNOT_CARRY = {"URL path": {".."}, "header": {"x\nEOF\ny", "x\r\nX-Injected: 1"}}


def _step(placement: str, base: str, expression: str) -> dict[str, Any]:
    fields = json.loads(json.dumps(PLACEMENTS[placement][0]).replace("{{ v }}", "{{ " + expression + " }}"))
    fields["url"] = fields["url"].replace("{base}", base)
    return {"name": "call", "kind": "http", **fields}


@pytest.mark.parametrize("source", ["alert", "params"])
@pytest.mark.parametrize("placement", PLACEMENTS)
def test_the_server_receives_each_value_literally_in_its_place(http_server, admin_user, source, placement) -> None:  # type: ignore[no-untyped-def]
    expression = "alert.labels.v" if source == "alert" else "params.v"
    runbook = save_runbook(
        {"name": "h", "parameters": [{"name": "v"}], "steps": [_step(placement, http_server.base, expression)]},
        actor=Actor.of(admin_user),
    )
    received = PLACEMENTS[placement][1]
    for value in HOSTILE:
        http_server.requests.clear()
        given = {"alert": {"labels": {"v": value}}} if source == "alert" else {"params": {"v": value}}
        refused: ExecutionRefused | None = None
        try:
            execution = request_execution(runbook, actor=Actor.of(admin_user), **given)  # type: ignore[arg-type]
        except ExecutionRefused as exc:
            refused = exc
        if refused is not None:
            assert value in CANNOT_CARRY.get(placement, set()), (value, refused.problems)
            assert http_server.requests == []
            continue
        assert value not in CANNOT_CARRY.get(placement, set()), value
        run_execution(execution.pk)
        execution.refresh_from_db()
        assert execution.status == ExecutionStatus.SUCCEEDED, (value, execution.status_reason)
        [request] = http_server.requests
        assert received(request) == EXPECTED[placement](value), (placement, value, request)
        assert "X-Injected" not in request["headers"]


@pytest.mark.parametrize("expression", ["alert.labels.v", "params.v", "steps.first.output", "vars.out"])
def test_it_refuses_a_url_host_chosen_by_a_value(http_server, admin_user, expression) -> None:  # type: ignore[no-untyped-def]
    step = {"name": "call", "kind": "http", "url": "http://{{ " + expression + " }}:" + f"{http_server.port}/x"}
    with pytest.raises(DefinitionError) as refused:
        save_runbook({"name": "h", "parameters": [{"name": "v"}], "steps": [step]}, actor=Actor.of(admin_user))
    assert "may not choose the URL's host" in str(refused.value.errors) and "Safe form" in str(refused.value.errors)
    assert http_server.requests == []


def test_it_lets_the_target_or_a_pattern_parameter_name_the_host(http_server, admin_user) -> None:  # type: ignore[no-untyped-def]
    step = {"name": "call", "kind": "http", "url": "http://{{ params.host }}:" + f"{http_server.port}/ok"}
    runbook = save_runbook(
        {"name": "h", "parameters": [{"name": "host", "pattern": r"[0-9.]+", "default": "127.0.0.1"}], "steps": [step]},
        actor=Actor.of(admin_user),
    )
    run_execution(request_execution(runbook, actor=Actor.of(admin_user)).pk)
    assert [r["path"] for r in http_server.requests] == ["/ok"]
    with pytest.raises(ExecutionRefused):
        request_execution(runbook, actor=Actor.of(admin_user), params={"host": "169.254.169.254"})
