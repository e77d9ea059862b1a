"""One row behind every portal page that takes an argument, so browser tests can load every page of the portal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.urls import reverse

from tests.access_routes import portal_pages
from tests.factories import AlertFactory, ChatSessionFactory, ExecutionFactory, ServerFactory, TerminalSessionFactory
from tests.factories.runbooks import RunbookScheduleFactory


def portal_world(user: Any, recordings: Path) -> dict[str, dict[str, Any]]:
    """One row behind every portal page that takes an argument, keyed by the page's URL name."""
    server = ServerFactory(name="web-1", host_key_type="ssh-ed25519", host_key="AAAAC3NzaC1lZDI1NTE5AAAAIPin")
    execution = ExecutionFactory()
    session = TerminalSessionFactory(user=user, server=server, recording_path="2026/01/01/one.cast")
    cast = recordings / session.recording_path
    cast.parent.mkdir(parents=True, exist_ok=True)
    cast.write_text(json.dumps({"version": 2, "width": 80, "height": 24}) + '\n[0.1, "o", "hello\\r\\n"]\n')
    return {
        "alerts:detail": {"pk": AlertFactory().pk},
        "runbooks:detail": {"pk": execution.runbook_id},
        "runbooks:execution": {"pk": execution.pk},
        "runbooks:schedule": {"pk": RunbookScheduleFactory(runbook=execution.runbook).pk},
        "ai:chat-session": {"session_id": ChatSessionFactory(user=user).pk},
        "ai:investigation": {"pk": _investigation(user, server).pk},
        "terminal:open": {"server_id": server.pk},
        "terminal:session": {"session_uuid": session.uuid},
    }


def _investigation(user: Any, server: Any) -> Any:
    """An investigation with a transcript line, a pending command and a finding: every part of its page renders."""
    from ai.choices import CommandStatus, EntryKind
    from ai.models import CommandRequest, Investigation, InvestigationEntry

    finding = {
        "summary": "Disk full",
        "evidence": [{"command": "df -h", "server": "web-1", "observation": "97%"}],
        "likely_cause": "logs",
        "recommendation": {"runbook": "", "params": {}, "next_step": "rotate logs"},
    }
    investigation = Investigation.objects.create(
        goal="Why?", alert=AlertFactory(), server=server, requested_by=user, status="completed", finding=finding
    )
    InvestigationEntry.objects.create(investigation=investigation, seq=1, kind=EntryKind.ASSISTANT, content="Hm")
    CommandRequest.objects.create(
        investigation=investigation, server=server, server_name="web-1", command="df -h", status=CommandStatus.PENDING
    )
    return investigation


def portal_urls(world: dict[str, dict[str, Any]]) -> list[str]:
    """Every portal page's address (the notification link, which needs a signed token, left out)."""
    return [reverse(name, kwargs=world.get(name)) for name in portal_pages() if name != "notification-link"]
