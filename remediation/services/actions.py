"""The queue hand-off of analyze / remediate effects to the app that performs them (AI, runbooks)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.module_loading import import_string

from remediation.choices import ActionRequestStatus, RuleAction
from remediation.models import ActionRequest

DISPATCH_TASK = "remediation.tasks.dispatch_action_request"

# kind → dotted path of a callable taking an ActionRequest id. The AI app registers "analyze" and the runbooks app
# "remediate" in their AppConfig.ready(); until then requests wait as pending and are re-sent by redispatch_pending.
HANDLERS: dict[str, str] = {}


def register_handler(kind: str, dotted_path: str) -> None:
    """Name the callable that performs one kind of effect."""
    if kind not in (RuleAction.ANALYZE, RuleAction.REMEDIATE):
        raise ValueError(f"No such effect kind {kind!r}.")
    HANDLERS[kind] = dotted_path


def enqueue_action_request(action_request_id: int) -> None:
    """Put one request on the django-q2 queue (the message carries only the id)."""
    from django_q.tasks import async_task

    async_task(DISPATCH_TASK, action_request_id, task_name=f"action-request-{action_request_id}")


def dispatch_action_request(action_request_id: int) -> str:
    """Claim a pending request (conditional update, so a redelivered message does nothing) and call its handler."""
    request = ActionRequest.objects.filter(pk=action_request_id).only("kind", "status").first()
    if request is None:
        return "missing"
    handler_path = HANDLERS.get(request.kind)
    if handler_path is None:
        return "no handler registered; left pending"
    claimed = ActionRequest.objects.filter(pk=action_request_id, status=ActionRequestStatus.PENDING).update(
        status=ActionRequestStatus.DISPATCHED, dispatched_at=timezone.now()
    )
    if not claimed:
        return "already dispatched"
    import_string(handler_path)(action_request_id)
    return "dispatched"


def finish_action_request(action_request_id: int, *, ok: bool, note: str = "") -> bool:
    """Handlers report the end of a dispatched request; returns False when it was not dispatched."""
    final = ActionRequestStatus.DONE if ok else ActionRequestStatus.FAILED
    return bool(
        ActionRequest.objects.filter(pk=action_request_id, status=ActionRequestStatus.DISPATCHED).update(
            status=final, note=note[:2000], finished_at=timezone.now()
        )
    )


def redispatch_pending(kind: str) -> int:
    """Enqueue every pending request of a kind again (after its handler app is installed); returns how many."""
    ids = list(ActionRequest.objects.filter(kind=kind, status=ActionRequestStatus.PENDING).values_list("id", flat=True))
    for pk in ids:
        enqueue_action_request(pk)
    return len(ids)
