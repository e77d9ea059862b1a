"""Servers: create/update/delete, explicit host-key pinning, SSH targets for other features, connection tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from remediation import ssh
from remediation.actors import Actor, user_of
from remediation.models import Server
from remediation.permissions import PIN_HOST_KEY, TEST_SERVER
from remediation.services.access import require_permission
from remediation.services.audit import diff, record_event, snapshot
from remediation.services.credentials import CredentialUnavailable, Secrets, use_credential

SERVER_FIELDS = (
    "name",
    "hostname",
    "port",
    "username",
    "credential",
    "environment",
    "tags",
    "aliases",
    "description",
    "enabled",
)
AUDITED_FIELDS = (*SERVER_FIELDS, "host_key_type", "host_key_fingerprint")


class InventoryError(Exception):
    """A server operation that cannot go ahead (no credential, host key not what was expected, …)."""


STATUS_FILTERS = {
    "ok": Q(enabled=True, last_test_ok=True),
    "failed": Q(enabled=True, last_test_ok=False),
    "untested": Q(enabled=True, last_test_ok__isnull=True),
    "disabled": Q(enabled=False),
}


def filter_servers(params: Any) -> QuerySet[Server]:
    """Servers matching the list filters (unknown values give an empty list, never an error)."""
    servers = Server.objects.select_related("credential", "host_key_pinned_by")
    if params.get("environment"):
        servers = servers.filter(environment=params["environment"])
    if params.get("enabled") in ("true", "false"):
        servers = servers.filter(enabled=params["enabled"] == "true")
    if params.get("tag"):
        servers = servers.filter(tags__icontains=f'"{params["tag"]}"')
    if str(params.get("credential", "")).isdigit():
        servers = servers.filter(credential_id=int(params["credential"]))
    if params.get("status"):
        servers = servers.filter(STATUS_FILTERS.get(params["status"], Q(pk__in=[])))
    if params.get("q"):
        q = params["q"]
        text = Q(name__icontains=q) | Q(hostname__icontains=q) | Q(description__icontains=q)
        servers = servers.filter(text | Q(aliases__icontains=q))
    return servers


def configured_timeouts() -> ssh.Timeouts:
    """SSH timeouts from settings (SSH_CONNECT_TIMEOUT, SSH_BANNER_TIMEOUT, SSH_AUTH_TIMEOUT, SSH_KEEPALIVE)."""
    return ssh.Timeouts(
        connect=settings.SSH_CONNECT_TIMEOUT,
        banner=settings.SSH_BANNER_TIMEOUT,
        auth=settings.SSH_AUTH_TIMEOUT,
        keepalive=settings.SSH_KEEPALIVE,
    )


def _snapshot(server: Server) -> dict[str, Any]:
    """Audited fields; the credential appears by name under `login_with` (a key named 'credential' is masked)."""
    data = snapshot(server, fields=[f for f in AUDITED_FIELDS if f != "credential"])
    data["login_with"] = server.credential.name if server.credential is not None else None
    return data


def build_server(data: Mapping[str, Any], server: Server | None = None) -> Server:
    """Apply `data` to a (new) server and validate it without saving; raises ValidationError."""
    server = server or Server()
    for name in SERVER_FIELDS:
        if name in data:
            setattr(server, name, data[name])
    server.full_clean()
    return server


@transaction.atomic
def create_server(*, actor: Actor, data: Mapping[str, Any]) -> Server:
    """Create a server (no host key pinned yet); audited."""
    server = build_server(data)
    server.save()
    record_event(actor=actor, action="server.created", obj=server, after=_snapshot(server))
    return server


@transaction.atomic
def update_server(server: Server, *, actor: Actor, data: Mapping[str, Any]) -> Server:
    """Change a server; a new address or port drops the pinned host key (it belonged to the old endpoint)."""
    server = Server.objects.select_for_update().get(pk=server.pk)
    before = _snapshot(server)
    endpoint = (server.hostname, server.port)
    build_server(data, server)
    if (server.hostname, server.port) != endpoint and server.host_key:
        _set_host_key(server, None, actor=Actor.system())
    server.save()
    old, new = diff(before, _snapshot(server))
    if old or new:
        record_event(actor=actor, action="server.updated", obj=server, before=old, after=new)
    return server


@transaction.atomic
def delete_server(server: Server, *, actor: Actor) -> None:
    """Delete a server; audited with its last state."""
    # Recorded first (with the row's id and name), in the same transaction: a refused delete leaves no event.
    record_event(actor=actor, action="server.deleted", obj=server, before=_snapshot(server))
    server.delete()


def _set_host_key(server: Server, key: ssh.HostKey | None, *, actor: Actor) -> None:
    server.host_key_type = key.key_type if key else ""
    server.host_key = key.key_base64 if key else ""
    server.host_key_fingerprint = key.fingerprint if key else ""
    server.host_key_pinned_at = timezone.now() if key else None
    server.host_key_pinned_by = user_of(actor) if key else None


def pinned_key(server: Server) -> ssh.HostKey | None:
    return ssh.HostKey(server.host_key_type, server.host_key) if server.host_key else None


def fetch_host_key(server: Server, *, actor: Actor) -> ssh.HostKey:
    """The host key `server` presents now, pinning nothing: shown to a person, who confirms its fingerprint."""
    require_permission(actor, PIN_HOST_KEY)
    try:
        return ssh.fetch_host_key(server.hostname, server.port, timeouts=configured_timeouts())
    except ssh.SshError as exc:
        raise InventoryError(exc.message) from exc


def pin_host_key(
    server: Server,
    *,
    actor: Actor,
    known_hosts_line: str = "",
    expected_fingerprint: str = "",
) -> Server:
    """Pin a pasted known_hosts line, or fetch the key the server presents now (optionally only if it matches)."""
    require_permission(actor, PIN_HOST_KEY)
    if known_hosts_line:
        try:
            key = ssh.parse_known_hosts_line(known_hosts_line)
        except ValueError as exc:
            raise ValidationError({"known_hosts_line": str(exc)}) from exc
        source = "pasted"
    else:
        try:
            key = ssh.fetch_host_key(server.hostname, server.port, timeouts=configured_timeouts())
        except ssh.SshError as exc:
            raise InventoryError(exc.message) from exc
        source = "fetched"
    if expected_fingerprint and expected_fingerprint.strip() != key.fingerprint:
        raise InventoryError(
            f"The server presented {key.fingerprint}, not the expected {expected_fingerprint.strip()}; nothing pinned."
        )
    # The network round trip above stays outside the transaction: SQLite would hold its write lock meanwhile.
    with transaction.atomic():
        server = Server.objects.select_for_update().get(pk=server.pk)
        before = {"host_key_type": server.host_key_type, "host_key_fingerprint": server.host_key_fingerprint}
        _set_host_key(server, key, actor=actor)
        server.save()
        after = {"host_key_type": key.key_type, "host_key_fingerprint": key.fingerprint, "source": source}
        record_event(actor=actor, action="server.host_key_pinned", obj=server, before=before, after=after)
    return server


def ssh_target(
    server: Server,
    *,
    actor: Actor,
    purpose: str,
    allow_disabled: bool = False,
) -> ssh.Target:
    """What ssh.connect needs for `server`, decrypting its credential through the audited credential service."""
    if not server.enabled and not allow_disabled:
        raise InventoryError(f"Server {server.name} is disabled.")
    if server.credential is None:
        raise InventoryError(f"Server {server.name} has no credential.")
    return connection_target(server, use_credential(server.credential, actor=actor, purpose=purpose))


def connection_target(server: Server, secrets: Secrets) -> ssh.Target:
    """The ssh.Target for `server` with its already decrypted credential (address, user, pinned key, secrets)."""
    return ssh.Target(
        host=server.hostname,
        port=server.port,
        username=server.username,
        pinned_key=pinned_key(server),
        password=secrets.password,
        private_key=secrets.private_key,
        passphrase=secrets.passphrase,
        label=server.name,
    )


@contextlib.contextmanager
def server_session(server: Server, *, actor: Actor, purpose: str) -> Iterator[ssh.Connection]:
    """`with server_session(server, actor=…, purpose=…) as client:` — an authenticated, host-key-checked client."""
    target = ssh_target(server, actor=actor, purpose=purpose)
    with ssh.session(target, timeouts=configured_timeouts()) as client:
        yield client


def _stage(name: str, ok: bool | None, detail: str) -> dict[str, Any]:
    return {"stage": name, "ok": ok, "detail": detail}


def _host_key_stage(server: Server, timeouts: ssh.Timeouts) -> dict[str, Any]:
    presented = ssh.fetch_host_key(server.hostname, server.port, timeouts=timeouts)
    if not server.host_key:
        return _stage(
            "host_key", False, f"Not pinned; the server presents {presented.key_type} {presented.fingerprint}."
        )
    if (presented.key_type, presented.key_base64) != (server.host_key_type, server.host_key):
        return _stage(
            "host_key",
            False,
            f"CHANGED: pinned {server.host_key_type} {server.host_key_fingerprint}, "
            f"server presents {presented.key_type} {presented.fingerprint}.",
        )
    return _stage("host_key", True, f"Matches the pinned key {server.host_key_fingerprint}.")


def _run_stages(server: Server, *, actor: Actor) -> list[dict[str, Any]]:
    timeouts = configured_timeouts()
    stages: list[dict[str, Any]] = []
    try:
        ssh.check_reachable(server.hostname, server.port, timeout=timeouts.connect)
        stages.append(_stage("reachability", True, f"{server.hostname}:{server.port} accepts TCP connections."))
        stages.append(_host_key_stage(server, timeouts))
        if not stages[-1]["ok"]:
            return stages
        target = ssh_target(server, actor=actor, purpose="test connection", allow_disabled=True)
        with ssh.session(target, timeouts=timeouts) as client:
            stages.append(_stage("auth", True, f"Authenticated as {server.username}."))
            result = ssh.run_command(client, settings.SSH_TEST_COMMAND, timeout=timeouts.auth)
        output = (result.stdout.strip() or result.stderr.strip())[:200]
        detail = f"`{settings.SSH_TEST_COMMAND}` exited {result.exit_code}: {output}"
        stages.append(_stage("command", result.exit_code == 0, detail))
    except ssh.SshError as exc:
        stage = {"handshake": "host_key"}.get(exc.stage, exc.stage)
        stages.append(_stage(stage, False, exc.message))
    except (InventoryError, CredentialUnavailable) as exc:
        stages.append(_stage("auth", False, str(exc)))
    return stages


def run_connection_test(server: Server, *, actor: Actor) -> Server:
    """Check reachability, host key, authentication and a harmless command; store and audit the result."""
    require_permission(actor, TEST_SERVER)
    stages = _run_stages(server, actor=actor)
    ok = all(s["ok"] for s in stages) and [s["stage"] for s in stages][-1:] == ["command"]
    server.last_test_at = timezone.now()
    server.last_test_ok = ok
    server.last_test_result = stages
    Server.objects.filter(pk=server.pk).update(
        last_test_at=server.last_test_at, last_test_ok=ok, last_test_result=stages
    )
    record_event(actor=actor, action="server.tested", obj=server, after={"ok": ok, "stages": stages})
    return server
