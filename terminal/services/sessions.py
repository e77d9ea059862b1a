"""Terminal sessions: who may open a shell where, opening, closing and reaping sessions (audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from remediation import ssh
from remediation.actors import Actor, person_of
from remediation.audit_context import AuditContext, audit_context
from remediation.grants import OPEN_PERM, can_open_terminal
from remediation.models import Server
from remediation.permissions import REVIEW_TERMINALSESSION
from remediation.services.audit import record_event
from remediation.services.credentials import CredentialUnavailable
from remediation.services.inventory import InventoryError, configured_timeouts, ssh_target
from terminal import metrics
from terminal.bridge import Limits
from terminal.choices import DenyReason, EndReason, SessionStatus
from terminal.models import TerminalSession
from terminal.recordings import CastRecorder, recording_relpath, resolve
from terminal.shell import Shell, clamp_size, start_shell

REVIEW_PERM = REVIEW_TERMINALSESSION
MIN_FLOW_WINDOW = 256 * 1024
SSH_STAGE_REASONS = {"host_key": DenyReason.HOST_KEY, "auth": DenyReason.AUTH}

User = AuthUser | AnonymousUser


class TerminalDenied(Exception):
    """A terminal cannot be opened; `reason` is a DenyReason value, `message` says why in words."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class OpenedSession:
    """A live session: its row, the connected shell and the recorder writing its cast file."""

    session: TerminalSession
    shell: Shell
    recorder: CastRecorder


def limits() -> Limits:
    """Session limits from settings."""
    return Limits(
        idle_seconds=settings.TERMINAL_IDLE_TIMEOUT,
        max_seconds=settings.TERMINAL_MAX_SESSION_SECONDS,
        # The page acknowledges every 64 KiB rendered; a smaller window would stall the session.
        window=max(settings.TERMINAL_FLOW_WINDOW, MIN_FLOW_WINDOW),
    )


def authorize_terminal(user: User, server_id: int) -> Server:
    """The server `user` may open a terminal on now; raises TerminalDenied (unknown servers look forbidden)."""
    server = Server.objects.select_related("credential").filter(pk=server_id).first()
    if server is None or not can_open_terminal(user, server):
        raise TerminalDenied(DenyReason.FORBIDDEN, "You may not open a terminal on this server.")
    if not server.enabled:
        raise TerminalDenied(DenyReason.DISABLED, f"Server {server.name} is disabled.")
    return server


def _open_sessions(user: AuthUser) -> QuerySet[TerminalSession]:
    # A row left open by a web process that died stops counting once it is past the maximum length.
    since = timezone.now() - dt.timedelta(seconds=settings.TERMINAL_MAX_SESSION_SECONDS + 60)
    return TerminalSession.objects.filter(user=user, status=SessionStatus.OPEN, started_at__gte=since)


def _check_concurrency(user: AuthUser) -> None:
    allowed = settings.TERMINAL_MAX_SESSIONS_PER_USER
    if _open_sessions(user).count() >= allowed:
        raise TerminalDenied(DenyReason.TOO_MANY, f"You already have {allowed} open terminal session(s).")


def _connect(server: Server, *, actor: Actor, cols: int, rows: int, client_ip: str) -> Shell:
    """Decrypt the credential (audited) and start the shell; failures audited as terminal.refused."""
    try:
        target = ssh_target(server, actor=actor, purpose="terminal session")
        return start_shell(target, cols=cols, rows=rows, timeouts=configured_timeouts())
    except ssh.SshError as exc:
        reason, message = SSH_STAGE_REASONS.get(exc.stage, DenyReason.UNREACHABLE), exc.message
    except (InventoryError, CredentialUnavailable) as exc:
        reason, message = DenyReason.NO_CREDENTIAL, str(exc)
    record_event(actor=actor, action="terminal.refused", obj=server, reason=f"{reason}: {message}")
    metrics.TERMINAL_SESSIONS.labels(event="refused", reason=reason).inc()
    raise TerminalDenied(reason, message)


