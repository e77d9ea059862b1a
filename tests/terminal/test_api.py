"""/api/v1/terminal-sessions/: own sessions for operators, all for admins, nothing for others; recordings."""

from __future__ import annotations

import pytest

from tests.factories import TerminalSessionFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/terminal-sessions/"


def test_it_lists_own_sessions_for_operators_and_all_for_admins(api_as, operator, admin_user, viewer) -> None:  # type: ignore[no-untyped-def]
    mine = TerminalSessionFactory(user=operator, server_name="web-1")
    TerminalSessionFactory(user=admin_user)
    body = api_as(operator).get(URL).json()
    assert [row["id"] for row in body["results"]] == [mine.id]
    assert body["results"][0]["user"] == "operator" and body["results"][0]["server_name"] == "web-1"
    assert len(api_as(admin_user).get(URL).json()["results"]) == 2
    assert api_as(viewer).get(URL).status_code == 403  # no terminal, no list (as in the portal)
    assert api_as(viewer).get(f"{URL}{mine.id}/").status_code == 403


def test_it_refuses_anonymous_callers(api) -> None:  # type: ignore[no-untyped-def]
    assert api.get(URL).status_code == 401


def test_it_serves_a_recording_only_to_those_who_may_see_it(api_as, operator, admin_user, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.TERMINAL_RECORDINGS_DIR = str(tmp_path)
    session = TerminalSessionFactory(user=admin_user, recording_path="2026/11/26/s.cast")
    (tmp_path / "2026/11/26").mkdir(parents=True)
    (tmp_path / "2026/11/26/s.cast").write_text('{"version": 2, "width": 80, "height": 24}\n[0.1, "o", "hi"]\n')
    response = api_as(admin_user).get(f"{URL}{session.id}/recording/")
    assert response.status_code == 200 and b'"hi"' in b"".join(response.streaming_content)
    assert api_as(operator).get(f"{URL}{session.id}/recording/").status_code == 404
