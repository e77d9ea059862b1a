"""Retention: every installed app's purgers, run with one cutoff per setting and audited once per run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from remediation import hooks
from remediation.actors import SYSTEM, Actor
from remediation.services.audit import record_event

# A purger is `fn(now) -> {what: count}`; each app registers its own by dotted path (`remediation.hooks.register_purger`
# in its ready()), so the core finds them without importing a feature app.
Purger = Callable[[dt.datetime], dict[str, int]]


def cutoff(setting: str, now: dt.datetime) -> dt.datetime | None:
    """The instant before which rows under `setting` (days; 0 keeps forever) are purged."""
    days = int(getattr(settings, setting))
    return now - dt.timedelta(days=days) if days > 0 else None


def registered_purgers() -> list[str]:
    """Dotted paths of every installed app's purgers, in app order."""
    return hooks.purgers()


def purge_old_data(*, actor: Actor = SYSTEM, now: dt.datetime | None = None) -> dict[str, int]:
    """Run every registered purger once; returns and audits what each removed."""
    now = now or timezone.now()
    removed: dict[str, int] = {}
    for path in registered_purgers():
        purger: Purger = import_string(path)
        removed.update(purger(now))
    record_event(actor=actor, action="retention.purged", after={"removed": removed, "now": now.isoformat()})
    return removed
