"""The signed link in a message: sign in first, then the approval card; a tampered or expired link says so; opening
a link never approves (approving stays a POST on the card, with its rules)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing

from remediation.notifications import signed_link
from remediation.notifications.links import SALT

pytestmark = pytest.mark.django_db
CARD = "/runbooks/approvals/#approval-42"


def _path(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def test_it_sends_a_stranger_to_sign_in_and_then_to_the_card(client, approver, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PORTAL_URL = "https://remediation.example.com/"
    link = signed_link(CARD)
    assert link.startswith("https://remediation.example.com/notifications/link/?t=")
    response = client.get(_path(link))
    assert response.status_code == 302
    login = urlsplit(response["Location"])
    assert login.path == "/login/" and parse_qs(login.query)["next"] == [_path(link)]
    client.force_login(approver)
    response = client.get(_path(link))
    assert (response.status_code, response["Location"]) == (302, CARD)


def test_a_tampered_link_is_refused_with_a_clear_page(client, approver) -> None:  # type: ignore[no-untyped-def]
    client.force_login(approver)
    token = parse_qs(urlsplit(signed_link(CARD)).query)["t"][0]
    forged = signing.TimestampSigner(salt=SALT).sign_object({"path": CARD})[:-2] + "xx"
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), forged, "", "not-a-token"):
        response = client.get("/notifications/link/", {"t": bad})
        assert response.status_code == 400
        assert "This link is not valid" in response.content.decode() and "Location" not in response


def test_a_link_signed_with_another_key_or_leading_outside_is_refused(client, approver) -> None:  # type: ignore[no-untyped-def]
    client.force_login(approver)
    other = signing.TimestampSigner(key="another-secret-key-" * 3, salt=SALT).sign_object({"path": CARD})
    outside = signing.TimestampSigner(salt=SALT).sign_object({"path": "//evil.example/x"})
    for token in (other, outside):
        assert client.get("/notifications/link/", {"t": token}).status_code == 400


def test_an_expired_link_is_refused_with_a_clear_page(client, approver, settings) -> None:  # type: ignore[no-untyped-def]
    client.force_login(approver)
    link = signed_link(CARD)
    settings.NOTIFY_LINK_MAX_AGE_SECONDS = -1  # every link is now older than allowed
    response = client.get(_path(link))
    assert response.status_code == 400
    page = response.content.decode()
    assert "This link has expired" in page and "Nothing was approved or changed" in page


def test_opening_a_link_only_reads(client, approver) -> None:  # type: ignore[no-untyped-def]
    client.force_login(approver)
    assert client.post(_path(signed_link(CARD))).status_code == 405
