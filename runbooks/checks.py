"""System checks of the runbooks app: runbooks whose templates the placement rules refuse (id runbooks.W001)."""

from __future__ import annotations

from typing import Any

from django.core import checks


@checks.register(checks.Tags.security)
def check_runbook_templates(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A warning per runbook saved before the placement rules (or imported unchecked) that they now refuse.

    A warning, not an error: an error would stop the server an author needs to fix them. Such a runbook cannot
    run (its plan has problems) until its author saves a safe version; nothing is rewritten.
    """
    from runbooks.services.definitions import unsafe_runbooks

    try:
        found = unsafe_runbooks()
    except Exception:
        # Checks run in every process that runs them, some with no usable database (before migrate, no tables; a
        # test without database access): nothing stored to check there, and a check must not stop the command.
        return []
    return [
        checks.Warning(
            f"Runbook {runbook.name!r} (version {runbook.version}) cannot run: its templates place values where "
            f"the templating rules refuse them: " + " | ".join(str(f) for f in findings),
            hint="Edit the runbook to the safe form named in each problem; see the admin list filter 'templates'.",
            obj=runbook,
            id="runbooks.W001",
        )
        for runbook, findings in found
    ]
