"""manage.py bootstrap: migrate, seed roles, create the first administrator (from env or a prompt)."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from remediation.services.bootstrap import admin_exists, create_admin, generate_password, prepare_database


class Command(BaseCommand):
    help = (
        "Apply migrations, seed the Viewer/Operator/Approver/Admin roles and create an administrator from "
        "BOOTSTRAP_ADMIN_USERNAME / BOOTSTRAP_ADMIN_EMAIL / BOOTSTRAP_ADMIN_PASSWORD or an interactive prompt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-input", action="store_true", help="Never prompt.")
        parser.add_argument(
            "--generate-password",
            action="store_true",
            help="With no admin and no BOOTSTRAP_ADMIN_PASSWORD, create 'admin' with a random password printed once.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        prepare_database(verbosity=max(options["verbosity"] - 1, 0))
        self.stdout.write("Database migrated; roles seeded.")
        if admin_exists():
            self.stdout.write("An administrator exists; no user created.")
            return
        username = os.environ.get("BOOTSTRAP_ADMIN_USERNAME", "admin")
        email = os.environ.get("BOOTSTRAP_ADMIN_EMAIL", "")
        password = os.environ.get("BOOTSTRAP_ADMIN_PASSWORD", "")
        generated = False
        if not password:
            if options["generate_password"]:
                password, generated = generate_password(), True
            elif options["no_input"]:
                raise CommandError("No administrator exists and BOOTSTRAP_ADMIN_PASSWORD is not set.")
            else:
                username = input(f"Administrator username [{username}]: ").strip() or username
                email = input("Email (optional): ").strip()
                password = getpass.getpass("Password: ")
                if password != getpass.getpass("Password (again): "):
                    raise CommandError("The passwords do not match.")
        try:
            create_admin(username=username, email=email, password=password)
        except (ValidationError, ValueError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError("Administrator not created: " + " ".join(messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Administrator {username!r} created."))
        if generated:
            self.stdout.write(
                self.style.WARNING(
                    f"\n  Sign in as {username!r} with password: {password}\n"
                    "  It is shown only this once; change it after signing in.\n"
                )
            )
