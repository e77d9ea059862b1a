"""An installation made by the code before the layering redesign upgrades in place (PostgreSQL).

The tree of BASE_COMMIT is taken from git history, migrated into a fresh database and filled by its own code; the
current code then migrates that database, and every row is still there, readable through the API with a token, the
moved models' permissions still held by the role groups, and the credentials still decrypt.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests.realparts import need, need_postgresql

ROOT = Path(__file__).resolve().parents[2]
# The commit this redesign started from (main before issue 17): models still in their old apps.
BASE_COMMIT = "45e2180cef216d65c4423fd3f69001ec97f42c15"
CREDENTIAL_SECRET = "s3cret-kept-across-the-upgrade"
ADMIN_PASSWORD = "upgrade admin password 42"

FILL = f"""
import django, json
django.setup()
from django.contrib.auth.models import Group
from tests.factories import (AlertFactory, CredentialFactory, DecisionFactory, ExecutionFactory,
    MaintenanceWindowFactory, RuleFactory, RunbookVersionFactory, ServerFactory, UserFactory, WebhookTokenFactory)
from tests.factories.terminal import TerminalGrantFactory, TerminalSessionFactory
from remediation.services.audit import record_event

admin = UserFactory(username="upgrade-admin", is_staff=True, is_superuser=True)
admin.set_password({ADMIN_PASSWORD!r}); admin.save()
operator = UserFactory(username="upgrade-operator"); operator.groups.add(Group.objects.get(name="Operator"))
credential = CredentialFactory(name="kept", password={CREDENTIAL_SECRET!r})
server = ServerFactory(name="web-1", credential=credential)
first = RunbookVersionFactory(number=1)
RunbookVersionFactory(runbook=first.runbook, number=2)
rule = RuleFactory(name="restart web", action="remediate", runbook=first.runbook)
alert = AlertFactory()
DecisionFactory(alert=alert, rule=rule)
ExecutionFactory(version=first, rule=rule, alert_episode=alert)
WebhookTokenFactory(name="alertmanager")
MaintenanceWindowFactory(name="patching")
TerminalGrantFactory(user=operator, server=server)
TerminalSessionFactory(user=operator, server=server, recording_path="2026/01/kept.cast")
record_event(actor=admin, action="upgrade.filled", obj=server)  # the old code takes the user itself
"""

COUNT = """
import django, json
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    counts = {}
    for table in connection.introspection.table_names(cursor):
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
print(json.dumps(counts))
"""

CONTENT_TYPES = """
import django, json
django.setup()
from django.contrib.contenttypes.models import ContentType
print(json.dumps(sorted(ContentType.objects.values_list("pk", flat=True))))
"""

# Rows that models added since the old code bring (their content types, permissions and the roles' grants of them).
ADDED_MODEL_ROWS = """
import django, json, sys
django.setup()
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
old = set(json.loads(sys.argv[1]))
new = [pk for pk in ContentType.objects.values_list("pk", flat=True) if pk not in old]  # a moved model keeps its pk
print(json.dumps({
    "django_content_type": len(new),
    "auth_permission": Permission.objects.filter(content_type__in=new).count(),
    "auth_group_permissions": Group.permissions.through.objects.filter(permission__content_type__in=new).count(),
}))
"""

VERIFY = f"""
import django, json
django.setup()
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django_q.models import Schedule
from alerts.models import Decision, Rule, WebhookToken
from runbooks.models import Execution, MaintenanceWindow
from rest_framework.test import APIClient
from remediation.actors import Actor
from remediation.models import Credential
from remediation.services.housekeeping import housekeeping_jobs
from remediation.services.credentials import use_credential

MOVED = ("rule", "rulematcher", "decision", "actionrequest", "suggestion", "webhooktoken", "maintenancewindow",
         "killswitch")
client = APIClient(SERVER_NAME="localhost")
reply = client.post("/api/v1/auth/token/", {{"username": "upgrade-admin", "password": {ADMIN_PASSWORD!r}}})
client.credentials(HTTP_AUTHORIZATION="Bearer " + reply.json()["access"])
seen = {{}}
for name in ("alerts", "rules", "runbooks", "executions", "servers", "credentials", "audit-events",
             "maintenance-windows", "terminal-sessions"):
    page = client.get(f"/api/v1/{{name}}/")
    seen[name] = [page.status_code, len(page.json()["results"])]
def held(group):
    return {{f"{{p.content_type.app_label}}.{{p.codename}}" for p in Group.objects.get(name=group).permissions.all()}}
