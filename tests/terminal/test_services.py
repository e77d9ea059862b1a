"""Who may open a terminal where, what each user may see, and housekeeping of rows and recordings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.utils import timezone

from remediation import grants
from remediation.actors import Actor
from remediation.models import AuditEvent
from remediation.sockets import live_user
from terminal.choices import DenyReason, EndReason, SessionStatus
from terminal.models import TerminalSession
from terminal.recordings import resolve
from terminal.services import recordings, sessions
from tests.factories import ServerFactory, TerminalGrantFactory, TerminalSessionFactory

pytestmark = pytest.mark.django_db


def test_it_needs_the_role_permission_and_a_server_or_tag_grant(operator, viewer, stranger) -> None:  # type: ignore[no-untyped-def]
    web, db = ServerFactory(tags=["web"]), ServerFactory(tags=["db"])
    assert not grants.can_open_terminal(operator, web)
    TerminalGrantFactory(user=operator, server=None, tag="web")
    TerminalGrantFactory(user=viewer, server=web)
    TerminalGrantFactory(user=stranger, server=web)
    assert grants.can_open_terminal(operator, web)
    assert not grants.can_open_terminal(operator, db)
    assert not grants.can_open_terminal(viewer, web)  # a grant does not replace the role permission
    assert not grants.can_open_terminal(stranger, web)
    TerminalGrantFactory(user=operator, server=db)
    assert grants.can_open_terminal(operator, db)


def test_it_ignores_expired_grants_and_lets_admins_open_any_server(operator, admin_user) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory()
    TerminalGrantFactory(user=operator, server=server, expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert not grants.can_open_terminal(operator, server)
    assert grants.can_open_terminal(admin_user, server)


def test_it_refuses_disabled_and_unknown_servers(admin_user) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory(enabled=False)
    with pytest.raises(sessions.TerminalDenied) as disabled:
        sessions.authorize_terminal(admin_user, server.pk)
    assert disabled.value.reason == DenyReason.DISABLED
    with pytest.raises(sessions.TerminalDenied) as unknown:
        sessions.authorize_terminal(admin_user, server.pk + 1000)
    assert unknown.value.reason == DenyReason.FORBIDDEN


def test_it_shows_operators_their_own_sessions_and_admins_all(operator, approver, admin_user) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = TerminalSessionFactory(user=operator), TerminalSessionFactory(user=admin_user)
    assert list(sessions.visible_sessions(operator)) == [mine]
    assert set(sessions.visible_sessions(admin_user)) == {mine, theirs}
    assert not sessions.visible_sessions(approver).exists()


def test_it_closes_a_session_once_and_audits_it(operator) -> None:  # type: ignore[no-untyped-def]
    session = TerminalSessionFactory(user=operator)
    kwargs = {"actor": Actor.of(operator), "reason": EndReason.SHELL_EXITED, "bytes_in": 3, "bytes_out": 10}
    assert sessions.close_session(session.pk, **kwargs) is not None
    assert sessions.close_session(session.pk, **kwargs) is None
    session.refresh_from_db()
    assert (session.status, session.bytes_in, session.bytes_out) == (SessionStatus.CLOSED, 3, 10)
    assert AuditEvent.objects.filter(action="terminal.closed").count() == 1


def test_it_reaps_stale_rows_and_purges_old_recordings(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.TERMINAL_RECORDINGS_DIR = str(tmp_path)
    settings.TERMINAL_RECORDING_RETENTION_DAYS = 30
    long_ago = timezone.now() - dt.timedelta(days=40)
    stale = TerminalSessionFactory(started_at=long_ago)
    fresh = TerminalSessionFactory()
    assert sessions.reap_stale_sessions() == 1
    stale.refresh_from_db()
    assert stale.end_reason == EndReason.STALE and TerminalSession.objects.get(pk=fresh.pk).status == "open"
    TerminalSession.objects.filter(pk=stale.pk).update(ended_at=long_ago, recording_path="2020/01/01/x.cast")
    resolve("2020/01/01/x.cast").parent.mkdir(parents=True)
    resolve("2020/01/01/x.cast").write_text("{}\n")
    assert recordings.purge_recordings() == 1
    assert not resolve("2020/01/01/x.cast").exists()
    stale.refresh_from_db()
    assert not stale.has_recording
    assert AuditEvent.objects.filter(action="terminal.recordings_purged").exists()


def test_it_lists_the_servers_a_page_may_link_to_a_terminal(operator, admin_user, viewer) -> None:  # type: ignore[no-untyped-def]
    web, db, off = ServerFactory(tags=["web"]), ServerFactory(), ServerFactory(tags=["web"], enabled=False)
    TerminalGrantFactory(user=operator, server=None, tag="web")
    assert grants.openable_server_ids(operator, [web, db, off]) == {web.pk}
    assert grants.openable_server_ids(admin_user, [web, db, off]) == {web.pk, db.pk}
    assert grants.openable_server_ids(viewer, [web, db, off]) == set()


def signed_in(user) -> str:  # type: ignore[no-untyped-def]
    """The key of a real login session of `user`."""
    client = Client()
    client.force_login(user)
    return client.session.session_key


def end_reason(user_id: int, session_key: str, server_id: int) -> str | None:
    """What an open terminal's access check decides: the live user (remediation.sockets), then the grant."""
    user, reason = live_user(user_id, session_key)
    if user is None:
        return reason
    try:
        sessions.authorize_terminal(user, server_id)
    except sessions.TerminalDenied:
        return EndReason.ACCESS_REVOKED
    return None


def test_it_finds_no_reason_to_end_a_session_whose_access_holds(operator) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory(tags=["web"])
    TerminalGrantFactory(user=operator, server=None, tag="web")
    key = signed_in(operator)
    assert end_reason(operator.pk, key, server.pk) is None


def test_it_ends_a_session_whose_grant_or_role_went_away(operator) -> None:  # type: ignore[no-untyped-def]
    server = ServerFactory(tags=["web"])
    grant = TerminalGrantFactory(user=operator, server=server)
    key = signed_in(operator)
    check = (operator.pk, key, server.pk)
    grant.delete()
    assert end_reason(*check) == EndReason.ACCESS_REVOKED
    TerminalGrantFactory(user=operator, server=server, expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert end_reason(*check) == EndReason.ACCESS_REVOKED
    TerminalGrantFactory(user=operator, server=None, tag="web")
    assert end_reason(*check) is None
    operator.groups.clear()  # the role (remediation.open_terminal) went away
    assert end_reason(*check) == EndReason.ACCESS_REVOKED


def test_it_ends_a_session_of_a_deactivated_user(admin_user) -> None:  # type: ignore[no-untyped-def]
    server, key = ServerFactory(), signed_in(admin_user)
    admin_user.is_active = False
    admin_user.save()
    assert end_reason(admin_user.pk, key, server.pk) == "access_revoked"


def test_it_ends_a_session_whose_login_session_is_gone(admin_user, operator) -> None:  # type: ignore[no-untyped-def]
    server, key = ServerFactory(), signed_in(admin_user)
    assert end_reason(operator.pk, key, server.pk) == "logged_out"
    SessionStore(key).delete()
    assert end_reason(admin_user.pk, key, server.pk) == "logged_out"
    assert end_reason(admin_user.pk, "", server.pk) == "logged_out"


def test_it_ends_a_session_whose_password_changed_elsewhere(admin_user) -> None:  # type: ignore[no-untyped-def]
    server, key = ServerFactory(), signed_in(admin_user)
    admin_user.set_password("a-brand-new-long-password")
    admin_user.save()
    assert end_reason(admin_user.pk, key, server.pk) == "logged_out"
