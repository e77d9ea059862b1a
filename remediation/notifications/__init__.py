"""Notifications: tell people where they are (chat, signed webhooks, email) what the engine did or needs.

Higher apps build an `Event` and call `notify(event)`; the kernel routes it to channels, stores one
`NotificationDelivery` per channel and queues its sending after commit. Sending happens only in a worker task
(`deliver`), never inline, so a slow or dead receiver cannot delay remediation. This package imports no other app.
"""

from __future__ import annotations

from remediation.notifications.events import Event
from remediation.notifications.links import signed_link
from remediation.notifications.service import channels_for, notify

__all__ = ["Event", "channels_for", "notify", "signed_link"]
