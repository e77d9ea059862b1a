"""manage.py send_test_alert: a realistic delivery through the real webhook of a served instance."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from alerts.models import Alert, WebhookToken
from alerts.services.test_alert import build_test_payload
from remediation.models import AuditEvent
from tests.processes import ROOT, product_env

pytestmark = pytest.mark.django_db(transaction=True)


def _send(live_server, *args: str) -> str:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("send_test_alert", "--url", f"{live_server.url}/hooks/alertmanager/", *args, stdout=out)
    return out.getvalue()


def test_it_delivers_an_alert_that_the_webhook_stores(live_server) -> None:  # type: ignore[no-untyped-def]
    output = _send(live_server, "--alertname", "FirstSteps", "--instance", "db-1:9100")
    assert '"created": 1' in output
    alert = Alert.objects.get()
    assert (alert.alertname, alert.labels["instance"], alert.status) == ("FirstSteps", "db-1:9100", "firing")
    token = WebhookToken.objects.get()
    assert token.name == "send_test_alert" and token.last_used_at is not None
    assert token.token_hash not in output and token.prefix in output  # the raw token is never printed


def test_it_resolves_the_same_episode_and_revokes_the_previous_test_token(live_server) -> None:  # type: ignore[no-untyped-def]
    _send(live_server)
    first_hash = WebhookToken.objects.get().token_hash
    output = _send(live_server, "--resolved")
    assert '"resolved": 1' in output
    assert Alert.objects.get().status == "resolved"  # one source, so the same episode
    token = WebhookToken.objects.get()
    assert token.revoked_at is None and token.token_hash != first_hash  # the first secret no longer works
    assert AuditEvent.objects.filter(action="webhook_token.rotated").count() == 1


def test_it_fails_clearly_on_a_wrong_token_or_no_server(live_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="answered 401"):
        _send(live_server, "--token", "rwh_not-a-token")
    with pytest.raises(CommandError, match="Is the server running"):
        call_command("send_test_alert", "--url", "http://127.0.0.1:9/hooks/alertmanager/", "--token", "x")
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(CommandError, match="not a JSON object"):
        _send(live_server, "--payload", str(bad))
    assert not Alert.objects.exists()


def test_it_builds_a_version_4_payload_with_a_stable_fingerprint() -> None:
    firing = build_test_payload(alertname="A", instance="h:1")
    resolved = build_test_payload(alertname="A", instance="h:1", resolved=True)
    assert firing["version"] == "4" and firing["alerts"][0]["endsAt"] == "0001-01-01T00:00:00Z"
    assert firing["alerts"][0]["fingerprint"] == resolved["alerts"][0]["fingerprint"]
    assert resolved["alerts"][0]["status"] == "resolved"
    json.dumps(firing)  # serialisable as sent


def test_it_explains_a_database_it_cannot_use(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Run against an empty database (not the server's): a clear message, not a traceback."""
    env = product_env(SQLITE_PATH=str(tmp_path / "empty.sqlite3"))
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "send_test_alert", "--url", "http://127.0.0.1:9/"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Run this with the server's settings" in result.stderr and "Traceback" not in result.stderr
