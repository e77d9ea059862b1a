"""What one WebSocket client has already been sent; dedupes group events against the database tail."""

from __future__ import annotations

from typing import Any

from runbooks.choices import StepRunStatus

STREAMS = ("stdout", "stderr")


class Cursor:
    """Per-client state: execution status and, per step run, its status and how much of each stream was sent."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.status = snapshot["execution"]["status"]
        self.cancel_requested = snapshot["execution"]["cancel_requested"]
        self.rows: dict[int, dict[str, Any]] = {}
        for row in snapshot["step_runs"]:
            self.rows[row["id"]] = {"status": row["status"], **{s: len(row.get(s) or "") for s in STREAMS}}

    def state(self) -> tuple[int, list[int]]:
        """(highest known row id, ids of rows still running) for the next database poll."""
        running = [pk for pk, row in self.rows.items() if row["status"] == StepRunStatus.RUNNING]
        return max(self.rows, default=0), running

    def offsets(self) -> dict[int, dict[str, int]]:
        return {pk: {s: row[s] for s in STREAMS} for pk, row in self.rows.items()}

    def accept(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """The part of `event` this client has not seen yet, or None."""
        kind = event.get("type")
        if kind == "status":
            state = event["execution"]
            if (state["status"], state["cancel_requested"]) == (self.status, self.cancel_requested):
                return None
            self.status, self.cancel_requested = state["status"], state["cancel_requested"]
            return event
        if kind == "step_run":
            row = event["step_run"]
            known = self.rows.setdefault(row["id"], {"status": None, **dict.fromkeys(STREAMS, 0)})
            if known["status"] == row["status"]:
                return None
            known["status"] = row["status"]
            return event
        if kind == "output":
            return self._output(event)
        return None

    def _output(self, event: dict[str, Any]) -> dict[str, Any] | None:
        known = self.rows.setdefault(event["step_run"], {"status": StepRunStatus.RUNNING, **dict.fromkeys(STREAMS, 0)})
        sent, offset, text = known[event["stream"]], event["offset"], event["text"]
        # A gap (offset beyond what was sent) is left to the database tail, which always starts at `sent`.
        if offset > sent or offset + len(text) <= sent:
            return None
        known[event["stream"]] = offset + len(text)
        return {**event, "offset": sent, "text": text[sent - offset :]}
