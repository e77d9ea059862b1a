"""Shared argument parsing of the runbook management commands."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from runbooks.models import Runbook


def add_inputs(parser: CommandParser) -> None:
    parser.add_argument("name", help="runbook name")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--target", action="append", default=[], type=int, metavar="SERVER_ID")


def read_inputs(options: dict[str, Any]) -> tuple[Runbook, dict[str, str], list[int]]:
    try:
        runbook = Runbook.objects.get(name=options["name"])
    except Runbook.DoesNotExist:
        raise CommandError(f"no runbook named {options['name']!r}") from None
    params = {}
    for item in options["param"]:
        key, sep, value = item.partition("=")
        if not sep:
            raise CommandError(f"--param needs NAME=VALUE, got {item!r}")
        params[key] = value
    return runbook, params, list(options["target"])
