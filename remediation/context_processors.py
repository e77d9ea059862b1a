"""Template context shared by every portal page: site name and the navigation."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from remediation.permissions import (
    OPEN_TERMINAL,
    REVIEW_TERMINALSESSION,
    USE_CHAT,
    VIEW_ALERT,
    VIEW_AUDITEVENT,
    VIEW_EXECUTION,
    VIEW_INVESTIGATION,
    VIEW_KILLSWITCH,
    VIEW_RUNBOOK,
    VIEW_RUNBOOKSCHEDULE,
    VIEW_SERVER,
)

# (label, url name) of every portal section; sections not built yet are shown as such, not as dead links.
NAVIGATION = [
    ("Dashboard", "dashboard"),
    ("Alerts", "alerts:list"),
    ("Runbooks", "runbooks:list"),
    ("Executions", "runbooks:executions"),
    ("Approvals", "runbooks:approvals"),
    ("Schedules", "runbooks:schedules"),
    ("Servers", "servers"),
    ("Chat", "ai:chat"),
    ("Investigations", "ai:investigations"),
    ("Terminal sessions", "terminal:sessions"),
    ("Kill switch", "runbooks:kill_switch"),
    ("Audit", "audit"),
]
# The permission a section's page needs (any one of several): a section is listed only for users holding it, so
# the navigation never offers a page that would answer 403. tests/remediation/test_security_headers.py checks each entry
# against what the page really answers.
SECTION_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "alerts:list": (VIEW_ALERT,),
    "runbooks:list": (VIEW_RUNBOOK,),
    "runbooks:executions": (VIEW_EXECUTION,),
    "runbooks:approvals": (VIEW_EXECUTION,),
    "runbooks:schedules": (VIEW_RUNBOOKSCHEDULE,),
    "servers": (VIEW_SERVER,),
    "ai:chat": (USE_CHAT,),
    "ai:investigations": (VIEW_INVESTIGATION,),
    "terminal:sessions": (OPEN_TERMINAL, REVIEW_TERMINALSESSION),
    "audit": (VIEW_AUDITEVENT,),
    "runbooks:kill_switch": (VIEW_KILLSWITCH,),
}


# Sections showing a count in the navigation: url name → (model, status) of the rows counted.
COUNTED = {"runbooks:approvals": ("runbooks", "Execution", "awaiting_approval")}


def _count(name: str, request: HttpRequest) -> int | None:
    """How many items wait in a counted section (approvals); None for other sections or anonymous users."""
    if name not in COUNTED:
        return None
    app_label, model_name, status = COUNTED[name]
    if not request.user.has_perm(f"{app_label}.view_{model_name.lower()}"):
        return None
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        return None
    return int(model.objects.filter(status=status).count())


def portal(request: HttpRequest) -> dict[str, object]:
    """The site name and the sections this user may open."""
    items = []
    for label, name in NAVIGATION:
        needed = SECTION_PERMISSIONS.get(name, ())
        if needed and not any(request.user.has_perm(perm) for perm in needed):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            url = ""
        items.append({"label": label, "url": url, "active": False, "count": _count(name, request)})
    # One section is current: the one whose address is the longest prefix of this page's (/runbooks/executions/3/
    # is under Executions, not also under Runbooks at /runbooks/).
    matching = [i for i in items if i["url"] and _under(request.path, str(i["url"]))]
    if matching:
        max(matching, key=lambda i: len(str(i["url"])))["active"] = True
    return {"site_name": settings.SITE_NAME, "navigation": items}


def _under(path: str, url: str) -> bool:
    return path == url if url == "/" else path.startswith(url)
