"""The command policy: admin-managed blocked patterns, checked at plan time and right before a command runs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from remediation.actors import Actor
from runbooks.models import CommandPolicyRule


@dataclass(frozen=True)
class Violation:
    rule: str
    description: str

    def __str__(self) -> str:
        return f"blocked by command policy rule {self.rule!r} ({self.description})"


def active_rules() -> list[CommandPolicyRule]:
    """Enabled rules, read fresh each time so an admin's change applies to the next check."""
    return list(CommandPolicyRule.objects.filter(enabled=True))


def check_commands(
    commands: Iterable[str], allowed: Iterable[str] = (), rules: list[CommandPolicyRule] | None = None
) -> list[Violation]:
    """Violations of the policy by these rendered commands; `allowed` lists overridable rules a runbook may break."""
    permitted = set(allowed)
    found: list[Violation] = []
    for rule in active_rules() if rules is None else rules:
        if rule.overridable and rule.name in permitted:
            continue
        try:
            pattern = re.compile(rule.pattern)
        except re.error:
            # A broken rule must not silently allow everything: treat it as blocking.
            found.append(Violation(rule.name, "the rule's pattern is invalid; fix it in admin"))
            continue
        if any(pattern.search(command) for command in commands if command):
            found.append(Violation(rule.name, rule.description or rule.pattern))
    return found


def save_policy_rule(rule: CommandPolicyRule, *, actor: Actor) -> CommandPolicyRule:
    """Create or change a blocklist rule and audit it (command_policy.changed)."""
    from remediation.services.audit import diff, record_event, snapshot

    before = snapshot(CommandPolicyRule.objects.get(pk=rule.pk)) if rule.pk else None
    rule.full_clean()
    rule.save()
    old, new = diff(before, snapshot(rule))
    record_event(actor=actor, action="command_policy.changed", obj=rule, before=old, after=new)
    return rule


def delete_policy_rule(rule: CommandPolicyRule, *, actor: Actor) -> None:
    """Remove a blocklist rule and audit it."""
    from remediation.services.audit import record_event, snapshot

    before = snapshot(rule)
    record_event(actor=actor, action="command_policy.changed", obj=rule, before=before, after=None)
    rule.delete()
