"""A web process that serves the portal, the API and the webhook (queueing analyses) never imports litellm."""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from tests.processes import ROOT, free_port, product_env, running, wait_http

SECRET = "s" * 10 + "Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz9Xc8Vb7Nm6Mn5Bv4"
CRYPTO = "c" * 10 + "Mn8bV7cX6zL5kJ4hG3fD2sA1pO0iU9yT"
PASSWORD = "lazy-import probe password 42"
SETUP = f"""
from django.contrib.auth.models import Group
from django.contrib.auth import get_user_model
user = get_user_model().objects.create_user("op", password={PASSWORD!r})
user.groups.add(Group.objects.get(name="Operator"))
from alerts.models import Rule, RuleMatcher
from alerts.services.webhook_tokens import create_webhook_token
from remediation.actors import Actor
rule = Rule.objects.create(name="analyze-all", action="analyze")
RuleMatcher.objects.create(rule=rule, name="alertname", op="=~", value=".+")
print("TOKEN=" + create_webhook_token("probe", actor=Actor.of("system"), scope={{"all_rules": True}})[1])
"""
QUEUED = "from alerts.models import ActionRequest; print(ActionRequest.objects.filter(kind='analyze').count())"


def _manage(env: dict[str, str], *args: str) -> str:
    command = [sys.executable, "manage.py", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300, text=True)
    return done.stdout


def _sign_in(base: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(base + "/login/", timeout=20).read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode({"username": "op", "password": PASSWORD, "csrfmiddlewaretoken": csrf}).encode()
    request = urllib.request.Request(base + "/login/", data=form, headers={"Referer": base + "/login/"})  # noqa: S310
    assert "Dashboard" in opener.open(request, timeout=20).read().decode()
    return opener


def _loaded_modules(pid: int, probe: Path) -> list[str]:
    probe.unlink(missing_ok=True)  # every answer is fresh (the probe writes it whole, by rename)
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if probe.exists() and probe.stat().st_size:
            return json.loads(probe.read_text())
        time.sleep(0.2)
    raise TimeoutError("the web process did not answer the probe")


def test_it_serves_portal_api_and_webhook_without_importing_litellm(tmp_path: Path) -> None:
    port, probe = free_port(), tmp_path / "modules.json"
    base = f"http://127.0.0.1:{port}"
    env = product_env(
        SECRET_KEY=SECRET,
        CRYPTOGRAPHY_KEY=CRYPTO,
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        PROBE_FILE=str(probe),
    )
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    _manage(env, "migrate", "--no-input")
    token = _manage(env, "shell", "-c", SETUP).split("TOKEN=", 1)[1].strip()
    args = [
        sys.executable,
        "-m",
        "tests.ai.daphne_probe",
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "config.asgi:application",
    ]
    with running(args, env, tmp_path / "daphne.log") as web:
        wait_http(base + "/healthz", web, seconds=120)
        opener = _sign_in(base)
        for path in ("/", "/ai/chat/", "/api/v1/chat/sessions/", "/api/v1/ai/analyses/"):
            with opener.open(base + path, timeout=20) as response:
                assert response.status == 200, path
        webhook = urllib.request.Request(  # noqa: S310 (loopback)
            base + "/hooks/alertmanager/",
            data=(ROOT / "tests" / "payloads" / "am_firing_3alerts.json").read_bytes(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(webhook, timeout=20) as response:  # noqa: S310 (loopback)
            assert response.status == 202
        modules = _loaded_modules(web.pid, probe)
    queued = _manage(env, "shell", "-c", QUEUED)
    assert queued.strip().splitlines()[-1] == "3"  # the webhook handed three analyze requests to the queue
    assert "config.asgi" in modules and "ai.llm" in modules and "ai.consumers" in modules
    assert not [name for name in modules if name == "litellm" or name.startswith("litellm.")]
