"""The `http` executor: one request per target (or once), only to registered or allow-listed hosts.

TLS is verified unless the step turns it off, redirects are never followed (a 3xx is just a status), and the
connection goes to the exact address that passed the checks, so DNS cannot swap in a metadata address afterwards.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import socket
import ssl
import urllib.parse
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from remediation.actors import Actor
from runbooks.choices import ErrorKind
from runbooks.executors.base import Action, Executor, Outcome, StepIO, register
from runbooks.specs import HTTP_METHOD, StepSpec
from runbooks.targets import Target, registered_addresses
from runbooks.templating import check_syntax, web
from runbooks.templating.engine import Rendered, TemplateProblem

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}
# Cloud metadata endpoints that are not link-local (AWS IPv6, Alibaba).
METADATA = {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}


class HostRefused(Exception):
    """The request's host is not one HTTP steps may call."""


def refuse_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why an address may never be called ('' when it may)."""
    if address.is_link_local or address in METADATA:
        return f"{address} is a link-local or cloud metadata address"
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return f"{address} is not a unicast address"
    return ""


def check_host(host: str) -> str:
    """Plan-time check of a URL host without any lookup: '' when allowed."""
    name = host.lower().strip("[]")
    try:
        literal = ipaddress.ip_address(name)
    except ValueError:
        literal = None
    if literal is not None and refuse_address(literal):
        return refuse_address(literal)
    allowed = {h.lower() for h in settings.RUNBOOK_HTTP_ALLOWED_HOSTS} | registered_addresses()
    if name not in allowed:
        return f"host {host!r} is neither a registered server nor in RUNBOOK_HTTP_ALLOWED_HOSTS"
    return ""


def resolve_checked(host: str, port: int) -> str:
    """Resolve the host and return an address to connect to; every resolved address must pass the checks."""
    problem = check_host(host)
    if problem:
        raise HostRefused(problem)
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise HostRefused(f"cannot resolve {host!r}: {exc}") from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        if refuse_address(address):
            raise HostRefused(f"{host!r} resolves to {refuse_address(address)}")
    return str(addresses[0])


@register
class HttpExecutor(Executor):
    """Sends one HTTP request and reports the status and body."""

    kind = "http"

    def validate(self, step: Mapping[str, Any]) -> list[str]:
        problems = []
        if (step.get("method") or HTTP_METHOD).upper() not in METHODS:
            problems.append(f"method must be one of {sorted(METHODS)}")
        if not step.get("url"):
            problems.append("an http step needs a url")
        headers = step.get("headers") or {}
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            problems.append("headers must map names to string templates")
        statuses = step.get("expected_statuses") or []
        if not isinstance(statuses, list) or not all(isinstance(s, int) for s in statuses):
            problems.append("expected_statuses must be a list of integers")
        for source in [step.get("url") or "", step.get("body") or "", *headers.values()]:
            if check_syntax(str(source)):
                problems.append(check_syntax(str(source)))
        return problems

    def plan(self, step: StepSpec, variables: dict[str, Any], target: Target | None) -> Action:
        action = Action(kind=self.kind, step=step, target=target)
        try:
            url = web.render_url(step.url, variables)
            headers = {k: web.render_header(k, v, variables) for k, v in step.headers.items()}
            body = web.render_body(step.body, variables) if step.body else Rendered()
        except TemplateProblem as exc:
            action.problems.append(str(exc))
            return action
        for part in (url, *headers.values(), body):
            action.problems += part.problems
        parts = urllib.parse.urlsplit(url.text)
        if not action.problems and not parts.hostname:
            action.problems.append(f"URL must be http(s)://host/...: {url.text!r}")
        elif parts.hostname and check_host(parts.hostname):
            action.problems.append(check_host(parts.hostname))
        if step.credential:
            problem = credential_refusal(step.credential, url.text)
            if problem:
                action.problems.append(problem)
        method = step.method
        rendered_headers = {k: v.text for k, v in headers.items()}
        action.payload = {"method": method, "url": url.text, "headers": rendered_headers, "body": body.text}
        secret = [v for k, v in headers.items() if _secret_header(k)]
        found = [v.text for v in secret] + [s["value"] for v in secret for s in v.substitutions]
        action.secrets = tuple(found + [s for part in (url, *headers.values(), body) for s in part.secrets])
        action.substitutions = url.substitutions + body.substitutions
        action.substitutions += [s for v in headers.values() if v not in secret for s in v.substitutions]
        action.raw = any(s["placement"] == "raw" for s in action.substitutions)
        credential = f" (credential {step.credential!r})" if step.credential else ""
        action.segments = [(f"{method} ", None), *url.segments, (credential, None)]
        action.segments += [("\n", None), *body.segments] if body.text else []
        action.display = "".join(text for text, _ in action.segments)
        return action

    def prepare(self, action: Action, cache: dict[Any, Any], purpose: str) -> None:
        """Attach the step's credential as an Authorization header (decrypted once per execution, audited)."""
        name = action.step.credential
        if not name:
            return
        from remediation.models import Credential, CredentialKind
        from remediation.services.credentials import use_credential

        problem = credential_refusal(name, action.payload["url"])
        if problem:  # checked at plan time too; here again, right before the secret would be attached
            raise CredentialUnbound(problem)
        key = ("credential", name)
        if key not in cache:
            cache[key] = use_credential(Credential.objects.get(name=name), actor=Actor.system(), purpose=purpose)
        secrets = cache[key]
        if secrets.kind == CredentialKind.API_TOKEN:
            value = f"Bearer {secrets.token or ''}"
        else:
            pair = f"{secrets.username}:{secrets.password or ''}".encode()
            value = "Basic " + base64.b64encode(pair).decode()
        action.payload["headers"] = {**action.payload["headers"], "Authorization": value}
        found = (secrets.token, secrets.password, value, value.split(" ", 1)[1])
        action.secrets = tuple(s for s in (*action.secrets, *found) if s)

    def execute(self, action: Action, io: StepIO) -> Outcome:
        payload = action.payload
        parts = urllib.parse.urlsplit(payload["url"])
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        try:
            address = resolve_checked(parts.hostname or "", port)
        except HostRefused as exc:
            return Outcome(error_kind=ErrorKind.POLICY, error=str(exc))
        connection = _connection(parts.hostname or "", port, address, https, action.step, io.timeout)
        io.on_abort(lambda: _shut(connection))
        headers = dict(payload["headers"])
        if payload["body"]:
            headers.setdefault("Content-Type", "application/json")
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            connection.request(payload["method"], path, body=payload["body"].encode() or None, headers=headers)
            response = connection.getresponse()
            data = response.read(settings.RUNBOOK_OUTPUT_LIMIT + 1)
        except TimeoutError:
            return Outcome(error_kind=ErrorKind.TIMEOUT, error=f"no response within {io.timeout:g}s")
        except (OSError, http.client.HTTPException) as exc:
            kind = ErrorKind.CANCELLED if io.cancel.is_set() else ErrorKind.TRANSPORT
            return Outcome(error_kind=kind, error=f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()
        io.emit("stdout", data.decode("utf-8", errors="replace"))
        return Outcome(http_status=response.status)


class CredentialUnbound(Exception):
    """The step's credential is not bound to the origin of the request's URL."""


def credential_refusal(name: str, url: str) -> str:
    """Why credential `name` may not be sent to `url` ('' when its allowed origins include the URL's origin)."""
    from remediation.models import Credential
    from remediation.net import origin_of

    credential = Credential.objects.filter(name=name).only("allowed_origins").first()
    if credential is None:
        return f"credential {name!r} does not exist"
    origin = origin_of(url)
    if not origin or origin not in (credential.allowed_origins or []):
        return f"credential {name!r} is not bound to {origin or url!r}; add the origin to its allowed origins"
    return ""


def _secret_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in {"authorization", "proxy-authorization", "cookie"} or any(
        word in lowered for word in ("token", "secret", "key", "password")
    )


def _connection(
    host: str, port: int, address: str, https: bool, step: StepSpec, timeout: float
) -> http.client.HTTPConnection:
    if https:
        context = ssl.create_default_context()
        if not step.tls_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, port, timeout=timeout, context=context
        )
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)

    # Connect to the checked address; the Host header and TLS SNI still name the host.
    def create(addr: Any, timeout: Any = None, source_address: Any = None) -> socket.socket:
        return socket.create_connection((address, port), timeout, source_address)

    connection._create_connection = create  # type: ignore[attr-defined]
    return connection


def _shut(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        sock.shutdown(socket.SHUT_RDWR)
