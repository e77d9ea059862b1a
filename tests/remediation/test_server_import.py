"""Bulk import of servers from YAML and CSV: validated, all-or-nothing, errors per row."""

from __future__ import annotations

import pytest

from remediation.models import AuditEvent, Server
from tests.factories import CredentialFactory, ServerFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/servers/import/"

YAML = """
servers:
  - name: web-1
    hostname: 10.0.0.1
    username: deploy
    credential: ops
    tags: [web, edge]
    aliases: [web-1.example.com]
  - {name: db-1, hostname: db1.internal, port: 2222, username: postgres, environment: staging, enabled: false}
"""
CSV = """name,hostname,port,username,credential,environment,tags,aliases,enabled
web-1,10.0.0.1,22,deploy,ops,production,web;edge,web-1.example.com,true
db-1,db1.internal,2222,postgres,,staging,,,false
"""


@pytest.mark.parametrize(("fmt", "content"), [("yaml", YAML), ("csv", CSV)])
def test_it_imports_every_row(api_as, admin_user, fmt: str, content: str) -> None:  # type: ignore[no-untyped-def]
    CredentialFactory(name="ops")
    response = api_as(admin_user).post(URL, {"format": fmt, "content": content}, format="json")
    assert response.status_code == 201, response.json()
    web, db = Server.objects.get(name="web-1"), Server.objects.get(name="db-1")
    assert (web.credential.name, web.tags, web.aliases, web.port) == ("ops", ["edge", "web"], ["web-1.example.com"], 22)
    assert (db.port, db.environment, db.enabled, db.credential) == (2222, "staging", False, None)
    assert AuditEvent.objects.filter(action="server.created").count() == 2
    assert AuditEvent.objects.get(action="server.imported").after["count"] == 2


def test_it_imports_nothing_and_names_every_bad_row(api_as, admin_user) -> None:  # type: ignore[no-untyped-def]
    ServerFactory(name="taken")
    content = """name,hostname,port,username,credential
good,10.0.0.1,22,deploy,
taken,10.0.0.2,22,deploy,
bad-port,10.0.0.3,99999,deploy,
no-cred,10.0.0.4,22,deploy,missing
dup,10.0.0.5,22,deploy,
dup,10.0.0.6,22,deploy,
"""
    response = api_as(admin_user).post(URL, {"format": "csv", "content": content}, format="json")
    assert response.status_code == 400
    rows = {r["row"]: set(r["errors"]) for r in response.json()["rows"]}
    assert rows == {2: {"name"}, 3: {"port"}, 4: {"credential"}, 5: {"name"}, 6: {"name"}}
    assert list(Server.objects.values_list("name", flat=True)) == ["taken"]


@pytest.mark.parametrize(
    ("fmt", "content", "message"),
    [
        ("yaml", "servers: [unclosed", "Not valid YAML"),
        ("yaml", "just text", "Expected a list"),
        ("csv", "name,hostname,colour\nx,y,red\n", "Unknown columns: colour"),
        ("yaml", "[]", "no servers"),
    ],
)
def test_it_rejects_malformed_files(api_as, admin_user, fmt: str, content: str, message: str) -> None:  # type: ignore[no-untyped-def]
    response = api_as(admin_user).post(URL, {"format": fmt, "content": content}, format="json")
    assert response.status_code == 400 and message in str(response.json()["rows"])
    assert not Server.objects.exists()
