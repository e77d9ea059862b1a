"""Banners on every portal page while remediation is held back: the kill switch, open maintenance windows."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from runbooks.services.maintenance import guardrail_state


def guardrails(request: HttpRequest) -> dict[str, object]:
    """`guardrail_banners` for signed-in people: what pauses remediation right now, and where to see it."""
    if not request.user.is_authenticated:
        return {"guardrail_banners": []}
    state = guardrail_state()
    banners: list[dict[str, str]] = []
    switch = state.kill_switch
    if switch.engaged:
        by = switch.changed_by.get_username() if switch.changed_by else "someone"
        banners.append(
            {
                "kind": "danger",
                "title": "Kill switch engaged:",
                "text": f"no real run starts. {by}: “{switch.reason}”",
                "url": reverse("runbooks:kill_switch"),
                "link": "Kill switch",
            }
        )
    for window in state.open_windows:
        scope = "every alert" if not window.matchers else "matching alerts"
        banners.append(
            {
                "kind": "warn",
                "title": f"Maintenance window “{window.name}” is open:",
                "text": f"automatic remediation of {scope} is suppressed. {window.reason}".strip(),
                "url": "",
                "link": "",
            }
        )
    return {"guardrail_banners": banners}
