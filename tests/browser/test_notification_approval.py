"""The approval journey from a message: an approval request notifies a real HTTP receiver; the link in that message,
opened in Chromium, asks the approver to sign in and lands on the approval card, where approving is the card's POST."""

from __future__ import annotations

import pytest

from remediation.actors import Actor
from remediation.choices import NotificationEvent
from remediation.models import NotificationDelivery, TerminalGrant
from remediation.notifications.delivery import deliver
from runbooks.choices import ExecutionStatus
from runbooks.services.execute import request_execution
from tests.factories import TEST_PASSWORD
from tests.factories.inventory import ServerFactory
from tests.factories.notifications import NotificationChannelFactory
from tests.remediation.remediate import restart_runbook

pytestmark = pytest.mark.django_db(transaction=True)
KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests"


def test_the_link_in_the_message_leads_after_sign_in_to_the_card(  # type: ignore[no-untyped-def]
    page, live_server, receiver, operator, approver, settings, artifacts
) -> None:
    settings.PORTAL_URL = live_server.url
    NotificationChannelFactory(url=receiver.url, secret=receiver.secret, is_default=True)
    server = ServerFactory(name="web-1", host_key=KEY)
    TerminalGrant.objects.create(user=operator, server=server)
    TerminalGrant.objects.create(user=approver, server=server)  # an approver must be allowed on every target
    runbook = restart_runbook(requires_approval=True)
    execution = request_execution(
        runbook, actor=Actor.of(operator), params={"service": "nginx"}, target_ids=[server.pk]
    )
    delivery = NotificationDelivery.objects.get(event=NotificationEvent.APPROVAL_REQUESTED)
    assert deliver(delivery.pk) == "sent"
    [message] = receiver.verified()  # the HMAC signature checked out
    link = message["link"]
    assert link.startswith(f"{live_server.url}/notifications/link/?t=")

    page.goto(link)
    page.wait_for_selector("input[name=username]")
    assert page.url.startswith(f"{live_server.url}/login/?next=")
    page.fill("input[name=username]", approver.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    card = page.locator(f"#approval-{execution.pk}")
    card.wait_for()
    assert page.url == f"{live_server.url}/runbooks/approvals/#approval-{execution.pk}"
    assert runbook.name in card.locator("h2").inner_text()
    page.screenshot(path=str(artifacts / "notification-approval-card.png"), full_page=True)
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.AWAITING_APPROVAL  # opening the link decided nothing

    card.locator("button[value=approve]").click()
    page.wait_for_selector(f"text=Execution #{execution.pk} approved.")
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.PENDING and execution.approved_by == approver
