"""The one way a higher app plugs into the kernel: it registers its hooks in its `AppConfig.ready()`.

Five kinds, each named by a dotted path (a string, so the kernel imports no feature app and an app that is not
installed simply registers nothing):

- `register_purger(path)`: a retention purger `fn(now) -> {what: count}`; `remediation.services.retention` runs them
  all, in registration (`INSTALLED_APPS`) order.
- `register_job(name, path, minutes)`: a recurring housekeeping task; `remediation.services.housekeeping` upserts one
  django-q2 schedule per job, by name.
- `register_handler(kind, path, atomic=...)`: what performs a rule's `analyze` or `remediate` effect; the alerts
  app's queued hand-off (`alerts.services.actions`) calls it with the action request's id.
- `register_dashboard(name, path)`: a section of the portal dashboard and its JSON, `fn(*, actor, days) -> dict |
  None` (None: this actor may not see it); `remediation.services.dashboard` calls them all under their names.
- `register_approvals(path)`: more items of the approvals queue page `fn(user) -> [PendingApproval]` (e.g. the
  commands investigations wait on); `runbooks.views.approvals` lists them after the executions.

Registering the same thing again changes nothing (a `ready()` may run twice); registering a different thing under a
name that is taken, or a kind of hook or effect that does not exist, is refused with ValueError.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from remediation.choices import RuleAction

KINDS = ("purger", "job", "handler", "dashboard", "approvals")
# The effects a rule queues for another app (record and ignore happen in the rules' own transaction).
EFFECTS = (RuleAction.ANALYZE, RuleAction.REMEDIATE)


@dataclass(frozen=True)
class Job:
    """One recurring housekeeping task: a unique schedule name, a task dotted path and an interval in minutes."""

    name: str
    func: str
    minutes: int
    intended_kwarg: str = ""  # passes the run's intended time to tasks that measure their own lag


@dataclass(frozen=True)
class Handler:
    """The callable (dotted path, taking an ActionRequest id) performing one effect; `atomic`: run it in the claim's
    transaction (short, transactional handlers: a worker killed before the commit leaves the request pending)."""

    func: str
    atomic: bool = False


@dataclass(frozen=True)
class PendingApproval:
    """One item another app adds to the approvals queue: what waits, where, why, and the form that decides it
    (POSTed to `decide_url` with `decision` = approve / reject, `reason` and `next`), when this user may decide."""

    kind: str
    title: str
    url: str
    command: str
    target: str
    reason: str
    requested_by: str
    created_at: Any
    decide_url: str = ""


Hook = str | Job | Handler
# kind → name → hook; dicts keep registration order.
_registry: dict[str, dict[str, Hook]] = {kind: {} for kind in KINDS}


def register(kind: str, name: str, hook: Hook) -> None:
    """Add one hook of `kind` under `name`: again the same is a no-op, another under a taken name is refused."""
    if kind not in _registry:
        raise ValueError(f"No such kind of hook {kind!r}; the kinds are {', '.join(KINDS)}.")
    there = _registry[kind].get(name)
    if there is not None and there != hook:
        raise ValueError(f"The {kind} {name!r} is already registered as {there!r}; not replaced by {hook!r}.")
    _registry[kind][name] = hook


def unregister(kind: str, name: str) -> None:
    """Remove one hook (tests standing in for an app); removing what is not there does nothing."""
    _registry.get(kind, {}).pop(name, None)


def register_purger(path: str) -> None:
    register("purger", path, path)


def register_job(name: str, func: str, minutes: int, *, intended_kwarg: str = "") -> None:
    if minutes < 1:
        raise ValueError(f"Job {name!r}: the interval is at least one minute, not {minutes}.")
    register("job", name, Job(name, func, minutes, intended_kwarg))


def register_handler(kind: str, func: str, *, atomic: bool = False) -> None:
    if kind not in EFFECTS:
        raise ValueError(f"No such effect kind {kind!r}; handlers perform {', '.join(EFFECTS)}.")
    register("handler", kind, Handler(func, atomic))


def register_dashboard(name: str, func: str) -> None:
    register("dashboard", name, func)


def register_approvals(path: str) -> None:
    register("approvals", path, path)


def approval_sources() -> list[str]:
    return [str(path) for path in _registry["approvals"].values()]


def purgers() -> list[str]:
    return [str(path) for path in _registry["purger"].values()]


def jobs() -> list[Job]:
    return [job for job in _registry["job"].values() if isinstance(job, Job)]


def handler(kind: str) -> Handler | None:
    found = _registry["handler"].get(kind)
    return found if isinstance(found, Handler) else None


def dashboard_sections() -> dict[str, str]:
    return {name: str(path) for name, path in _registry["dashboard"].items()}


def handled_kinds() -> list[str]:
    return list(_registry["handler"])


def registered_by(app_label: str) -> dict[str, list[str]]:
    """What one app registered, by kind: the hooks whose callable lives in the app's package."""
    found: dict[str, list[str]] = {}
    for kind, hooks in _registry.items():
        for name, hook in hooks.items():
            path = hook if isinstance(hook, str) else hook.func
            if path.split(".", 1)[0] == app_label:
                found.setdefault(kind, []).append(name)
    return found
