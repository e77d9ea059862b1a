"""Who is asking from where: the audit context, set once at each edge and read by the audit writer.

The HTTP middleware and the WebSocket consumers set it; worker jobs run with the empty one. Services never see a
request.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class AuditContext:
    """The caller's address and request id (empty outside an HTTP request or a WebSocket)."""

    ip: str = ""
    request_id: str = ""


_EMPTY = AuditContext()
_CURRENT: contextvars.ContextVar[AuditContext] = contextvars.ContextVar("audit_context", default=_EMPTY)


def current_audit_context() -> AuditContext:
    """The context the innermost edge set, or an empty one."""
    return _CURRENT.get()


@contextlib.contextmanager
def audit_context(context: AuditContext) -> Iterator[AuditContext]:
    """Use `context` for every audit event written inside the block, then restore the outer one."""
    token = _CURRENT.set(context)
    try:
        yield context
    finally:
        _CURRENT.reset(token)
