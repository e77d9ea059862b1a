"""/api/v1/ai/providers/: Admin only, write-only encrypted key, one default, audited, "test provider"."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, connection, transaction

from ai.llm import plain_key
from ai.models import Provider
from remediation.actors import Actor
from remediation.models import AuditEvent
from remediation.services.credentials import rotate_encryption_key
from tests.ai.conftest import PROVIDER_KEY
from tests.factories import ProviderFactory
from tests.llm_server import LLMServer, Reply

URL = "/api/v1/ai/providers/"
NEW_KEY = "sk-brand-NEWKEY-abcdefghijklmnop0123"

pytestmark = pytest.mark.django_db


def _audit_text() -> str:
    return json.dumps(list(AuditEvent.objects.values("before", "after", "reason")))


def test_it_seeds_disabled_examples_so_an_admin_only_adds_a_key() -> None:
    seeded = {p.name: p for p in Provider.objects.all()}
    assert {"OpenAI", "Anthropic", "Ollama (local)"} <= set(seeded)
    assert not any(p.enabled for p in seeded.values())
    assert seeded["OpenAI"].is_default and seeded["Ollama (local)"].api_base.startswith("http://127.0.0.1")


@pytest.mark.parametrize("role", ["operator", "approver", "viewer", "stranger"])
def test_it_is_admin_only(role: str, request: pytest.FixtureRequest, api_as) -> None:  # type: ignore[no-untyped-def]
    client = api_as(request.getfixturevalue(role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"name": "x", "model": "openai/x"}, format="json").status_code == 403


def test_it_rejects_anonymous_callers(api) -> None:  # type: ignore[no-untyped-def]
    assert api.get(URL).status_code == 401


def test_it_stores_the_key_encrypted_and_never_returns_or_audits_it(admin_user, api_as) -> None:  # type: ignore[no-untyped-def]
    client = api_as(admin_user)
    body = {"name": "prod", "model": "openai/gpt-4o-mini", "api_key": PROVIDER_KEY, "enabled": True}
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["api_key_status"] == "set" and "api_key" not in response.json()
    listing = client.get(URL).content.decode()
    assert PROVIDER_KEY not in listing and PROVIDER_KEY not in response.content.decode()
    provider = Provider.objects.get(name="prod")
    assert plain_key(provider.api_key) == PROVIDER_KEY
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key FROM ai_provider WHERE id = %s", [provider.pk])
        stored = cursor.fetchone()[0]
    assert PROVIDER_KEY.encode() not in bytes(stored)
    event = AuditEvent.objects.get(action="provider.created")
    assert event.after["api_key"] == "set" and event.actor == admin_user
    assert PROVIDER_KEY not in _audit_text()


def test_it_keeps_the_key_unless_a_new_one_is_given(admin_user, api_as) -> None:  # type: ignore[no-untyped-def]
    provider = ProviderFactory(api_key=PROVIDER_KEY)
    client = api_as(admin_user)
    assert client.patch(f"{URL}{provider.pk}/", {"temperature": 0.5}, format="json").status_code == 200
    provider.refresh_from_db()
    assert plain_key(provider.api_key) == PROVIDER_KEY and provider.temperature == 0.5
    assert client.patch(f"{URL}{provider.pk}/", {"api_key": NEW_KEY}, format="json").status_code == 200
    provider.refresh_from_db()
    assert plain_key(provider.api_key) == NEW_KEY
    changed = AuditEvent.objects.filter(action="provider.updated").order_by("id").last()
    assert changed is not None and changed.after == {"api_key": "changed"} and changed.before == {"api_key": "set"}
    assert PROVIDER_KEY not in _audit_text() and NEW_KEY not in _audit_text()


def test_it_hands_the_default_over_and_the_database_allows_only_one() -> None:
    Provider.objects.update(is_default=False)
    first = ProviderFactory(is_default=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderFactory(is_default=True)
    assert Provider.objects.filter(is_default=True).get() == first


def test_it_moves_the_default_through_the_api(admin_user, api_as) -> None:  # type: ignore[no-untyped-def]
    other = ProviderFactory()
    response = api_as(admin_user).patch(f"{URL}{other.pk}/", {"is_default": True}, format="json")
    assert response.status_code == 200, response.content
    assert list(Provider.objects.filter(is_default=True)) == [other]


def test_it_rejects_an_invalid_model_string(admin_user, api_as) -> None:  # type: ignore[no-untyped-def]
    response = api_as(admin_user).post(URL, {"name": "bad", "model": "gpt"}, format="json")
    assert response.status_code == 400 and "model" in response.json()["errors"]


def test_it_tests_a_provider_with_one_tiny_request(admin_user, api_as, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    response = api_as(admin_user).post(f"{URL}{provider.pk}/test/")
    assert response.status_code == 200
    assert response.json()["ok"] is True and response.json()["latency_ms"] >= 0
    assert len(llm_server.requests) == 1 and llm_server.requests[0]["max_tokens"] == 16
    assert AuditEvent.objects.get(action="provider.tested").after["ok"] is True


def test_it_reports_the_error_of_a_failing_provider(admin_user, api_as, provider, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    llm_server.push(Reply(status=500))
    body = api_as(admin_user).post(f"{URL}{provider.pk}/test/").json()
    assert body["ok"] is False and body["error"].startswith("server_error")
    assert len(llm_server.requests) == 1  # a probe is never retried
    assert PROVIDER_KEY not in body["error"] and PROVIDER_KEY not in _audit_text()


def test_it_creates_a_provider_and_tests_it_from_the_admin(admin_user, client, llm_server: LLMServer) -> None:  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    form = {
        "name": "from-admin",
        "model": "openai/gpt-4o-mini",
        "api_base": llm_server.url,
        "new_api_key": PROVIDER_KEY,
        "timeout_seconds": 5,
        "temperature": 0.2,
        "max_tokens": 256,
        "enabled": "on",
    }
    assert client.post("/admin/ai/provider/add/", form).status_code == 302
    provider = Provider.objects.get(name="from-admin")
    assert plain_key(provider.api_key) == PROVIDER_KEY
    page = client.get(f"/admin/ai/provider/{provider.pk}/change/").content.decode()
    assert PROVIDER_KEY not in page and "Currently set" in page
    action = {"action": "test_providers", "_selected_action": [provider.pk]}
    result = client.post("/admin/ai/provider/", action, follow=True).content.decode()
    assert "answered in" in result and len(llm_server.requests) == 1
    assert AuditEvent.objects.filter(action="provider.created", object_id=str(provider.pk)).exists()


def test_it_re_encrypts_provider_keys_with_the_credential_key_rotation(settings) -> None:  # type: ignore[no-untyped-def]
    provider = ProviderFactory(api_key=PROVIDER_KEY)
    old, new = settings.CRYPTOGRAPHY_KEY, "rotated-key-" + "Zx9Cv8Bn7Mm6Ll5Kk4Jj3Hh2Gg1Ff0"
    report = rotate_encryption_key(old_key=old, new_key=new, actor=Actor.of("system"))
    settings.CRYPTOGRAPHY_KEY = new
    provider.refresh_from_db()
    assert plain_key(provider.api_key) == PROVIDER_KEY and report is not None


@pytest.mark.parametrize(
    "change",
    [{"api_base": "http://127.0.0.1:1/evil"}, {"model": "anthropic/claude-3-5-haiku"}, {"api_base": ""}],
)
def test_it_refuses_a_new_destination_for_the_stored_key_unless_it_is_entered_again(  # type: ignore[no-untyped-def]
    admin_user, api_as, change
) -> None:
    provider = ProviderFactory(api_key=PROVIDER_KEY, model="openai/gpt-4o-mini", api_base="http://127.0.0.1:9/v1")
    client = api_as(admin_user)
    refused = client.patch(f"{URL}{provider.pk}/", change, format="json")
    assert refused.status_code == 400 and "enter the API key again" in str(refused.json()["errors"]["api_key"])
    provider.refresh_from_db()
    assert (provider.model, provider.api_base) == ("openai/gpt-4o-mini", "http://127.0.0.1:9/v1")
    assert client.patch(f"{URL}{provider.pk}/", {**change, "api_key": NEW_KEY}, format="json").status_code == 200
    provider.refresh_from_db()
    assert plain_key(provider.api_key) == NEW_KEY
    same_place = client.patch(f"{URL}{provider.pk}/", {"model": f"{provider.model.split('/')[0]}/other"}, format="json")
    assert same_place.status_code == 200  # another model at the same destination keeps the key


def test_it_asks_for_the_key_again_in_the_admin_when_the_api_base_changes(admin_user, client) -> None:  # type: ignore[no-untyped-def]
    provider = ProviderFactory(api_key=PROVIDER_KEY, api_base="http://127.0.0.1:9/v1")
    client.force_login(admin_user)
    form = {
        "name": provider.name,
        "model": provider.model,
        "api_base": "http://127.0.0.1:1/evil",
        "timeout_seconds": 5,
        "temperature": 0.2,
        "max_tokens": 256,
        "enabled": "on",
    }
    page = client.post(f"/admin/ai/provider/{provider.pk}/change/", form)
    assert page.status_code == 200 and "enter the API key again" in page.content.decode()
    provider.refresh_from_db()
    assert provider.api_base == "http://127.0.0.1:9/v1"
    assert client.post(f"/admin/ai/provider/{provider.pk}/change/", {**form, "new_api_key": NEW_KEY}).status_code == 302
    provider.refresh_from_db()
    assert provider.api_base == "http://127.0.0.1:1/evil" and plain_key(provider.api_key) == NEW_KEY


def test_it_makes_a_new_provider_default_from_the_admin_add_form(admin_user, client) -> None:  # type: ignore[no-untyped-def]
    """Issue 18: the add form failed with the raw one-default constraint error and lost the typed key."""
    old = Provider.objects.filter(is_default=True).get()  # a seeded example holds the default
    client.force_login(admin_user)
    form = {
        "name": "new-default",
        "model": "openai/gpt-4o-mini",
        "new_api_key": NEW_KEY,
        "timeout_seconds": 5,
        "temperature": 0.2,
        "max_tokens": 256,
        "enabled": "on",
        "is_default": "on",
    }
    response = client.post("/admin/ai/provider/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    new = Provider.objects.get(name="new-default")
    assert list(Provider.objects.filter(is_default=True)) == [new]
    assert plain_key(new.api_key) == NEW_KEY
    old.refresh_from_db()
    assert old.is_default is False


def test_it_makes_a_new_provider_default_through_the_api(admin_user, api_as) -> None:  # type: ignore[no-untyped-def]
    body = {"name": "api-default", "model": "openai/gpt-4o-mini", "api_key": NEW_KEY, "is_default": True}
    response = api_as(admin_user).post(URL, body, format="json")
    assert response.status_code == 201, response.content
    new = Provider.objects.get(name="api-default")
    assert list(Provider.objects.filter(is_default=True)) == [new] and plain_key(new.api_key) == NEW_KEY
