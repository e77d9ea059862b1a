"""The browser terminal in Chromium against a real Daphne process and a real sshd: type, see output, replay."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import connection

from tests.browser.test_csp import RECORD_VIOLATIONS
from tests.factories import TEST_PASSWORD
from tests.processes import ROOT, daphne_args, free_port, product_env, running, wait_http
from tests.sshd import make_client_key

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_part]


@pytest.fixture(scope="module")
def terminal_key(sshd):  # type: ignore[no-untyped-def]
    """A client key authorized on the session's sshd."""
    directory = Path(tempfile.mkdtemp(prefix="remediation-browser-key-"))
    key = make_client_key(directory, "ed25519")
    shutil.rmtree(directory, ignore_errors=True)
    sshd.authorize(key)
    return key


def database_env(tmp_path: Path) -> dict[str, str]:
    """Point the server process at a database this test can share: PostgreSQL's test database, or a SQLite file."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return {"DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"}
    env = {"DATABASE_URL": "", "SQLITE_PATH": str(tmp_path / "live.sqlite3")}
    manage = [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"]
    subprocess.run(manage, cwd=ROOT, env=product_env(**env), check=True, timeout=240)
    return env


def create_rows(env: dict[str, str], sshd, key) -> dict[str, int]:  # type: ignore[no-untyped-def]
    spec = {
        "username": "operator",
        "server": "web-1",
        "host": sshd.host,
        "port": sshd.port,
        "ssh_user": sshd.username,
        "key": key.private_text,
        "host_key": sshd.host_key_line(),
    }
    args = [sys.executable, "-m", "tests.browser.live_setup"]
    out = subprocess.run(
        args,
        cwd=ROOT,
        env=product_env(**env, LIVE_SETUP=json.dumps(spec)),
        check=True,
        capture_output=True,
        timeout=120,
    )
    return json.loads(out.stdout)


def test_it_types_a_command_and_shows_its_output_then_replays_it(  # type: ignore[no-untyped-def]
    page, sshd, terminal_key, artifacts, tmp_path
) -> None:
    env = database_env(tmp_path)
    rows = create_rows(env, sshd, terminal_key)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_env = product_env(**env, TERMINAL_RECORDINGS_DIR=str(tmp_path / "recordings"))
    with running(daphne_args(port), server_env, tmp_path / "daphne.log") as process:
        wait_http(f"{base}/healthz", process)
        page.add_init_script(RECORD_VIOLATIONS)
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", "operator")
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/servers/")
        page.click(f"a[href='/terminal/servers/{rows['server_id']}/']")  # opened from the server list
        page.wait_for_selector("#terminal[data-state=connected]")
        page.click("#terminal")
        page.keyboard.type("echo browser-$((6*7))-ok\n")
        # A function, not an expression string: Playwright evaluates strings with eval, which the CSP refuses.
        page.wait_for_function("() => document.querySelector('.xterm-rows').innerText.includes('browser-42-ok')")
        page.screenshot(path=str(artifacts / "terminal.png"), full_page=True)
        assert page.evaluate("window.__csp") == []  # xterm.js and its WebSocket under the CSP, on Daphne
        assert "Connected to web-1" in page.locator("#terminal-status").inner_text()
        page.keyboard.type("exit\n")
        page.wait_for_selector("#terminal[data-state=closed]")
        assert "The remote shell exited" in page.locator("#terminal-status").inner_text()
        page.goto(f"{base}/terminal/")
        page.click("text=Replay")
        page.wait_for_selector("#player[data-state=ready]")
        page.click("#player-all")
        replayed = "() => document.querySelector('#player .xterm-rows').innerText.includes('browser-42-ok')"
        page.wait_for_function(replayed)
        page.screenshot(path=str(artifacts / "terminal-replay.png"), full_page=True)
        assert page.evaluate("window.__csp") == []
    assert (artifacts / "terminal.png").stat().st_size > 1000
