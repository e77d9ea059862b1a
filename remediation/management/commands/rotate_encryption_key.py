"""manage.py rotate_encryption_key: re-encrypt every stored secret from the old key to the new one."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from remediation.actors import Actor
from remediation.checks import MIN_CRYPTOGRAPHY_KEY_LENGTH
from remediation.services.credentials import RotationRefused, rotate_encryption_key


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret in one transaction. Keys come from the environment, never the command "
        "line: OLD_CRYPTOGRAPHY_KEY (default: the configured CRYPTOGRAPHY_KEY) and NEW_CRYPTOGRAPHY_KEY (default: "
        "the configured CRYPTOGRAPHY_KEY). Refuses when any secret opens with neither key; safe to run twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--old-key-env", default="OLD_CRYPTOGRAPHY_KEY", help="Variable holding the old key.")
        parser.add_argument("--new-key-env", default="NEW_CRYPTOGRAPHY_KEY", help="Variable holding the new key.")

    def handle(self, *args: Any, **options: Any) -> None:
        configured = settings.CRYPTOGRAPHY_KEY or ""
        old_key = os.environ.get(options["old_key_env"], "") or configured
        new_key = os.environ.get(options["new_key_env"], "") or configured
        if len(new_key) < MIN_CRYPTOGRAPHY_KEY_LENGTH:
            raise CommandError(f"The new key must be at least {MIN_CRYPTOGRAPHY_KEY_LENGTH} characters.")
        if old_key == new_key:
            raise CommandError(
                f"Old and new keys are the same: set {options['old_key_env']} or {options['new_key_env']}."
            )
        try:
            report = rotate_encryption_key(
                old_key=old_key, new_key=new_key, actor=Actor.of("manage.py rotate_encryption_key")
            )
        except RotationRefused as refused:
            raise CommandError(f"Refused: {refused}") from refused
        self.stdout.write(
            f"Re-encrypted {report.rotated} secret(s); {report.already_current} already under the new key."
        )
        if new_key != configured:
            self.stdout.write("Now set CRYPTOGRAPHY_KEY to the new key and restart every web and worker process.")
