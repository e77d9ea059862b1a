"""Access seams every app shares: the actor check behind dangerous services, and telling live sockets to re-check."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import PermissionDenied
from django.db import transaction

from remediation.actors import Actor, ActorKind, may

logger = logging.getLogger(__name__)

ACCESS_CHANGED = "access.changed"


def require_permission(actor: Actor, permission: str) -> None:
    """Refuse anonymous, and a person who is not active or lacks `permission`; the system actor passes.

    Services behind admin actions and API actions call this themselves, so an edge that forgets to check (or a new
    edge) cannot lend the service to someone who may not use it.
    """
    if actor.kind is ActorKind.SYSTEM:
        return
    if not may(actor, permission):
        raise PermissionDenied(f"This needs the {permission} permission.")


def user_group(user_id: int) -> str:
    """The channel-layer group every live connection of one user joins."""
    return f"user.{user_id}"


def access_changed(user_ids: Iterable[int | None], *, cause: str) -> None:
    """After commit, ask every live connection of these users to re-check its access (the message carries no data)."""
    ids = sorted({int(pk) for pk in user_ids if pk})
    if ids:
        transaction.on_commit(lambda: _broadcast(ids, cause))


def _broadcast(user_ids: list[int], cause: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all() -> None:
        for user_id in user_ids:
            await layer.group_send(user_group(user_id), {"type": ACCESS_CHANGED, "cause": cause})

    try:
        async_to_sync(send_all)()
    except Exception:  # the connections' periodic re-check still ends what must end
        logger.warning("access change broadcast for users %s failed", user_ids, exc_info=True)
