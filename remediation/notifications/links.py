"""Signed, expiring links from a message to a portal page (the approval card); opening one never acts."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "remediation.notifications.link"


class LinkInvalid(Exception):
    """The link was altered, or points outside the portal."""


class LinkExpired(LinkInvalid):
    """The link is older than NOTIFY_LINK_MAX_AGE_SECONDS."""


def signed_link(path: str) -> str:
    """An absolute portal URL that, once its signature is checked (and the person signed in), leads to `path`."""
    if not _is_local(path):
        raise ValueError(f"not a portal path: {path!r}")
    token = signing.TimestampSigner(salt=SALT).sign_object({"path": path})
    link = f"{reverse('notification-link')}?{urlencode({'t': token})}"
    return f"{settings.PORTAL_URL.rstrip('/')}{link}"


def open_link(token: str) -> str:
    """The portal path a link leads to; raises LinkExpired or LinkInvalid."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        data = signer.unsign_object(token, max_age=settings.NOTIFY_LINK_MAX_AGE_SECONDS)
    except signing.SignatureExpired as exc:
        raise LinkExpired("This link has expired; open the portal and find the request there.") from exc
    except signing.BadSignature as exc:
        raise LinkInvalid("This link is not valid (it was altered or cut short).") from exc
    path = data.get("path") if isinstance(data, dict) else None
    if not isinstance(path, str) or not _is_local(path):
        raise LinkInvalid("This link is not valid (it does not lead into the portal).")
    return path


def _is_local(path: str) -> bool:
    return path.startswith("/") and not path.startswith("//") and "\\" not in path
