"""Portal pages: the terminal page per server, the sessions list."""

from __future__ import annotations

import pytest

from terminal import services
from tests.factories import AlertFactory, ServerFactory, TerminalGrantFactory, TerminalSessionFactory

pytestmark = pytest.mark.django_db


def test_it_shows_the_terminal_page_only_to_users_who_may_open_it(client, operator) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory(name="web-1")
    client.force_login(operator)
    assert client.get(f"/terminal/servers/{server.pk}/").status_code == 403
    TerminalGrantFactory(user=operator, server=server)
    page = client.get(f"/terminal/servers/{server.pk}/")
    assert page.status_code == 200
    assert f'data-ws-path="/ws/terminal/{server.pk}/"'.encode() in page.content
    assert b"vendor/xterm/xterm.js" in page.content and b"cdn" not in page.content.lower()


def test_it_lists_sessions_in_the_portal(client, operator, admin_user) -> None:  # type: ignore[no-untyped-def]
    TerminalSessionFactory(user=operator, server_name="web-1")
    TerminalSessionFactory(user=admin_user, server_name="db-1")
    client.force_login(operator)
    page = client.get("/terminal/")
    assert page.status_code == 200 and b"web-1" in page.content and b"db-1" not in page.content


def test_it_sends_anonymous_visitors_to_the_login_page(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/terminal/servers/1/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_links_the_terminal_from_the_server_list_where_allowed(client, operator) -> None:  # type: ignore[no-untyped-def]
    granted, other = ServerFactory(name="web-1"), ServerFactory(name="db-1")
    TerminalGrantFactory(user=operator, server=granted)
    client.force_login(operator)
    page = client.get("/servers/").content.decode()
    assert f'href="/terminal/servers/{granted.pk}/"' in page
    assert f'href="/terminal/servers/{other.pk}/"' not in page


def test_it_links_the_terminal_from_the_alert_about_that_server(client, operator) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory(name="web-1", hostname="10.0.0.5", aliases=["web-1.prod"])
    TerminalGrantFactory(user=operator, server=server)
    alert = AlertFactory(labels={"alertname": "DiskFull", "instance": "WEB-1.prod:9100"})
    elsewhere = AlertFactory(labels={"alertname": "DiskFull", "instance": "db-7:9100"})
    client.force_login(operator)
    assert f'href="/terminal/servers/{server.pk}/"' in client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "/terminal/servers/" not in client.get(f"/alerts/{elsewhere.pk}/").content.decode()


def test_it_reads_the_host_from_the_instance_label() -> None:
    assert services.instance_host("web-1:9100") == "web-1"
    assert services.instance_host("[::1]:9100") == "::1"
    assert services.instance_host("fe80::1") == "fe80::1"
    assert services.instance_host(" Web-1 ") == "web-1"