operator, admin = held("Operator"), held("Admin")
secrets = use_credential(Credential.objects.get(name="kept"), actor=Actor.system(), purpose="upgrade check")
left_behind = ContentType.objects.filter(app_label="remediation", model__in=MOVED).values_list("model", flat=True)
execution = Execution.objects.get()
print(json.dumps({{"api": seen, "secret": secrets.password,
                  "operator_views_grants": "remediation.view_terminalgrant" in operator,
                  "operator_views_moved": sorted(p for p in operator if p.split(".")[1].split("_", 1)[1] in MOVED),
                  "admin_changes_moved": sorted(p for p in admin if p.startswith("change_", p.index(".") + 1)
                                                and p.split("_", 1)[1] in MOVED),
                  "content_types_left_behind": sorted(left_behind),
                  "execution_rule": [execution.rule._meta.label, execution.rule.name],
                  "rows": [Rule.objects.count(), Decision.objects.count(), WebhookToken.objects.count(),
                           MaintenanceWindow.objects.count()],
                  "schedules_are_the_jobs": sorted(Schedule.objects.values_list("name", flat=True))
                      == sorted(job.name for job in housekeeping_jobs())}}))
"""


def _run(tree: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=tree, env={**env, "PYTHONPATH": str(tree)}, capture_output=True, text=True
    )
    assert done.returncode == 0, f"{args[0]} in {tree} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture
def upgrade_database() -> Iterator[str]:
    """A fresh, empty database on the test's PostgreSQL server; dropped afterwards."""
    need_postgresql()
    import psycopg

    settings = connection.settings_dict
    name = f"{settings['NAME']}_upgrade"
    server = {"host": settings["HOST"] or "127.0.0.1", "port": settings["PORT"] or 5432, "user": settings["USER"]}
    with psycopg.connect(dbname="postgres", autocommit=True, password=settings["PASSWORD"] or None, **server) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"')
        db.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{server['user']}@{server['host']}:{server['port']}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, password=settings["PASSWORD"] or None, **server) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _old_tree(tmp_path: Path) -> Path:
    found = subprocess.run(["git", "cat-file", "-e", f"{BASE_COMMIT}^{{commit}}"], cwd=ROOT, capture_output=True)
    need("postgresql", found.returncode == 0, f"git history with {BASE_COMMIT} (run from a git clone)")
    tree = tmp_path / "before"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", BASE_COMMIT], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def test_it_upgrades_a_database_made_before_the_redesign(tmp_path: Path, upgrade_database: str) -> None:
    old = _old_tree(tmp_path)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "ALLOWED_HOSTS")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ENV_FILE": "/dev/null",
        "DEBUG": "true",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "CRYPTOGRAPHY_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": upgrade_database,
    }
    _run(old, env, "manage.py", "migrate", "--noinput")
    _run(old, env, "-c", FILL)
    before = json.loads(_run(old, env, "-c", COUNT))
    old_types = _run(old, env, "-c", CONTENT_TYPES)
    _run(ROOT, env, "manage.py", "migrate", "--noinput")
    after = json.loads(_run(ROOT, env, "-c", COUNT))
    for table, rows in json.loads(_run(ROOT, env, "-c", ADDED_MODEL_ROWS, old_types)).items():
        after[table] -= rows  # what every old row kept is compared below; new models' rows are on top of them
    assert after.pop("django_migrations") > before.pop("django_migrations")  # the new migrations ran
    # Housekeeping schedules are upserted by name: the old rows are kept, jobs added since get one row each.
    assert after.pop("django_q_schedule") >= before.pop("django_q_schedule")
    assert {t: n for t, n in after.items() if t in before} == before
    assert before["terminal_terminalgrant"] == 1 and before["remediation_rule"] == 1
    checked = json.loads(_run(ROOT, env, "-c", VERIFY))
    audit_status, audit_rows = checked["api"].pop("audit-events")
    assert audit_status == 200 and audit_rows >= 1
    assert checked["api"] == {
        "alerts": [200, 1],
        "rules": [200, 1],
        "runbooks": [200, 1],
        "executions": [200, 1],
        "servers": [200, 1],
        "credentials": [200, 1],
        "maintenance-windows": [200, 1],
        "terminal-sessions": [200, 1],
    }
    assert checked["secret"] == CREDENTIAL_SECRET
    assert checked["operator_views_grants"]
    # Rules, decisions, suggestions and tokens went to alerts, windows and the kill switch to runbooks: their
    # permissions and the groups holding them followed, no content type stayed behind, the rows read back there.
    assert checked["operator_views_moved"] == sorted(
        [f"alerts.view_{m}" for m in ("actionrequest", "decision", "rule", "rulematcher", "suggestion", "webhooktoken")]
        + ["runbooks.view_killswitch", "runbooks.view_maintenancewindow"]
    )
    assert checked["admin_changes_moved"] == sorted(
        [
            f"alerts.change_{m}"
            for m in ("actionrequest", "decision", "rule", "rulematcher", "suggestion", "webhooktoken")
        ]
        + ["runbooks.change_killswitch", "runbooks.change_maintenancewindow"]
    )
    assert checked["content_types_left_behind"] == []
    assert checked["execution_rule"] == ["alerts.Rule", "restart web"]
    assert checked["rows"] == [1, 1, 1, 1]
    assert checked["schedules_are_the_jobs"]  # one row per registered job, none left behind
