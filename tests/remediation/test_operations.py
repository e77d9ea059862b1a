"""Operations endpoints: /healthz, /readyz, /metrics, the OpenAPI schema and docs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from tests.processes import daphne_args, free_port, get, product_env, running, wait_http

pytestmark = pytest.mark.django_db


def test_it_reports_health(client: Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_it_reports_ready_when_every_part_answers(client: Client) -> None:
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    healthy = {name for name, part in body["checks"].items() if part["ok"]}
    assert healthy == {"database", "channel_layer", "broker", "workers"}


def test_it_reports_a_dead_database_as_503_naming_it(tmp_path: Path) -> None:
    """A real server process whose database is unreachable (nothing listens on the port)."""
    port = free_port()
    env = product_env(
        SECRET_KEY="s" * 10 + "Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz9Xc8Vb7Nm6Mn5Bv4",
        CRYPTOGRAPHY_KEY="c" * 10 + "Mn8bV7cX6zL5kJ4hG3fD2sA1pO0iU9yT",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/nowhere",
    )
    with running(daphne_args(port), env, tmp_path / "daphne.log") as server:
        wait_http(f"http://127.0.0.1:{port}/healthz", server)
        status, body = get(f"http://127.0.0.1:{port}/readyz", timeout=30)
    report = json.loads(body)
    assert status == 503
    assert report["failing"][0] == "database"
    assert report["checks"]["database"]["ok"] is False
    assert "OperationalError" in report["checks"]["database"]["error"]


def test_it_exposes_prometheus_metrics(client: Client, operator) -> None:  # type: ignore[no-untyped-def]
    client.post("/login/", {"username": "operator", "password": "wrong"})
    body = client.get("/metrics").content.decode()
    assert "# TYPE django_http_requests_total_by_method_total counter" in body
    assert 'remediation_logins_total{channel="portal",result="failed"}' in body
    assert "remediation_audit_events_total" in body
    assert "remediation_build_info" in body


@override_settings(METRICS_TOKEN="metrics-token-for-tests")
def test_it_protects_metrics_with_a_token_when_configured(client: Client) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer metrics-token-for-tests").status_code == 200


def test_it_serves_the_openapi_schema_and_local_docs(client: Client, viewer) -> None:  # type: ignore[no-untyped-def]
    client.force_login(viewer)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/auth/token/", "/api/v1/auth/token/refresh/", "/api/v1/auth/token/revoke/"} <= set(paths)
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "<script>" not in docs and "<style>" not in docs
    assert "cdn." not in docs and "unpkg" not in docs
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_it_keeps_the_schema_and_docs_for_signed_in_users(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/schema/", HTTP_ACCEPT="application/json").status_code == 401
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/login/?next=/api/docs/")
    assert client.get("/api/docs/?script=").status_code == 302
    settings.API_DOCS_PUBLIC = True
    assert client.get("/api/schema/", HTTP_ACCEPT="application/json").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_it_refuses_to_start_daphne_with_an_unsafe_setup(tmp_path: Path) -> None:
    import subprocess

    env = product_env(SECRET_KEY="short", DEBUG="false", CRYPTOGRAPHY_KEY="")
    env.pop("REDIS_URL", None)  # the in-memory channel layer, refused with DEBUG off
    result = subprocess.run(
        [sys.executable, "-c", "import config.asgi"],
        env=env,
        cwd=Path(__file__).parents[2],
        capture_output=True,
        timeout=60,
    )
    assert result.returncode != 0
    stderr = result.stderr.decode()
    assert "Refusing to start" in stderr
    assert "remediation.E001" in stderr and "remediation.E003" in stderr and "remediation.E005" in stderr


def test_it_answers_unknown_api_paths_with_json(client: Client, viewer) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found: /api/v1/no-such-thing/"}
    client.force_login(viewer)
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert b"Not found" in page.content
