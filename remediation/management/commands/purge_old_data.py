"""manage.py purge_old_data: apply the retention settings now (the daily housekeeping task does the same)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from remediation.actors import Actor
from remediation.services.retention import purge_old_data


class Command(BaseCommand):
    help = "Delete (or clear) data older than the RETENTION_* settings; prints what each purger removed."

    def handle(self, *args: Any, **options: Any) -> None:
        removed = purge_old_data(actor=Actor.of("manage.py purge_old_data"))
        for what, count in removed.items():
            self.stdout.write(f"{what}: {count}")
