"""The queue hand-off of analyze / remediate effects to the app that performs them (AI, runbooks)."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from alerts.models import ActionRequest
from remediation import hooks, metrics
from remediation.choices import ActionRequestStatus
from remediation.jobs import enqueue_after_commit, enqueue_many_now

DISPATCH_TASK = "alerts.tasks.dispatch_action_request"
TASK_NAME_PREFIX = "action-request-"
# The most rows one sweep sends again (oldest first); the next sweep takes the rest.
REDISPATCH_BATCH = 1000

# The handler of each kind of effect is registered with `remediation.hooks.register_handler`: the AI app registers
# "analyze" and this app its remediate hand-off, in their AppConfig.ready(); until then requests wait as pending and
# the sweeper re-sends them.


def enqueue_action_requests(*ids: int) -> None:
    """Queue requests after commit (the message carries only the id); a refusing broker leaves them to the sweeper."""
    enqueue_after_commit(DISPATCH_TASK, *ids, name_prefix=TASK_NAME_PREFIX)


def dispatch_action_request(action_request_id: int) -> str:
    """Claim a pending request (conditional update, so a redelivered message does nothing) and call its handler."""
    request = ActionRequest.objects.filter(pk=action_request_id).only("kind", "status").first()
    if request is None:
        return "missing"
    handler = hooks.handler(request.kind)
    if handler is None:
        return "no handler registered; left pending"
    with transaction.atomic() if handler.atomic else contextlib.nullcontext():
        claimed = ActionRequest.objects.filter(pk=action_request_id, status=ActionRequestStatus.PENDING).update(
            status=ActionRequestStatus.DISPATCHED, dispatched_at=timezone.now()
        )
        if not claimed:
            return "already dispatched"
        import_string(handler.func)(action_request_id)
    return "dispatched"


def finish_action_request(action_request_id: int, *, ok: bool, note: str = "") -> bool:
    """Handlers report the end of a dispatched request; returns False when it was not dispatched."""
    final = ActionRequestStatus.DONE if ok else ActionRequestStatus.FAILED
    return bool(
        ActionRequest.objects.filter(pk=action_request_id, status=ActionRequestStatus.DISPATCHED).update(
            status=final, note=note[:2000], finished_at=timezone.now()
        )
    )


def redispatch_stale_action_requests() -> int:
    """Queue again the requests still `pending` REDISPATCH_AFTER_SECONDS after they were created (a housekeeping job).

    Their message was refused by the broker, or taken by a worker that died before claiming the row, or no handler
    was registered yet. A request whose message is only slow gets a second one; the claim makes that harmless.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.REDISPATCH_AFTER_SECONDS)
    stale = ActionRequest.objects.filter(
        status=ActionRequestStatus.PENDING, created_at__lt=cutoff, kind__in=hooks.handled_kinds()
    )
    ids = list(stale.order_by("id").values_list("id", flat=True)[:REDISPATCH_BATCH])
    sent = enqueue_many_now(DISPATCH_TASK, ids, name_prefix=TASK_NAME_PREFIX)
    metrics.REDISPATCHED.labels(kind="action_request").inc(sent)
    return sent