def open_session(*, actor: Actor, server: Server, cols: int, rows: int, client_ip: str = "") -> OpenedSession:
    """Connect a PTY shell, store the session row and start its recording; audits terminal.opened. Blocking."""
    user = person_of(actor)
    cols, rows = clamp_size(cols, rows)
    _check_concurrency(user)
    shell = _connect(server, actor=actor, cols=cols, rows=rows, client_ip=client_ip)
    try:
        with transaction.atomic():
            # Two tabs opening at once must not both slip under the limit: serialise on the user's row.
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
            _check_concurrency(user)
            session = TerminalSession(
                user=user,
                server=server,
                server_name=server.name,
                cols=cols,
                rows=rows,
                client_ip=client_ip or None,
                recording_input=settings.TERMINAL_RECORD_INPUT,
            )
            session.recording_path = recording_relpath(str(session.uuid), session.started_at)
            session.save()
            after = {"server": server.name, "cols": cols, "rows": rows, "client_ip": client_ip}
            after["recording_input"] = session.recording_input
            record_event(actor=actor, action="terminal.opened", obj=session, after=after)
        metrics.TERMINAL_SESSIONS.labels(event="opened", reason="").inc()
        recorder = CastRecorder(
            resolve(session.recording_path),
            width=cols,
            height=rows,
            title=f"{user.get_username()}@{server.name}",
            record_input=session.recording_input,
        )
    except BaseException:
        shell.close()
        raise
    return OpenedSession(session=session, shell=shell, recorder=recorder)


def close_session(
    session_id: int, *, actor: Actor, reason: str, bytes_in: int, bytes_out: int, detail: str = ""
) -> TerminalSession | None:
    """Mark an open session closed with its reason and byte counts; audits terminal.closed (once)."""
    now = timezone.now()
    with transaction.atomic():
        closed = TerminalSession.objects.filter(pk=session_id, status=SessionStatus.OPEN).update(
            status=SessionStatus.CLOSED,
            ended_at=now,
            end_reason=reason,
            end_detail=detail[:300],
            bytes_in=bytes_in,
            bytes_out=bytes_out,
        )
        session = TerminalSession.objects.select_related("user").get(pk=session_id)
        if closed:
            seconds = session.duration_seconds
            after = {"reason": reason, "bytes_in": bytes_in, "bytes_out": bytes_out, "seconds": seconds}
            # A sweeper closes sessions far from their socket: the event carries the address the session had.
            with audit_context(AuditContext(ip=session.client_ip or "")):
                record_event(actor=actor, action="terminal.closed", obj=session, after=after, reason=detail or reason)
    if closed:
        metrics.TERMINAL_SESSIONS.labels(event="closed", reason=reason).inc()
        metrics.TERMINAL_BYTES.labels(direction="in").inc(bytes_in)
        metrics.TERMINAL_BYTES.labels(direction="out").inc(bytes_out)
    return session if closed else None


def visible_sessions(user: User) -> QuerySet[TerminalSession]:
    """Every session for reviewers (admins), a user's own for terminal users, nothing for anyone else."""
    sessions = TerminalSession.objects.select_related("user", "server")
    if user.has_perm(REVIEW_PERM):
        return sessions
    if user.is_authenticated and user.has_perm(OPEN_PERM):
        return sessions.filter(user_id=user.pk)
    return sessions.none()


def reap_stale_sessions() -> int:
    """Close rows left open by a web process that ended (past the maximum length); returns how many."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.TERMINAL_MAX_SESSION_SECONDS + 60)
    count = 0
    for session in TerminalSession.objects.filter(status=SessionStatus.OPEN, started_at__lt=cutoff):
        done = close_session(session.pk, actor=Actor.system(), reason=EndReason.STALE, bytes_in=0, bytes_out=0)
        count += done is not None
    return count
