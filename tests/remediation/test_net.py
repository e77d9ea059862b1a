"""Client addresses: HTTP requests and WebSocket scopes derived by the one helper, proxies trusted only when set."""

from __future__ import annotations

from django.test import RequestFactory, override_settings

from remediation.net import client_ip, scope_client_ip


def scope(peer: str, *forwarded: bytes) -> dict:  # type: ignore[type-arg]
    return {"client": (peer, 41000), "headers": [(b"x-forwarded-for", value) for value in forwarded]}


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_it_ignores_forwarded_headers_of_a_websocket_without_trusted_proxies() -> None:
    assert scope_client_ip(scope("10.0.0.5", b"203.0.113.1")) == "10.0.0.5"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_it_takes_the_right_most_hop_of_a_websocket_behind_one_proxy() -> None:
    assert scope_client_ip(scope("10.0.0.5", b"203.0.113.1, 198.51.100.2")) == "198.51.100.2"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_it_reads_repeated_forwarded_headers_as_one_list_like_django_does() -> None:
    websocket = scope("10.0.0.5", b"203.0.113.1", b"198.51.100.2, 192.0.2.3")
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.1,198.51.100.2, 192.0.2.3"
    )
    assert scope_client_ip(websocket) == client_ip(request) == "198.51.100.2"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_it_falls_back_to_the_peer_when_the_trusted_hop_is_not_an_address() -> None:
    # Stored in inet columns (audit events, terminal sessions): a non-address would fail the write on PostgreSQL.
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="unknown")
    assert client_ip(request) == "10.0.0.5"
    assert scope_client_ip(scope("10.0.0.5", b"203.0.113.1, not-an-ip")) == "10.0.0.5"
    assert scope_client_ip(scope("10.0.0.5", b"2001:db8::7")) == "2001:db8::7"


def test_it_answers_empty_for_a_scope_without_a_peer() -> None:
    assert scope_client_ip({"headers": []}) == ""
