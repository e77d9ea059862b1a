"""The job seam: the one way work is put on the django-q2 queue, after the transaction that created it commits.

The rows a task works on are committed before its message is sent, so a broker that refuses the message (Redis
down or restarting) must not turn a committed, acknowledged request into an error: the failure is logged and
counted, the rows stay `pending`, and the sweepers (`redispatch_stale_action_requests`,
`runbooks.services.execute.redispatch_pending`) send them again once they are older than REDISPATCH_AFTER_SECONDS.
Every claim is a conditional UPDATE, so a message sent twice does no harm.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from remediation import metrics

logger = logging.getLogger(__name__)


class BrokerUnavailable(Exception):
    """The shared Redis (broker and cache) did not answer; work accepted now could not be queued."""


def enqueue_now(task: str, *args: object, task_name: str | None = None) -> bool:
    """Send one message (ids only); False, logged and counted, when the broker refused it."""
    from django_q.tasks import async_task

    options = {"task_name": task_name} if task_name else {}
    try:
        async_task(task, *args, **options)
    except Exception as exc:  # any broker failure: the committed rows wait for the sweeper instead
        metrics.ENQUEUE_FAILURES.labels(task=task).inc()
        logger.warning(
            "could not enqueue %s%r (%s: %s); it stays pending and is sent again by the sweeper",
            task, args, type(exc).__name__, str(exc).splitlines()[0][:200] if str(exc) else "",
        )  # fmt: skip
        return False
    return True


def enqueue_many_now(task: str, ids: Iterable[int], *, name_prefix: str = "") -> int:
    """Send one message per id; stops at the first refusal (the rest wait for the sweeper). Returns how many went."""
    sent = 0
    for pk in ids:
        if not enqueue_now(task, pk, task_name=f"{name_prefix}{pk}" if name_prefix else None):
            break
        sent += 1
    return sent


def enqueue_after_commit(task: str, *ids: int, name_prefix: str = "") -> None:
    """Send one message per id once the surrounding transaction commits (at once outside a transaction)."""
    if ids:
        id_list = list(ids)
        transaction.on_commit(lambda: enqueue_many_now(task, id_list, name_prefix=name_prefix))
