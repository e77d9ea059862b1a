"""The placement matrix on the real sshd, through save, request and the runner: for every placement of a placeholder
× every hostile value, from an alert label and from a runbook parameter, no marker file ever appears, and each cell
either ran with the literal value in its output or was refused with the safe form: when the runbook was saved (the
placement) or when it was requested (the value: an option-looking value where a program reads options). The totals
(cells ran literally / refused) are printed at the end of the module.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from remediation.actors import Actor
from remediation.models import Credential, CredentialKind, Server
from remediation.services.inventory import pin_host_key
from runbooks.choices import ExecutionStatus
from runbooks.services.definitions import DefinitionError, save_runbook
from runbooks.services.execute import ExecutionRefused, request_execution
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

# Where a program reads options: `{dir}` is the marker directory (it holds a.tar, whose member `f` contains `f`).
# Output goes to stdout (2>&1) so a value tar did not find is in it; `; true`: a missing member is not a failure.
ARGUMENTS = {
    "tar member": "tar -xOf {dir}/a.tar {{ v }} 2>&1; true",
    "tar member after --": "tar -xOf {dir}/a.tar -- {{ v }} 2>&1; true",
    "tar member prefixed ./": "tar -xOf {dir}/a.tar ./{{ v }} 2>&1; true",
    "tar member through a variable": 'V={{ v }}; tar -xOf {dir}/a.tar "$V" 2>&1; true',
    "tar member as $2 of sh -c": 'sh -c \'tar -xOf "$1" "$2" 2>&1; true\' sh {dir}/a.tar {{ v }}',
    "xargs tar": "printf '%s\\n' {{ v }} | xargs tar -xOf {dir}/a.tar 2>&1; true",
    "xargs -d '\\n' tar … --": "printf '%s\\n' {{ v }} | xargs -d '\\n' tar -xOf {dir}/a.tar -- 2>&1; true",
}
# Placement → what a refusal when saving says (every value of the placement is refused then).
ARGUMENTS_REFUSED = {"xargs tar": "`xargs tar`"}
# What a refusal when requesting says (only an option-looking value is refused).
OPTION_REFUSAL = "which the program would read as an option"


# Options whose value the program runs, container command lines, the output of a command substitution that is run:
# refused when saved, whatever the value.
EXECUTING = {
    "tar --checkpoint-action": "tar --checkpoint=1 --checkpoint-action=exec={{ v }} -cf {dir}/b.tar /etc/hostname",
    "tar --to-command (next word)": "tar -xf {dir}/a.tar --to-command {{ v }}",
    "tar -I (glued)": "tar -I{{ v }} -xf {dir}/a.tar",
    "rsync -e": "rsync -a -e {{ v }} {dir}/a.tar localhost:{dir}/c.tar",
    "git -c": "git -c core.pager={{ v }} -c core.pager.log=true log -1",
    "GIT_SSH_COMMAND=": "GIT_SSH_COMMAND={{ v }} git ls-remote ssh://localhost/x",
    "docker exec": "docker exec c printf '%s\\n' {{ v }}",
    'eval "$(…)"': "eval \"$(printf '%s' {{ v }})\"",
    "bash <(…)": "bash <(printf '%s\\n' {{ v }})",
}


# A value written to a file the command then runs: refused when saved, whatever the value.
WRITE_THEN_RUN = {
    "echo > f; . f": "echo {{ v }} > {dir}/f; . {dir}/f",
    "echo > f; bash f": "echo {{ v }} > {dir}/f; bash {dir}/f",
    "echo > f; sh < f": "echo {{ v }} > {dir}/f; sh < {dir}/f",
    "echo > f; chmod +x f; ./f": "cd {dir} && echo {{ v }} > f && chmod +x f && ./f",
    "cat > f <<EOF … EOF; sh f": "cat > {dir}/f <<EOF\n{{ v }}\nEOF\nsh {dir}/f",
    "tee f; . f": "printf '%s\\n' {{ v }} | tee {dir}/f; . {dir}/f",
}


def executing_values(marker: str) -> list[str]:
    return [f"touch {marker}", f"exec=touch {marker}", f"sh -c 'touch {marker}'", "--to-command=true"]


# Templates that must keep running, with ordinary values (`{dir}` as above; the values are given per row).
LEGIT = {
    "tar -xf {{ archive }} -C …": (
        "mkdir -p {dir}/srv && tar -xf {{ v }} -C {dir}/srv && cat {dir}/srv/f",
        "{dir}/a.tar",
        "f",
    ),
    'echo "{{ msg }}" >> …': ('echo "{{ v }}" >> {dir}/log && cat {dir}/log', "disk 91% full", "disk 91% full"),
    "rsync -a {{ src }} …/backup/": ("rsync -a {{ v }} {dir}/backup/ && ls {dir}/backup", "{dir}/a.tar", "a.tar"),
    "tar … -- {{ member }}": ("tar -xOf {dir}/a.tar -- {{ v }}", "f", "f"),
}
# Planned, not run (no systemd on the test server): they must pass the checks with ordinary values.
LEGIT_PLANNED = ["systemctl restart {{ v }}", "journalctl -u {{ v }} --since {{ v }}"]


def option_values(marker: str) -> list[str]:
    """Values that run a command (or would, for tar's other modes) when a program reads them as its options."""
    return [
        f"--to-command=touch {marker}",
        f"--checkpoint-action=exec=touch {marker}",
        f"--use-compress-program=touch {marker}",
        "-rf",
        f"$(touch {marker})",
        "f",
    ]


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
    with tarfile.open(path / "a.tar", "w") as archive:  # one member, `f`, whose content is `f`
        (path / "member").write_text("f")
        archive.add(path / "member", arcname="f")
    (path / "member").unlink()
    yield path
    shutil.rmtree(path)


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
    pin_host_key(server, actor=Actor.of(admin_user), known_hosts_line=sshd.known_hosts_line())
    return server.pk


def test_the_account_can_create_the_marker(marker_dir, target, admin_user) -> None:  # type: ignore[no-untyped-def]
    """The control: the same account, told to in the author's own text, does create it."""
    runbook = save_runbook(
        {"name": "control", "steps": [{"name": "t", "command": f"touch {marker_dir}/control"}]},
        actor=Actor.of(admin_user),
    )
    execution = request_execution(runbook, actor=Actor.of(admin_user), target_ids=[target])
    run_execution(execution.pk)
    assert (marker_dir / "control").exists()


@pytest.fixture(scope="module")
def tally(request: pytest.FixtureRequest) -> Iterator[Counter[str]]:
    """Cells of this module by outcome; printed when the module ends."""
    counts: Counter[str] = Counter()
    yield counts
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and counts:
        total = sum(counts.values())
        with capture.global_and_fixture_disabled():
            reporter.write_line(
                f"\nplacement matrix: {total} cells, {counts['ran']} ran literally, {counts['refused at save']} "
                f"refused at save, {counts['refused at request']} refused at request, {counts['planned']} planned"
            )


def run_cells(template: str, values: list[str], source: str, actor, target: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Save one step per value; request; run what the plan accepts. Returns value index → outcome."""
    expression = "alert.labels.v{}" if source == "alert" else "params.v{}"
    steps = [
        {"name": f"cell_{i}", "command": template.replace("{{ v }}", "{{ " + expression.format(i) + " }}")}
        for i in range(len(values))
    ]
    for step in steps:
        step["on_failure"] = "continue"
    definition = {
        "name": f"m-{source}-{uuid.uuid4().hex[:8]}",
        "parameters": [{"name": f"v{i}"} for i in range(len(values))],
    }
    try:
        runbook = save_runbook({**definition, "steps": steps}, actor=Actor.of(actor))
    except DefinitionError as exc:
        return {"refused at save": [m for key, found in exc.errors.items() if key.startswith("steps[") for m in found]}
    by_name = {f"v{i}": value for i, value in enumerate(values)}
    request = {"alert": {"labels": by_name}} if source == "alert" else {"params": by_name}
    try:
        execution = request_execution(runbook, actor=Actor.of(actor), target_ids=[target], **request)  # type: ignore[arg-type]
    except ExecutionRefused as exc:
        problems = exc.problems
        refused = {i: p for i in range(len(values)) for p in problems if "{{ " + expression.format(i) + " }}" in p}
        kept = [i for i in range(len(values)) if i not in refused]
        outcome: dict[str, object] = {"refused at request": refused}
        if kept:
            rerun = run_cells(template, [values[i] for i in kept], source, actor, target)
            assert set(rerun) == {"ran"}, rerun
            outcome["ran"] = {kept[i]: out for i, out in rerun["ran"].items()}  # type: ignore[attr-defined]
        return outcome
    run_execution(execution.pk)
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.SUCCEEDED, execution.status_reason
    rows = {row.step_name: row for row in execution.step_runs.all()}
    assert all(rows[f"cell_{i}"].exit_code == 0 for i in range(len(values))), [r.stdout for r in rows.values()]
    return {"ran": {i: rows[f"cell_{i}"].stdout for i in range(len(values))}}


@pytest.mark.parametrize("source", ["alert", "params"])
@pytest.mark.parametrize("placement", PLACEMENTS)
def test_no_value_ever_runs_whatever_its_placement(marker_dir, target, admin_user, source, placement, tally) -> None:  # type: ignore[no-untyped-def]
    marker = marker_dir / "pwned"
    values = hostile(str(marker))
    outcome = run_cells(PLACEMENTS[placement], values, source, admin_user, target)
    assert not marker.exists(), outcome
    if "refused at save" in outcome:
        messages = outcome["refused at save"]
        assert placement in REFUSED, messages
        assert len(messages) == len(values) and all(REFUSED[placement] in m and "Safe form:" in m for m in messages)  # type: ignore[arg-type]
        tally["refused at save"] += len(values)
        return
    assert placement not in REFUSED and set(outcome) == {"ran"}, outcome
    ran: dict[int, str] = outcome["ran"]  # type: ignore[assignment]
    for i, value in enumerate(values):
        assert value in ran[i], (placement, value, ran[i])
    assert "49" not in ran[9] and "012" not in ran[10]
    tally["ran"] += len(values)
    assert [p.name for p in marker_dir.iterdir()] == ["a.tar"]


@pytest.mark.parametrize("source", ["alert", "params"])
@pytest.mark.parametrize("placement", ARGUMENTS)
def test_no_value_ever_becomes_an_option_that_runs(marker_dir, target, admin_user, source, placement, tally) -> None:  # type: ignore[no-untyped-def]
    marker = marker_dir / "pwned"
    values = option_values(str(marker))
    outcome = run_cells(ARGUMENTS[placement].replace("{dir}", str(marker_dir)), values, source, admin_user, target)
    assert not marker.exists(), outcome
    if "refused at save" in outcome:
        messages = outcome["refused at save"]
        assert placement in ARGUMENTS_REFUSED, messages
        expected = ARGUMENTS_REFUSED[placement]
        assert len(messages) == len(values) and all(expected in m and "Safe form:" in m for m in messages)  # type: ignore[arg-type]
        tally["refused at save"] += len(values)
        return
    assert placement not in ARGUMENTS_REFUSED
    refused: dict[int, str] = outcome.get("refused at request", {})  # type: ignore[assignment]
    ran: dict[int, str] = outcome.get("ran", {})  # type: ignore[assignment]
    assert sorted([*refused, *ran]) == list(range(len(values)))
    for i, problem in refused.items():
        assert values[i].startswith("-") and OPTION_REFUSAL in problem and "Safe form:" in problem, problem
    for i, out in ran.items():
        assert values[i] in out, (placement, values[i], out)  # tar printed `f`'s content or the name it did not find
    tally["refused at request"] += len(refused)
    tally["ran"] += len(ran)
    # Where tar reads options, every option-looking value was refused; after `--` or `./` none was.
    dash = {i for i, v in enumerate(values) if v.startswith("-")}
    assert set(refused) == (set() if "--" in placement or "./" in placement else dash)


@pytest.mark.parametrize("source", ["alert", "params"])
@pytest.mark.parametrize("placement", EXECUTING)
def test_no_value_is_ever_run_by_an_option_or_a_container(
    marker_dir, target, admin_user, source, placement, tally
) -> None:  # type: ignore[no-untyped-def]
    marker = marker_dir / "pwned"
    values = executing_values(str(marker))
    outcome = run_cells(EXECUTING[placement].replace("{dir}", str(marker_dir)), values, source, admin_user, target)
    assert set(outcome) == {"refused at save"}, outcome
    messages: list[str] = outcome["refused at save"]  # type: ignore[assignment]
    assert len(messages) == len(values) and all("Safe form:" in m for m in messages)
    assert all(("runs as a command" in m or "would be read as code" in m or "interprets" in m) for m in messages)
    assert not marker.exists()
    tally["refused at save"] += len(values)


@pytest.mark.parametrize("source", ["alert", "params"])
@pytest.mark.parametrize("placement", LEGIT)
def test_ordinary_templates_still_run(marker_dir, target, admin_user, source, placement, tally) -> None:  # type: ignore[no-untyped-def]
    template, value, expected = (part.replace("{dir}", str(marker_dir)) for part in LEGIT[placement])
    outcome = run_cells(template, [value], source, admin_user, target)
    assert set(outcome) == {"ran"}, outcome
    assert expected in outcome["ran"][0]  # type: ignore[index]
    tally["ran"] += 1


def test_ordinary_service_templates_still_plan(target, admin_user, tally) -> None:  # type: ignore[no-untyped-def]
    steps = [
        {"name": f"s{i}", "command": t.replace("{{ v }}", "{{ params.unit }}")} for i, t in enumerate(LEGIT_PLANNED)
    ]
    runbook = save_runbook(
        {"name": "services", "parameters": [{"name": "unit"}], "steps": steps}, actor=Actor.of(admin_user)
    )
    execution = request_execution(
        runbook, actor=Actor.of(admin_user), target_ids=[target], params={"unit": "nginx.service"}
    )
    assert execution.plan["ok"], execution.plan
    tally["planned"] += len(steps)


@pytest.mark.parametrize("source", ["alert", "params"])
@pytest.mark.parametrize("placement", WRITE_THEN_RUN)
def test_no_value_is_ever_written_to_a_file_that_then_runs(
    marker_dir, target, admin_user, source, placement, tally
) -> None:  # type: ignore[no-untyped-def]
    marker = marker_dir / "pwned"
    values = [f"touch {marker}", *hostile(str(marker))[:3]]
    outcome = run_cells(WRITE_THEN_RUN[placement].replace("{dir}", str(marker_dir)), values, source, admin_user, target)
    assert set(outcome) == {"refused at save"}, outcome
    messages: list[str] = outcome["refused at save"]  # type: ignore[assignment]
    assert len(messages) == len(values)
    assert all("written to a file that the command then runs" in m and "Safe form:" in m for m in messages)
    assert not marker.exists()
    tally["refused at save"] += len(values)
