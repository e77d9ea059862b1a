"""Access changes reach a user's live connections through their group, after commit and only then."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.test import Client

from remediation.models import AuditEvent
from remediation.services.access import access_changed, user_group
from tests.terminal.conftest import run_async

pytestmark = pytest.mark.django_db(transaction=True)


async def listen(user_id: int) -> str:
    channel = await get_channel_layer().new_channel("test.")
    await get_channel_layer().group_add(user_group(user_id), channel)
    return channel


async def received(channel: str, wait: float = 0.3) -> list[dict[str, Any]]:
    messages = []
    while True:
        try:
            messages.append(await asyncio.wait_for(get_channel_layer().receive(channel), wait))
        except TimeoutError:
            return messages


def test_it_tells_each_users_connections_only_after_commit(operator, viewer) -> None:  # type: ignore[no-untyped-def]
    def change(channel: str) -> list[dict[str, Any]]:
        with transaction.atomic():
            access_changed([operator.pk, viewer.pk, None], cause="terminalgrant.deleted")
            return async_to_sync(received)(channel)  # still inside the transaction

    async def scenario() -> tuple[list[dict[str, Any]], ...]:
        mine, theirs = await listen(operator.pk), await listen(viewer.pk)
        during = await database_sync_to_async(change)(mine)
        return during, await received(mine), await received(theirs)

    during, mine, theirs = run_async(scenario())
    assert during == []
    assert mine == theirs == [{"type": "access.changed", "cause": "terminalgrant.deleted"}]


def test_it_tells_no_one_when_the_change_rolls_back(operator) -> None:  # type: ignore[no-untyped-def]
    def change() -> None:
        with transaction.atomic():
            access_changed([operator.pk], cause="auth.user.saved")
            transaction.set_rollback(True)

    async def scenario() -> list[dict[str, Any]]:
        channel = await listen(operator.pk)
        await database_sync_to_async(change)()
        return await received(channel)

    assert run_async(scenario()) == []


@pytest.mark.parametrize("path", ["/logout/", "/admin/logout/"])
def test_it_signs_out_through_one_service_that_audits_and_tells_the_connections(path, admin_user) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(admin_user)

    async def scenario() -> list[dict[str, Any]]:
        channel = await listen(admin_user.pk)
        response = await database_sync_to_async(client.post)(path)
        assert response.status_code == 302 and response["Location"] == "/login/"
        return await received(channel)

    assert run_async(scenario()) == [{"type": "access.changed", "cause": "logged_out"}]
    assert AuditEvent.objects.filter(action="user.logged_out", actor=admin_user).count() == 1
    assert client.get("/").status_code == 302  # the login session is gone
