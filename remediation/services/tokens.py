"""API tokens (JWT): issue, rotate, revoke. A refresh token is good for one rotation and dies with its user's password,
account or logout; every step is audited (never the token itself)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, UntypedToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from remediation.actors import Actor
from remediation.services.audit import record_event


@dataclass
class TokenRefused(Exception):
    """The refresh token cannot be used (invalid, expired, revoked, or its user changed); `message` says which."""

    message: str


def issue_tokens(user: User) -> dict[str, str]:
    """A new refresh token (recorded as outstanding, so it can be revoked) and an access token minted from it."""
    refresh = RefreshToken.for_user(user)
    return {"refresh": str(refresh), "access": str(refresh.access_token)}


def _stored(raw: str) -> tuple[UntypedToken, OutstandingToken]:
    """The signed, unexpired refresh token and its row, locked; raises TokenRefused."""
    try:
        token = UntypedToken(raw)  # type: ignore[arg-type]  # simplejwt's stub says Token; it takes the text
    except TokenError as exc:
        raise TokenRefused("The refresh token is invalid or expired.") from exc
    if token.get(api_settings.TOKEN_TYPE_CLAIM) != "refresh":
        raise TokenRefused("This is not a refresh token.")
    # Locked, so two refreshes with one token cannot both pass; only the token's row (the user join may be empty).
    stored = OutstandingToken.objects.select_for_update(of=("self",)).select_related("user")
    row = stored.filter(jti=token.get("jti")).first()
    if row is None:  # signed by us but never recorded (issued before revocation existed): not trusted
        raise TokenRefused("The refresh token is unknown; sign in again.")
    return token, row


def _still_valid_for(token: UntypedToken, user: User | None) -> str:
    """Why the token's user can no longer use it ('' when they can): gone, deactivated, or a new password."""
    if user is None:
        return "its user no longer exists"
    if not user.is_active:
        return "its user is deactivated"
    if token.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
        return "its user's password changed"
    return ""


def rotate_refresh_token(raw: str) -> dict[str, str]:
    """Trade a refresh token for a new pair; the old one is revoked. A revoked one presented again revokes them all."""
    with transaction.atomic():
        token, row = _stored(raw)
        user = row.user
        if BlacklistedToken.objects.filter(token=row).exists():
            # Rotated or revoked tokens never come back from an honest client: someone else may hold the newest one.
            if user is not None:
                revoke_user_tokens(user, actor=Actor.system(), reason="a revoked refresh token was presented again")
            refused = "it was already used or revoked"
        else:
            refused = _still_valid_for(token, user)
            if not refused and user is not None:
                BlacklistedToken.objects.create(token=row)
                pair = issue_tokens(user)
                record_event(actor=Actor.of(user), action="user.token_refreshed", obj=user)
                return pair
    # Outside the transaction: the revocation above must stand although this call fails.
    record_event(
        actor=Actor.system(),
        action="user.token_refused",
        object_type="auth.user",
        object_id=row.user_id or "",
        reason=refused,
    )
    raise TokenRefused(f"The refresh token is no longer valid: {refused}.")


def revoke_refresh_token(raw: str, *, everywhere: bool = False) -> int:
    """Logout for API clients: revoke this refresh token (or, `everywhere`, all of its user's); returns how many."""
    with transaction.atomic():
        _token, row = _stored(raw)
        if everywhere and row.user is not None:
            return revoke_user_tokens(row.user, actor=Actor.of(row.user), reason="logout everywhere")
        created = BlacklistedToken.objects.get_or_create(token=row)[1]
        record_event(
            actor=Actor.of(row.user),
            action="user.token_revoked",
            object_type="auth.user",
            object_id=row.user_id or "",
            after={"count": int(created)},
            reason="logout",
        )
        return int(created)


def revoke_user_tokens(user: User, *, actor: Actor, reason: str) -> int:
    """Revoke every unexpired refresh token of `user` (password change, deactivation, logout); audited with a count."""
    live = OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True)
    rows = [BlacklistedToken(token_id=pk) for pk in live.values_list("pk", flat=True)]
    BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    record_event(actor=actor, action="user.tokens_revoked", obj=user, after={"count": len(rows)}, reason=reason)
    return len(rows)
