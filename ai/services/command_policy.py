"""The investigation command policy: blocked, auto-approved or pending, decided before anyone sees a command.

Order: (1) the runbook command blocklist (`runbooks.policy.check_commands`) blocks it and nobody is asked; (2) a
command that is plain words only (no shell syntax of any kind, ASCII only) and matches an enabled allow rule whose
`auto_approve_tags` meet the server's tags runs unasked; (3) everything else waits for a person with the approve
permission. Nothing the model says or a command prints reaches this module except the command string itself.
"""

from __future__ import annotations

import shlex
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ai.choices import CommandStatus
from ai.models import CommandAllowRule, RedactionPattern
from remediation.actors import Actor
from remediation.permissions import (
    CHANGE_COMMANDALLOWRULE,
    CHANGE_REDACTIONPATTERN,
    DELETE_COMMANDALLOWRULE,
    DELETE_REDACTIONPATTERN,
)
from remediation.services.access import require_permission
from remediation.services.audit import diff, record_event, snapshot
from runbooks.policy import check_commands

MAX_COMMAND_LENGTH = 2000
# Characters an auto-approved command may contain: letters, digits, space and punctuation no shell gives a meaning
# to in the middle of a word. Everything else (; | & $ ` ( ) < > * ? [ ] { } ~ ! # \ quotes, tabs, newlines and any
# non-ASCII character, so no look-alike letters or invisible spaces) sends the command to a person.
PLAIN_CHARACTERS = frozenset(string.ascii_letters + string.digits + " _./:,=@+%-")


@dataclass(frozen=True)
class Verdict:
    """What the policy decided for one command on one server, and why (shown to the approver and the model)."""

    status: str
    reason: str
    rule: str = ""


def plain_words(command: str) -> list[str] | None:
    """The command's words when it is plain words only (see PLAIN_CHARACTERS, no `..`), else None."""
    if not command or len(command) > MAX_COMMAND_LENGTH or not set(command) <= PLAIN_CHARACTERS:
        return None
    words = shlex.split(command, comments=False, posix=True)
    if not words or words != command.split():
        return None
    for word in words:
        # `=cmd` expands in zsh; `..` climbs out of an allowed path; `//` hides a prefix from a naive compare.
        if word.startswith("=") or ".." in word or "//" in word:
            return None
    return words


def _denied(argument: str, denied: Iterable[str]) -> bool:
    """`--name` matches by prefix (`--vacuum-size=1`) and as an abbreviation (`--vacuum-s`, `--vac=1`: GNU getopt_long
    takes any unambiguous start of a long option); a short `-K` also inside combined options (`-tK`)."""
    name = argument.split("=", 1)[0]
    for option in denied:
        if option.startswith("--"):
            abbreviated = len(name) > 2 and name.startswith("--") and option.startswith(name)
            if argument.startswith(option) or abbreviated:
                return True
        elif argument.startswith("-") and not argument.startswith("--") and option[1:] in argument[1:]:
            return True
    return False


def _arguments_allowed(rule: CommandAllowRule, arguments: Sequence[str]) -> bool:
    if any(_denied(argument, rule.denied_arguments or []) for argument in arguments):
        return False
    prefixes = rule.path_prefixes or []
    if not prefixes:
        return True
    for argument in arguments:
        if argument.startswith("-") or argument.isdigit():
            continue
        if not any(_under(argument, prefix) for prefix in prefixes):
            return False
    # A path rule with no path at all would read standard input or a default file: not what the admin allowed.
    return any(not (a.startswith("-") or a.isdigit()) for a in arguments)


def _under(path: str, prefix: str) -> bool:
    folder = prefix if prefix.endswith("/") else prefix + "/"
    return path.startswith(folder) and len(path) > len(folder)


def matching_rule(words: Sequence[str], rules: Iterable[CommandAllowRule]) -> CommandAllowRule | None:
    """The first enabled allow rule these words satisfy (program, argument prefix, denied options, paths)."""
    for rule in rules:
        if not rule.enabled or words[0] != rule.program.strip():
            continue
        prefix = rule.argument_prefix.split()
        if list(words[1 : 1 + len(prefix)]) != prefix:
            continue
        if _arguments_allowed(rule, words[1 + len(prefix) :]):
            return rule
    return None


def check_command(
    command: str, *, server_tags: Iterable[str], rules: Iterable[CommandAllowRule] | None = None
) -> Verdict:
    """Blocked (the blocklist), auto-approved (plain, allow-listed, auto-approved on a tag of the server) or pending."""
    if not command.strip() or "\x00" in command or len(command) > MAX_COMMAND_LENGTH:
        return Verdict(CommandStatus.BLOCKED, "empty, too long or containing a NUL byte")
    violations = check_commands([command])
    if violations:
        return Verdict(CommandStatus.BLOCKED, "; ".join(str(v) for v in violations))
    words = plain_words(command)
    if words is None:
        return Verdict(CommandStatus.PENDING, "uses shell syntax or characters outside the plain set: a person decides")
    candidates = list(CommandAllowRule.objects.filter(enabled=True)) if rules is None else list(rules)
    rule = matching_rule(words, candidates)
    if rule is None:
        return Verdict(CommandStatus.PENDING, "not on the read-only allow-list: a person decides")
    if set(rule.auto_approve_tags or []) & set(server_tags):
        return Verdict(CommandStatus.AUTO_APPROVED, f"allow rule {rule.name!r} auto-runs on this server", rule.name)
    return Verdict(CommandStatus.PENDING, f"allow rule {rule.name!r} does not auto-run on this server", rule.name)


def save_policy_row(row: CommandAllowRule | RedactionPattern, *, actor: Actor) -> None:
    """Create or change an allow rule or a redaction pattern and audit it (investigation_policy.changed)."""
    require_permission(actor, CHANGE_COMMANDALLOWRULE if isinstance(row, CommandAllowRule) else CHANGE_REDACTIONPATTERN)
    before = snapshot(type(row).objects.get(pk=row.pk)) if row.pk else None
    row.full_clean()
    row.save()
    old, new = diff(before, snapshot(row))
    record_event(actor=actor, action="investigation_policy.changed", obj=row, before=old, after=new)


def delete_policy_row(row: CommandAllowRule | RedactionPattern, *, actor: Actor) -> None:
    """Remove an allow rule or a redaction pattern and audit it."""
    require_permission(actor, DELETE_COMMANDALLOWRULE if isinstance(row, CommandAllowRule) else DELETE_REDACTIONPATTERN)
    record_event(actor=actor, action="investigation_policy.changed", obj=row, before=snapshot(row), after=None)
    row.delete()
