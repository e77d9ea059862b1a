"""The dashboard's getting-started checklist: every step links where it is done and ticks itself."""

from __future__ import annotations

import pytest
from django.test import Client

from remediation.services.dashboard import getting_started
from tests.factories.alerts import AlertFactory
from tests.factories.inventory import ServerFactory
from tests.factories.runbooks import RunbookFactory

pytestmark = pytest.mark.django_db


def test_it_lists_every_step_with_a_link_and_ticks_what_exists() -> None:
    steps = getting_started()
    assert [s["label"] for s in steps] == [
        "Add a server",
        "Add a credential",
        "Create a webhook token",
        "Write a rule",
        "Write a runbook",
        "Receive a test alert",
    ]
    assert not any(s["done"] for s in steps)
    assert steps[0]["url"] == "/admin/remediation/server/add/" and steps[-1]["url"] == "/alerts/"
    ServerFactory()
    RunbookFactory()
    AlertFactory()
    done = {s["label"] for s in getting_started() if s["done"]}
    assert done == {"Add a server", "Write a runbook", "Receive a test alert"}


def test_the_dashboard_shows_the_checklist_to_admins_until_every_step_is_done(
    client: Client, role_admin, viewer
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(role_admin)
    page = client.get("/").content.decode()
    assert 'id="getting-started"' in page and 'href="/admin/alerts/rule/add/"' in page
    ServerFactory()
    assert '<li class="done">' in client.get("/").content.decode()
    client.force_login(viewer)
    assert 'id="getting-started"' not in client.get("/").content.decode()
