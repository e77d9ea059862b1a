"""The portal frame every page shares: one highlighted section, a navigation that matches the role, the styled 403,
one timestamp format with its zone; and the admin forms' messages about what was saved."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from remediation.models import Credential, Server
from remediation.templatetags.portal_times import format_instant
from tests.factories import AlertFactory

pytestmark = pytest.mark.django_db


def _client(user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _active(page: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" class="active"', page)


@pytest.mark.parametrize(
    ("path", "section"),
    [
        ("/runbooks/executions/", "/runbooks/executions/"),
        ("/runbooks/approvals/", "/runbooks/approvals/"),
        ("/runbooks/schedules/", "/runbooks/schedules/"),
        ("/runbooks/", "/runbooks/"),
        ("/", "/"),
    ],
)
def test_it_highlights_exactly_one_section(admin_user, path, section) -> None:  # type: ignore[no-untyped-def]
    assert _active(_client(admin_user).get(path).content.decode()) == [section]


def test_it_shows_an_approver_only_sections_it_may_open_and_a_styled_403(approver) -> None:  # type: ignore[no-untyped-def]
    client = _client(approver)
    page = client.get(reverse("dashboard")).content.decode()
    nav = page[page.index('<nav class="sidebar"') : page.index("</nav>")]
    assert ">Chat<" not in nav and "Approvals" in nav
    refused = client.get(reverse("ai:chat"))
    body = refused.content.decode()
    assert refused.status_code == 403 and "css/portal.css" in body and '<nav class="sidebar"' in body
    assert "Your role does not allow" in body


def test_it_formats_every_timestamp_one_way_with_its_zone(settings, viewer) -> None:  # type: ignore[no-untyped-def]
    instant = dt.datetime(2026, 3, 1, 12, 30, 5, tzinfo=dt.UTC)
    assert format_instant(instant) == "2026-03-01 12:30:05 UTC"
    with timezone.override("Europe/Berlin"):
        assert format_instant(instant) == "2026-03-01 13:30:05 CET"
    rendered = engines["django"].from_string("{{ t|when }}|{{ none|when|default:'—' }}").render({"t": instant})
    assert rendered == '<time datetime="2026-03-01T12:30:05+00:00">2026-03-01 12:30:05 UTC</time>|—'
    alert = AlertFactory(starts_at=instant)
    page = _client(viewer).get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert "started <time datetime=" in page and "2026-03-01 12:30:05 UTC" in page


def test_it_names_the_credential_it_added(admin_user) -> None:  # type: ignore[no-untyped-def]
    form = {"name": "ops-token", "kind": "api_token", "username": "", "description": "", "token": "t0ken-value-1"}
    page = _client(admin_user).post("/admin/remediation/credential/add/", form, follow=True).content.decode()
    assert Credential.objects.filter(name="ops-token").exists()
    assert re.search(r"The credential .{0,80}>ops-token<.{0,10} was added successfully", page)


def test_it_keeps_the_server_form_and_names_the_field_on_a_malformed_known_hosts_line(admin_user) -> None:  # type: ignore[no-untyped-def]
    form = {
        "name": "web-9",
        "hostname": "127.0.0.1",
        "port": "22",
        "username": "deploy",
        "environment": "lab",
        "enabled": "on",
        "aliases": "[]",
        "tags": "[]",
        "labels": "{}",
        "description": "",
        "known_hosts_line": "web-9 ssh-ed25519 AAAA-not-base64",
    }
    response = _client(admin_user).post("/admin/remediation/server/add/", form)
    page = response.content.decode()
    assert response.status_code == 200 and not Server.objects.exists()
    assert "Not a known_hosts line" in page and 'value="web-9"' in page and "AAAA-not-base64" in page
    assert re.search(r"field-known_hosts_line[^\n]*errors|errorlist[\s\S]{0,400}known_hosts", page)


def test_it_shows_a_runbooks_rates_as_percentages(viewer, admin_user) -> None:  # type: ignore[no-untyped-def]
    from remediation.actors import Actor
    from runbooks.services.definitions import save_runbook
    from tests.factories import ExecutionFactory

    runbook = save_runbook({"name": "r", "steps": []}, actor=Actor.of(admin_user))
    version = runbook.versions.get()
    for status in ("succeeded", "succeeded", "failed"):
        ExecutionFactory(runbook=runbook, version=version, status=status)
    page = _client(viewer).get(reverse("runbooks:detail", args=[runbook.pk])).content.decode()
    assert "success rate 66.7 %" in page and "0.667" not in page
