"""A credential goes only to the origins it is bound to: a real listener on an unbound port receives nothing."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from remediation.actors import Actor
from remediation.models import AuditEvent, Credential
from runbooks.executors import Action, get_executor
from runbooks.executors.http import CredentialUnbound
from runbooks.services.definitions import save_runbook
from runbooks.services.execute import ExecutionRefused, request_execution
from runbooks.services.plan import plan_runbook
from runbooks.services.runner import run_execution
from runbooks.specs import StepSpec

pytestmark = pytest.mark.django_db
TOKEN = "tok-bound-0123456789abcdef"


class Listener:
    """A TCP listener on a free loopback port that records every connection and the bytes it received."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    data = conn.recv(65536)
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
                except OSError:
                    data = b""
                self.received.append(data)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def listener(settings) -> Iterator[Listener]:  # type: ignore[no-untyped-def]
    settings.RUNBOOK_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    listening = Listener()
    yield listening
    listening.sock.close()


def _runbook(url: str, credential: str | None = "api"):  # type: ignore[no-untyped-def]
    step = {"name": "call", "kind": "http", "url": url, **({"credential": credential} if credential else {})}
    return save_runbook({"name": f"call {url}", "steps": [step]}, actor=Actor.of("test"))


def test_it_never_sends_a_credential_to_an_origin_outside_its_binding(http_server, listener, admin_user) -> None:  # type: ignore[no-untyped-def]
    Credential.objects.create(name="api", kind="api_token", token=TOKEN, allowed_origins=[http_server.base])
    # The listener works: a request without a credential reaches it.
    plain = request_execution(_runbook(listener.url + "/plain", credential=None), actor=Actor.of(admin_user))
    run_execution(plain.pk)
    assert len(listener.received) == 1 and b"/plain" in listener.received[0]
    # With the credential, the unbound origin is a plan problem: nothing is requested, nothing connects.
    unbound = _runbook(listener.url + "/steal")
    plan = plan_runbook(unbound, actor=Actor.system())
    assert not plan.ok and f"credential 'api' is not bound to '{listener.url}'" in plan.problems[0]
    with pytest.raises(ExecutionRefused):
        request_execution(unbound, actor=Actor.of(admin_user))
    assert not AuditEvent.objects.filter(action="credential.used").exists()
    # The bound origin gets it.
    bound = request_execution(_runbook(http_server.base + "/headers"), actor=Actor.of(admin_user))
    run_execution(bound.pk)
    assert [r["headers"]["Authorization"] for r in http_server.requests] == [f"Bearer {TOKEN}"]
    assert len(listener.received) == 1 and all(TOKEN.encode() not in data for data in listener.received)


def test_it_checks_the_binding_again_right_before_attaching(http_server, listener) -> None:  # type: ignore[no-untyped-def]
    """A URL that only renders at run time (from an earlier step's output) is checked when the secret would go."""
    Credential.objects.create(name="api", kind="api_token", token=TOKEN, allowed_origins=[http_server.base])
    executor = get_executor("http")
    action = Action(kind="http", step=StepSpec(name="call", kind="http", credential="api"), target=None)
    action.payload = {"method": "GET", "url": listener.url + "/late", "headers": {}, "body": ""}
    with pytest.raises(CredentialUnbound, match="not bound"):
        executor.prepare(action, {}, "test")
    assert "Authorization" not in action.payload["headers"] and not listener.received
    assert not AuditEvent.objects.filter(action="credential.used").exists()


@pytest.mark.parametrize(
    "origins", [["https://api.example.com"], ["http://127.0.0.1:80"], ["HTTP://127.0.0.1:8080/path?x"]]
)
def test_it_stores_origins_normalised_and_refuses_what_is_not_one(origins: list[str]) -> None:
    credential = Credential(name="c", kind="api_token", token=TOKEN, allowed_origins=origins)
    credential.full_clean()
    assert credential.allowed_origins[0] in {
        "https://api.example.com:443",
        "http://127.0.0.1:80",
        "http://127.0.0.1:8080",
    }
    credential.allowed_origins = ["ftp://host", "not a url"]
    with pytest.raises(Exception, match="allowed_origins"):
        credential.full_clean()
