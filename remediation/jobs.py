"""The job seam: the only module that talks to django-q2 — enqueueing, schedules and broker statistics.

Work is put on the queue after the transaction that created it commits (`enqueue_after_commit`); sweepers use the
`*_now` forms. Schedules are upserted by name here, and /readyz, /metrics and the heartbeat read the broker here.

The rows a task works on are committed before its message is sent, so a broker that refuses the message (Redis
down or restarting) must not turn a committed, acknowledged request into an error: the failure is logged and
counted, the rows stay `pending`, and the sweepers (`redispatch_stale_action_requests`,
`runbooks.services.execute.redispatch_pending`) send them again once they are older than REDISPATCH_AFTER_SECONDS.
Every claim is a conditional UPDATE, so a message sent twice does no harm.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable

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
            task,
            args,
            type(exc).__name__,
            str(exc).splitlines()[0][:200] if str(exc) else "",
        )
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


# --- schedules ---------------------------------------------------------------------------------------------------
@transaction.atomic
def upsert_repeating(name: str, func: str, *, minutes: int, intended_kwarg: str = "") -> None:
    """Create or update the schedule `name` running `func` every `minutes`; duplicates left by older code go."""
    from django_q.models import Schedule

    rows = list(Schedule.objects.select_for_update().filter(name=name).order_by("id"))
    for extra in rows[1:]:
        extra.delete()
    schedule = rows[0] if rows else Schedule(name=name)
    schedule.func, schedule.schedule_type, schedule.minutes = func, Schedule.MINUTES, minutes
    schedule.repeats, schedule.args, schedule.kwargs = -1, None, None
    schedule.intended_date_kwarg = intended_kwarg or None
    schedule.save()


def upsert_once(name: str, func: str, *args: object, at: dt.datetime, intended_kwarg: str = "") -> None:
    """Make the schedule `name` run `func(*args)` once at `at` (created, or updated in place)."""
    from django_q.models import Schedule

    # A plain UPDATE waits for the scheduler's row lock, so a re-arm from the fired task is never overwritten by
    # the scheduler saving the row it is firing (repeats=0) after the task already ran.
    fields = {
        "func": func,
        "args": repr(args[0]) if len(args) == 1 else repr(args),  # the scheduler literal_evals it
        "schedule_type": Schedule.ONCE,
        "repeats": 1,
        "next_run": at,
        "intended_date_kwarg": intended_kwarg or None,
    }
    if not Schedule.objects.filter(name=name).update(**fields):
        Schedule.objects.create(name=name, **fields)


def remove_schedule(name: str) -> None:
    from django_q.models import Schedule

    Schedule.objects.filter(name=name).delete()


def armed_schedules(prefix: str) -> set[str]:
    """Names starting with `prefix` of schedules that will still fire (not spent)."""
    from django_q.models import Schedule

    return set(Schedule.objects.filter(name__startswith=prefix).exclude(repeats=0).values_list("name", flat=True))


# --- broker statistics -------------------------------------------------------------------------------------------
def check_broker() -> None:
    """Raise unless the broker answers a ping and a queue-size read."""
    from django_q.brokers import get_broker

    broker = get_broker()
    if broker.ping() is False:
        raise RuntimeError("broker did not answer")
    broker.queue_size()


def oldest_queued_age(now: dt.datetime) -> float | None:
    """Seconds the oldest message in the broker has waited (None when the queue is empty)."""
    from django_q.brokers import get_broker
    from django_q.conf import Conf
    from django_q.signing import SignedPackage

    broker = get_broker()
    if Conf.ORM:
        row = broker.get_connection().filter(key=broker.list_key).order_by("id").first()
        payload = row.payload if row else None
    else:
        payload = broker.connection.lindex(broker.list_key, 0)  # Redis: rpush to enqueue, blpop to take
    if not payload:
        return None
    started = SignedPackage.loads(payload).get("started")
    return max(0.0, (now - started).total_seconds()) if started else None


def cluster_name() -> str:
    """The configured qcluster name (workers write heartbeats under it)."""
    from django_q.conf import Conf

    return str(Conf.CLUSTER_NAME)


# --- worker lifecycle --------------------------------------------------------------------------------------------
def on_worker_start(receiver: Callable[..., None], *, uid: str) -> None:
    """Call `receiver(**signal_kwargs)` in every worker process as it starts (django-q2's post_spawn signal)."""
    from django_q.signals import post_spawn

    post_spawn.connect(receiver, dispatch_uid=uid, weak=False)
