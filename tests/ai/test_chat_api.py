"""/api/v1/chat/sessions/ and the portal chat pages: owner only, needs remediation.use_chat."""

from __future__ import annotations

import pytest

from ai.models import ChatSession
from remediation.models import AuditEvent
from tests.factories import ChatMessageFactory, ChatSessionFactory

URL = "/api/v1/chat/sessions/"

pytestmark = pytest.mark.django_db


def test_it_creates_and_lists_only_the_callers_sessions(operator, admin_user, api_as) -> None:  # type: ignore[no-untyped-def]
    ChatSessionFactory(user=admin_user, title="not yours")
    client = api_as(operator)
    response = client.post(URL, {"title": "db1 disk"}, format="json")
    assert response.status_code == 201
    titles = [s["title"] for s in client.get(URL).json()["results"]]
    assert titles == ["db1 disk"]
    session = ChatSession.objects.get(title="db1 disk")
    assert session.user == operator
    assert AuditEvent.objects.filter(action="chat.session_created", object_id=str(session.pk)).exists()


def test_it_shows_a_transcript_to_its_owner_only(operator, admin_user, api_as) -> None:  # type: ignore[no-untyped-def]
    mine = ChatMessageFactory(session=ChatSessionFactory(user=operator), content="**hi** <script>x()</script>")
    theirs = ChatSessionFactory(user=admin_user)
    client = api_as(operator)
    body = client.get(f"{URL}{mine.session_id}/").json()
    assert body["messages"][0]["content"].startswith("**hi**")
    assert "<script>" not in body["messages"][0]["html"] and "<strong>hi</strong>" in body["messages"][0]["html"]
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404


@pytest.mark.parametrize("role", ["viewer", "approver", "stranger"])
def test_it_needs_the_chat_permission(role, request, api_as) -> None:  # type: ignore[no-untyped-def]
    client = api_as(request.getfixturevalue(role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"title": "x"}, format="json").status_code == 403


def test_it_serves_the_portal_chat_pages(operator, admin_user, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(operator)
    assert client.get("/ai/chat/").status_code == 200
    response = client.post("/ai/chat/new/", {"title": "from the portal"})
    session = ChatSession.objects.get(title="from the portal")
    assert response.status_code == 302 and response["Location"] == f"/ai/chat/{session.pk}/"
    page = client.get(f"/ai/chat/{session.pk}/").content.decode()
    assert f'data-chat-session="{session.pk}"' in page and "js/chat.js" in page
    assert client.get(f"/ai/chat/{ChatSessionFactory(user=admin_user).pk}/").status_code == 404


def test_it_refuses_the_portal_chat_without_the_permission(viewer, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(viewer)
    assert client.get("/ai/chat/").status_code == 403


def test_it_lets_an_admin_read_a_transcript_in_the_admin_and_audits_it(admin_user, operator, client) -> None:  # type: ignore[no-untyped-def]
    message = ChatMessageFactory(session=ChatSessionFactory(user=operator), content="restart nginx?")
    client.force_login(admin_user)
    page = client.get(f"/admin/ai/chatsession/{message.session_id}/change/").content.decode()
    assert "restart nginx?" in page
    viewed = AuditEvent.objects.get(action="chat.transcript_viewed")
    assert viewed.actor == admin_user and viewed.object_id == str(message.session_id)
