"""Portal pages: the terminal page per server, the sessions list."""

from __future__ import annotations

import pytest

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


def _links(client, alert) -> str:  # type: ignore[no-untyped-def]
    return str(client.get(f"/alerts/{alert.pk}/").content.decode())


# The alert page resolves its server as the remediate hand-off does (remediation.services.targeting): the terminal
# had its own resolution, which offered every server of an ambiguous name where a remediation refuses to guess.
def test_it_offers_no_terminal_on_a_disabled_server_the_alert_names(client, operator) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory(name="web-1", enabled=False)
    TerminalGrantFactory(user=operator, server=server)
    client.force_login(operator)
    assert "/terminal/servers/" not in _links(client, AlertFactory(labels={"instance": "web-1:9100"}))


def test_it_offers_no_terminal_when_the_instance_names_two_servers(client, operator) -> None:  # type: ignore[no-untyped-def]
    first = ServerFactory(name="web-1", hostname="10.0.0.5")
    second = ServerFactory(name="web-2", hostname="10.0.0.6", aliases=["WEB-1"])
    TerminalGrantFactory(user=operator, server=first)
    TerminalGrantFactory(user=operator, server=second)
    client.force_login(operator)
    assert "/terminal/servers/" not in _links(client, AlertFactory(labels={"instance": "web-1:9100"}))


def test_it_matches_aliases_whole_not_by_substring(client, operator) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory(name="web-1", hostname="10.0.0.5", aliases=["web-1.prod.example"])
    TerminalGrantFactory(user=operator, server=server)
    client.force_login(operator)
    assert "/terminal/servers/" not in _links(client, AlertFactory(labels={"instance": "web-1.prod:9100"}))
    assert f"/terminal/servers/{server.pk}/" in _links(client, AlertFactory(labels={"instance": "WEB-1.PROD.example"}))
