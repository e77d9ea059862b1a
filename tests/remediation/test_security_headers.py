"""Security headers (CSP, HSTS over TLS, proxy TLS header), no inline script in templates or static files, the
navigation offering only what a role may open, and styled 403 / 404 / 500 / CSRF pages."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from remediation.context_processors import NAVIGATION
from remediation.middleware import content_security_policy
from tests.processes import product_env

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
ROLES = ["viewer", "operator", "approver", "admin_user", "role_admin", "stranger"]


def _client(user=None) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


@pytest.mark.parametrize("path", ["/", "/login/", "/admin/", "/api/v1/alerts/", "/nowhere/", "/healthz"])
def test_it_sends_a_strict_content_security_policy_everywhere(admin_user, path: str) -> None:  # type: ignore[no-untyped-def]
    response = _client(admin_user).get(path)
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["style-src"] and "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_it_widens_only_the_directive_a_view_asks_for() -> None:
    header = content_security_policy({"script-src": ["'self'"], "style-src": ["'self'"]}, {"style-src": ["x"]})
    assert header == "script-src 'self'; style-src 'self' x"


def test_it_sends_hsts_only_over_tls(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    assert "Strict-Transport-Security" not in client.get("/healthz")
    assert client.get("/healthz", secure=True)["Strict-Transport-Security"] == "max-age=31536000"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
    assert proxied["Strict-Transport-Security"] == "max-age=31536000"


def test_it_reads_the_proxy_tls_header_from_the_environment() -> None:
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    env = product_env(DJANGO_SETTINGS_MODULE="config.settings", SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"
    env["SECURE_PROXY_SSL_HEADER"] = ""
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "None"


def _shipped_files() -> list[Path]:
    files = [*ROOT.joinpath("templates").rglob("*.html"), *ROOT.joinpath("static", "js").rglob("*.js")]
    return [p for p in files if "vendor" not in p.parts]


def test_it_ships_no_inline_script_handler_or_style_in_templates() -> None:
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:|\sstyle\s*=|<style", re.I)
    found = [(p.relative_to(ROOT), m.group(0)) for p in _shipped_files() for m in inline.finditer(p.read_text())]
    assert found == []
    assert ROOT.joinpath("templates", "drf_spectacular", "swagger_ui.html").exists()  # the CSP-safe Swagger page


@pytest.mark.parametrize("who", ROLES)
def test_it_lists_only_sections_the_role_can_open(request, who: str) -> None:  # type: ignore[no-untyped-def]
    client = _client(request.getfixturevalue(who))
    listed = [item["url"] for item in client.get("/").context["navigation"]]
    for _label, name in NAVIGATION:
        answer = client.get(reverse(name)).status_code
        assert (reverse(name) in listed) == (answer == 200), (who, name, answer)


def test_it_hides_chat_from_an_approver_and_answers_with_a_styled_403(approver, operator) -> None:  # type: ignore[no-untyped-def]
    page = _client(approver).get("/").content.decode()
    assert ">Chat<" not in page and ">Approvals" in page
    assert ">Chat<" in _client(operator).get("/").content.decode()
    forbidden = _client(approver).get("/ai/chat/")
    body = forbidden.content.decode()
    assert forbidden.status_code == 403 and "Not allowed" in body and "css/portal.css" in body and "sidebar" in body


def test_it_answers_api_paths_with_json_errors(approver) -> None:  # type: ignore[no-untyped-def]
    assert _client(approver).get("/api/v1/nowhere/").json()["detail"].startswith("Not found")


def test_it_styles_the_404_500_and_csrf_pages(viewer, rf) -> None:  # type: ignore[no-untyped-def]
    from remediation.views.errors import server_error

    missing = _client(viewer).get("/nowhere/")
    assert missing.status_code == 404 and "css/portal.css" in missing.content.decode()
    error = server_error(rf.get("/alerts/"))
    assert error.status_code == 500 and b"css/portal.css" in error.content and b"Server error" in error.content
    strict = Client(enforce_csrf_checks=True)
    refused = strict.post("/login/", {"username": "viewer", "password": "x"})
    assert refused.status_code == 403 and "Reload the page" in refused.content.decode()
    assert "<style" not in refused.content.decode()
