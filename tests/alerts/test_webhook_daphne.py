"""The webhook served by real Daphne (its ASGI route and thread pool): counts, body limit, parallel repeats."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from tests.processes import ROOT, daphne_args, free_port, product_env, running, wait_http
from tests.realparts import need_postgresql
from tests.webhooks import payload_bytes

SECRET = "w" * 10 + "Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz9Xc8Vb7Nm6Mn5Bv4"
CRYPTO = "k" * 10 + "Mn8bV7cX6zL5kJ4hG3fD2sA1pO0iU9yT"
MAKE_TOKEN = (
    "from alerts.services.webhook_tokens import create_webhook_token as c; from remediation.actors import Actor; "
    "print(c('am', actor=Actor.of('t'))[1])"
)


def _post(port: int, token: str, body: bytes, *, chunked: bool = False) -> tuple[int, dict[str, object]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if chunked:
        connection.request("POST", "/hooks/alertmanager/", body=iter([body]), headers=headers, encode_chunked=True)
    else:
        connection.request("POST", "/hooks/alertmanager/", body=body, headers=headers)
    response = connection.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def _migrate_and_make_token(env: dict[str, str]) -> str:
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=180)
    made = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", MAKE_TOKEN], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return made.stdout.decode().strip().splitlines()[-1]


def test_it_ingests_through_daphne_and_limits_chunked_bodies(tmp_path: Path) -> None:
    env = product_env(
        SECRET_KEY=SECRET,
        CRYPTOGRAPHY_KEY=CRYPTO,
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        WEBHOOK_MAX_BODY_BYTES="4096",
    )
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    token = _migrate_and_make_token(env)
    port = free_port()
    with running(daphne_args(port), env, tmp_path / "daphne.log") as daphne:
        wait_http(f"http://127.0.0.1:{port}/healthz", daphne)
        status, counts = _post(port, token, payload_bytes("am_firing_3alerts"))
        assert (status, counts["created"]) == (202, 3)
        status, counts = _post(port, token, payload_bytes("am_firing_3alerts"), chunked=True)
        assert (status, counts["updated"]) == (202, 3)
        big = payload_bytes("am_firing_100alerts_1group")  # over the 4 KiB limit, sent without a Content-Length
        status, _ = _post(port, token, big, chunked=True)
        assert status == 413


@pytest.mark.django_db
def test_it_takes_parallel_deliveries_through_daphnes_thread_pool_on_postgresql(tmp_path: Path) -> None:
    """Production shape: Daphne, PostgreSQL with the pool, WEBHOOK_THREADS=8; 16 parallel repeats → one episode each."""
    need_postgresql()
    from django.db import connection

    params = connection.get_connection_params()
    name = f"rm_webhook_{uuid.uuid4().hex[:12]}"
    user, host, port = params.get("user") or "postgres", params.get("host") or "127.0.0.1", params.get("port") or 5432
    server = f"postgres://{user}@{host}:{port}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = product_env(
            SECRET_KEY=SECRET, CRYPTOGRAPHY_KEY=CRYPTO, DATABASE_URL=f"{server}/{name}", WEBHOOK_THREADS="8"
        )
        env.pop("REDIS_URL", None)
        token = _migrate_and_make_token(env)
        web = free_port()
        body = payload_bytes("am_firing_3alerts")
        with running(daphne_args(web), env, tmp_path / "daphne.log") as daphne:
            wait_http(f"http://127.0.0.1:{web}/healthz", daphne)
            with ThreadPoolExecutor(16) as pool:
                answers = list(pool.map(lambda _: _post(web, token, body), range(16)))
        assert [status for status, _ in answers] == [202] * 16
        assert sum(counts["created"] for _, counts in answers) == 3  # type: ignore[misc]
        with psycopg.connect(f"{server}/{name}") as database:
            rows = database.execute("SELECT receive_count FROM alerts_alert").fetchall()
            decisions = database.execute("SELECT count(*) FROM remediation_decision").fetchone()
        assert sorted(rows) == [(16,), (16,), (16,)]
        assert decisions == (3,)
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
