"""Readiness of the parts a request or a task depends on."""

from __future__ import annotations

import time
import uuid
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection

from remediation import jobs


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _round_trip(layer: Any) -> None:
    channel = await layer.new_channel("readyz.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "readyz.ping", "token": token})
    message = await layer.receive(channel)
    if message.get("token") != token:
        raise RuntimeError("channel layer returned a different message")


def _check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    async_to_sync(_round_trip)(layer)


def _check_broker() -> None:
    jobs.check_broker()


def _check_workers() -> dict[str, Any]:
    from django.conf import settings

    from remediation.services.heartbeat import liveness

    report = liveness()
    if settings.READYZ_REQUIRE_WORKERS and not report["workers_seen"]:
        raise RuntimeError(f"no worker heartbeat in the last {settings.WORKER_HEARTBEAT_STALE_SECONDS}s")
    return report


CHECKS = {
    "database": _check_database,
    "channel_layer": _check_channel_layer,
    "broker": _check_broker,
    "workers": _check_workers,
}


def readiness() -> dict[str, dict[str, Any]]:
    """Run every check; each reports ok, how long it took and, on failure, the error text."""
    report: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        if name == "workers" and not report["database"]["ok"]:
            # Heartbeats live in the database: another connect timeout would only make /readyz slower.
            report[name] = {"ok": False, "error": "not checked: the database is unavailable", "ms": 0.0}
            continue
        started = time.perf_counter()
        try:
            details = check()
        except Exception as exc:  # readiness reports any failure, whatever its type
            report[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            report[name] = {"ok": True, **(details or {})}
        report[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return report
