"""The execution page in Chromium against real Daphne + a real qcluster: live output, correct after a reload.

The runner runs in the qcluster process and the page's WebSocket in Daphne, with the embedded in-memory channel
layer, so every live update here travels through the consumer's database tail.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.processes import daphne_args, free_port, running, wait_http
from tests.runbooks.httpd import http_server  # noqa: F401  (fixture)
from tests.runbooks.world import ADMIN_PASSWORD, World


def test_it_streams_an_execution_and_stays_correct_on_reload(page, http_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world = World(tmp_path, http_server.port)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (
        running(daphne_args(port), world.env, tmp_path / "daphne.log") as web,
        running([sys.executable, "manage.py", "qcluster"], world.env, tmp_path / "qcluster.log"),
    ):
        wait_http(base + "/healthz", web)
        page.goto(base + "/login/")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", ADMIN_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("h1:has-text('Dashboard')")

        execution = world.request("three")
        page.goto(f"{base}/runbooks/executions/{execution}/")
        page.wait_for_selector("#live:has-text('live')")
        # Live: the first step's output arrives while the second is still running.
        page.wait_for_selector(".steprun pre.out:has-text('marker=one')", timeout=30_000)
        page.wait_for_selector("#status:has-text('running')")
        assert page.locator("#cancel-form button").is_visible()  # the admin may cancel a running execution
        page.reload()  # mid-run: the server-rendered snapshot, then the socket, carry on
        page.wait_for_selector(".steprun pre.out:has-text('marker=one')")
        page.wait_for_selector("#status:has-text('succeeded')", timeout=30_000)
        # Finished while watched: Cancel goes with the live status update, not on the next reload.
        page.wait_for_selector("#cancel-form", state="detached", timeout=5_000)
        assert page.locator("#finished").inner_text().endswith(" UTC") and page.locator("#duration").inner_text() != "—"
        text = page.locator("#steps").inner_text()
        assert page.locator(".steprun").count() == 3
        for marker in ("marker=one", "marker=two", "marker=three"):
            # Each marker appears in the request line and in the response body, exactly once each.
            assert text.count(marker) == 2, text
        page.reload()
        page.wait_for_selector("#status:has-text('succeeded')")
        assert page.locator("#steps").inner_text() == text
