"""The placement matrix on the real sshd, through save, request and the runner: for every placement of a placeholder
× every hostile value, from an alert label and from a runbook parameter, no marker file ever appears, and each cell
either ran with the literal value in its output or was refused when the runbook was saved, with the safe form.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest

from remediation.models import Credential, CredentialKind, Server
from remediation.services.inventory import pin_host_key
from runbooks.choices import ExecutionStatus
from runbooks.services.definitions import DefinitionError, save_runbook
from runbooks.services.execute import request_execution
from runbooks.services.runner import run_execution

pytestmark = pytest.mark.django_db(transaction=True)

# `{{ v }}` stands for the value's placeholder; REFUSED marks placements saving must refuse.
PLACEMENTS = {
    "unquoted": "printf '%s\\n' {{ v }}",
    "double quotes": "printf '%s\\n' \"value: {{ v }}\"",
    "single quotes": "printf '%s\\n' 'value: {{ v }}'",
    "heredoc, unquoted delimiter": "cat <<EOF\nvalue: {{ v }}\nEOF",
    "heredoc, quoted delimiter": "cat <<'EOF'\nvalue: {{ v }}\nEOF",
    "$(…)": "printf '%s\\n' \"$(printf '%s' {{ v }})\"",
    "backticks": "printf '%s\\n' \"`printf '%s' {{ v }}`\"",
    'sh -c "…"': "sh -c \"printf '%s\\n' {{ v }}\"",
    'assignment V="…"': 'V="{{ v }}"; printf \'%s\\n\' "$V"',
    "sh -c with the value as $1 (the safe form)": 'sh -c \'printf "%s\\n" "$1"\' sh {{ v }}',
}
REFUSED = {"heredoc, quoted delimiter": "quoted delimiter", 'sh -c "…"': "`sh -c`"}


def hostile(marker: str) -> list[str]:
    """Each value would create `marker` if any shell read it as code."""
    return [
        f"$(touch {marker})",
        f"`touch {marker}`",
        f"x'; touch {marker}; echo '",
        f'x"; touch {marker}; echo "',
        f"x\nEOF\ntouch {marker}\nEOF",
        f"; touch {marker}",
        f"| touch {marker}",
        f"&& touch {marker}",
        f"> {marker}",
        "{{ 7*7 }}",
        "{% for i in range(3) %}{{ i }}{% endfor %}",
    ]


@pytest.fixture
def marker_dir():  # type: ignore[no-untyped-def]
    """A directory the sshd's account can write to (so a missing marker means nothing ran, not 'no permission')."""
    path = Path(tempfile.mkdtemp(prefix="re-matrix-", dir="/tmp"))
    path.chmod(0o1777)
    yield path
    for child in path.iterdir():
        child.unlink()
    path.rmdir()


@pytest.fixture
def target(sshd, authorized_keys, admin_user) -> int:  # type: ignore[no-untyped-def]
    credential = Credential.objects.create(
        name=f"k-{uuid.uuid4().hex[:6]}",
        kind=CredentialKind.SSH_KEY,
        private_key=authorized_keys["ed25519_openssh"].private_text,
    )
    server = Server.objects.create(
        name="web-1", hostname=sshd.host, port=sshd.port, username=sshd.username, credential=credential
    )
    pin_host_key(server, actor=admin_user, known_hosts_line=sshd.known_hosts_line())
    return server.pk


def test_the_account_can_create_the_marker(marker_dir, target, admin_user) -> None:  # type: ignore[no-untyped-def]
    """The control: the same account, told to in the author's own text, does create it."""
    runbook = save_runbook(
        {"name": "control", "steps": [{"name": "t", "command": f"touch {marker_dir}/control"}]}, actor=admin_user
    )
    execution = request_execution(runbook, actor=admin_user, target_ids=[target])
    run_execution(execution.pk)
    assert (marker_dir / "control").exists()


@pytest.mark.parametrize("source", ["alert", "params"])
@pytest.mark.parametrize("placement", PLACEMENTS)
def test_no_value_ever_runs_whatever_its_placement(marker_dir, target, admin_user, source, placement) -> None:  # type: ignore[no-untyped-def]
    marker = marker_dir / "pwned"
    values = hostile(str(marker))
    expression = "alert.labels.v{}" if source == "alert" else "params.v{}"
    steps = [
        {
            "name": f"cell_{i}",
            "command": PLACEMENTS[placement].replace("{{ v }}", "{{ " + expression.format(i) + " }}"),
            "on_failure": "continue",
        }
        for i in range(len(values))
    ]
    parameters = [{"name": f"v{i}"} for i in range(len(values))]
    try:
        runbook = save_runbook({"name": f"m-{source}", "parameters": parameters, "steps": steps}, actor=admin_user)
    except DefinitionError as exc:
        messages = [m for key, found in exc.errors.items() if key.startswith("steps[") for m in found]
        assert placement in REFUSED, messages
        assert len(messages) == len(values) and all(REFUSED[placement] in m and "Safe form:" in m for m in messages)
        assert not marker.exists()
        return
    assert placement not in REFUSED
    by_name = {f"v{i}": value for i, value in enumerate(values)}
    execution = request_execution(
        runbook,
        actor=admin_user,
        target_ids=[target],
        alert={"labels": by_name} if source == "alert" else None,
        params=by_name if source == "params" else {},
    )
    run_execution(execution.pk)
    execution.refresh_from_db()
    rows = {row.step_name: row for row in execution.step_runs.all()}
    assert not marker.exists(), [(r.step_name, r.stdout) for r in rows.values()]
    assert execution.status == ExecutionStatus.SUCCEEDED, execution.status_reason
    for i, value in enumerate(values):
        row = rows[f"cell_{i}"]
        assert row.exit_code == 0 and value in row.stdout, (placement, value, row.stdout, row.rendered)
    assert "49" not in rows["cell_9"].stdout and "012" not in rows["cell_10"].stdout
    assert not any(os.scandir(marker_dir))
