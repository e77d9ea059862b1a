"""Hostile label values are stored and shown literally: escaped in the portal, never interpreted anywhere."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from alerts.models import Alert
from tests.webhooks import payload

pytestmark = pytest.mark.django_db

HOSTILE = {
    "shell": "$(rm -rf /); `reboot` && curl http://127.0.0.1/x | sh #'\"",
    "template": "{{ 7*7 }} {% debug %} ${7*7} #{7*7}",
    "html": "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "long": "x" * 10_000,
    "unicode": "Zürich 🔥 \u202e reversed",
}


def _alert(labels: dict[str, str], generator_url: str = "javascript:alert(3)") -> dict[str, object]:
    base = payload("am_firing_3alerts")["alerts"][0]
    notes = {"summary": HOSTILE["html"], "description": "line one\n<b>line two</b>"}
    return {
        **base,
        "labels": {**base["labels"], **labels},
        "annotations": notes,
        "fingerprint": "",
        "generatorURL": generator_url,
    }


def test_it_stores_hostile_values_exactly(post_hook) -> None:  # type: ignore[no-untyped-def]
    body = {"version": "4", "alerts": [_alert(HOSTILE)], "receiver": "<b>hook</b>"}
    assert post_hook(body).status_code == 202
    alert = Alert.objects.get()
    for key, value in HOSTILE.items():
        assert alert.labels[key] == value
    assert alert.generator_url == "javascript:alert(3)"
    assert alert.receiver == "<b>hook</b>"


def test_it_keeps_non_utf8_bytes_and_nul_as_visible_escapes(post_hook) -> None:  # type: ignore[no-untyped-def]
    text = json.dumps({"version": "4", "alerts": [_alert({"raw": "BYTES", "nul": "a\u0000b", "lone": "\ud800"})]})
    body = text.encode().replace(b"BYTES", b"caf\xe9 \xff\xfe")  # Latin-1 and junk bytes inside a JSON string
    assert post_hook(body).status_code == 202
    labels = Alert.objects.get().labels
    assert labels["raw"] == "caf\\xe9 \\xff\\xfe"
    assert labels["nul"] == "a\\x00b"
    assert labels["lone"] == "\\ud800"


def test_it_escapes_everything_in_the_portal_and_links_only_http_urls(post_hook, viewer) -> None:  # type: ignore[no-untyped-def]
    post_hook({"version": "4", "alerts": [_alert({**HOSTILE, "alertname": "<i>x</i>"}, "javascript:alert(3)")]})
    alert = Alert.objects.get()
    client = Client()
    client.force_login(viewer)
    for url in ("/alerts/", "/alerts/?fragment=rows", f"/alerts/{alert.pk}/"):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "<i>x</i>" not in html
        assert "&lt;i&gt;x&lt;/i&gt;" in html
    detail = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in detail
    assert "{{ 7*7 }} {% debug %}" in detail  # shown as typed, not rendered
    assert "x" * 10_000 in detail
    assert 'href="javascript:' not in detail
    assert "line one<br>&lt;b&gt;line two&lt;/b&gt;" in detail
    assert "$(rm -rf /); `reboot` &amp;&amp; curl" in detail


def test_it_returns_hostile_values_unchanged_from_the_api(post_hook, api_as, viewer) -> None:  # type: ignore[no-untyped-def]
    post_hook({"version": "4", "alerts": [_alert(HOSTILE)]})
    alert = Alert.objects.get()
    data = api_as(viewer).get(f"/api/v1/alerts/{alert.pk}/").json()
    assert {k: data["labels"][k] for k in HOSTILE} == HOSTILE
