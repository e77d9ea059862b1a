"""An alert and its runs, linked both ways: the alert page lists its executions (one awaiting approval with a way to
decide it), and the alert detail API carries its analyses and executions (PRODUCT.md 2.1)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import AlertFactory, AnalysisFactory, UserFactory
from tests.factories.runbooks import execution_of

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alert_with_runs():  # type: ignore[no-untyped-def]
    alert = AlertFactory(alertname="DiskFull")
    done = execution_of({"steps": []}, status="succeeded", alert_episode=alert, approved_by=UserFactory(username="bob"))
    held = execution_of({"steps": []}, status="awaiting_approval", alert_episode=alert)
    execution_of({"steps": []}, status="succeeded")  # another alert's run
    AnalysisFactory(alert=alert, summary="disk full on web-1", raw_output="RAW-MODEL-TEXT")
    return alert, done, held


def test_it_links_the_alert_page_to_its_executions_and_the_waiting_approval(viewer, alert_with_runs) -> None:  # type: ignore[no-untyped-def]
    alert, done, held = alert_with_runs
    page = _client(viewer).get(f"/alerts/{alert.pk}/").content.decode()
    section = page[page.index('id="alert-executions"') : page.index("</table>", page.index('id="alert-executions"'))]
    assert f'href="/runbooks/executions/{done.pk}/"' in section and f'href="/runbooks/executions/{held.pk}/"' in section
    assert f'href="/runbooks/approvals/#approval-{held.pk}"' in section and ">bob<" in section
    assert section.count('href="/runbooks/executions/') == 2


def test_it_returns_analyses_and_executions_in_the_alert_detail_api(api_as, viewer, alert_with_runs) -> None:  # type: ignore[no-untyped-def]
    alert, done, held = alert_with_runs
    body = api_as(viewer).get(f"/api/v1/alerts/{alert.pk}/").json()
    assert [e["id"] for e in body["executions"]] == [held.pk, done.pk]
    assert body["executions"][1]["approved_by"] == "bob" and body["executions"][0]["status"] == "awaiting_approval"
    assert body["executions"][0]["url"] == f"/api/v1/executions/{held.pk}/"
    [analysis] = body["analyses"]
    assert analysis["summary"] == "disk full on web-1" and analysis["url"].startswith("/api/v1/ai/analyses/")
    assert "RAW-MODEL-TEXT" not in str(body)  # the raw model answer stays behind the analysis endpoint


def test_it_leaves_out_what_the_reader_may_not_see(api_as, viewer, alert_with_runs) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Permission

    alert, _done, _held = alert_with_runs
    reader = UserFactory(username="reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_alert"))
    body = api_as(reader).get(f"/api/v1/alerts/{alert.pk}/").json()
    assert body["analyses"] == [] and body["executions"] == []
