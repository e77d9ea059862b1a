"""The plan and execute API validate the `alert` context with a serializer: a malformed one is a 400 naming it."""

from __future__ import annotations

import pytest

from runbooks.models import Execution
from tests.factories.inventory import ServerFactory
from tests.remediation.remediate import restart_runbook

pytestmark = pytest.mark.django_db
KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests"


@pytest.mark.parametrize(
    ("alert", "field"),
    [
        ("firing", "alert"),
        ({"labels": "web-1"}, "labels"),
        ({"labels": [["instance", "web-1"]]}, "labels"),
        ({"labels": {"instance": {"nested": 1}}}, "labels"),
        ({"annotations": {"summary": None}}, "annotations"),
        ({"status": "on fire"}, "status"),
        ({"fingerprint": "f" * 65}, "fingerprint"),
        ({"labels": {"": "empty name"}}, "labels"),
        ({"labels": {}, "startsAt": "2026-01-01T00:00:00Z"}, "startsAt"),
    ],
)
@pytest.mark.parametrize("action", ["plan", "execute"])
def test_it_answers_400_naming_the_field_of_a_malformed_alert(api_as, admin_user, alert, field, action) -> None:  # type: ignore[no-untyped-def]
    runbook = restart_runbook(command="echo {{ alert.labels.instance }}")
    body = {"params": {"service": "nginx"}, "targets": [ServerFactory(host_key=KEY).pk], "alert": alert}
    response = api_as(admin_user).post(f"/api/v1/runbooks/{runbook.pk}/{action}/", body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]["alert"]
    assert field == "alert" or field in errors, errors
    assert not Execution.objects.exists()


def test_it_templates_a_well_formed_alert(api_as, admin_user) -> None:  # type: ignore[no-untyped-def]
    runbook = restart_runbook(command="echo {{ alert.labels.instance }} {{ alert.status }}")
    alert = {"labels": {"instance": "web-1:9100"}, "status": "firing", "fingerprint": "abc"}
    body = {"params": {"service": "nginx"}, "targets": [ServerFactory(host_key=KEY).pk], "alert": alert}
    plan = api_as(admin_user).post(f"/api/v1/runbooks/{runbook.pk}/plan/", body, format="json").json()
    assert (
        "web-1:9100" in plan["steps"][0]["runs"][0]["rendered"] and "firing" in plan["steps"][0]["runs"][0]["rendered"]
    )
    response = api_as(admin_user).post(f"/api/v1/runbooks/{runbook.pk}/execute/", body, format="json")
    assert response.status_code == 201 and Execution.objects.get().alert["labels"] == {"instance": "web-1:9100"}
