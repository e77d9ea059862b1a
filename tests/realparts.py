"""Real external parts (sshd, Chromium, PostgreSQL, redis-server, Prometheus + Alertmanager): skip on a bare laptop,
fail in CI when missing.

CI sets REQUIRE_REAL_PARTS to the parts its run must have (a comma list such as `sshd,chromium`, or `all`); a
listed part that is missing is then a failure, never a silent skip.
"""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRE_ENV = "REQUIRE_REAL_PARTS"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SSHD = os.environ.get("SSHD_PATH", "/usr/sbin/sshd")


def required(part: str) -> bool:
    wanted = {p.strip().lower() for p in os.environ.get(REQUIRE_ENV, "").split(",") if p.strip()}
    return part in wanted or "all" in wanted


def need(part: str, available: bool, why: str) -> None:
    """Skip (locally) or fail (CI) when a real part is not available."""
    if available:
        return
    message = f"real part missing: {part}: {why}"
    if required(part):
        pytest.fail(message + f" ({REQUIRE_ENV} is set, so this is a failure)", pytrace=False)
    pytest.skip(message)


def need_chromium() -> None:
    need("chromium", os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} not found (apt-get install chromium)")


def need_sshd() -> None:
    need(
        "sshd",
        os.access(SSHD, os.X_OK) and bool(shutil.which("ssh-keygen")),
        f"{SSHD} not found (apt-get install openssh-server)",
    )


def need_postgresql() -> None:
    from django.db import connection

    need("postgresql", connection.vendor == "postgresql", "run with DATABASE_URL pointing at PostgreSQL")


PROMETHEUS_TOOLS = ("prometheus", "promtool", "prometheus-alertmanager")


def need_prometheus() -> None:
    missing = [tool for tool in PROMETHEUS_TOOLS if not shutil.which(tool)]
    why = f"{', '.join(missing)} not found (apt-get install prometheus prometheus-alertmanager)"
    need("prometheus", not missing, why)
