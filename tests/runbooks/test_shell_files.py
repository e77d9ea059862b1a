"""A value written to a file that the same command then runs (sourced, given to a shell, run as the command, fed to
a shell's standard input) is refused when saved: the file's text would be read as code.

The control runs such a script on the local /bin/sh with the value travelling as a variable, as the engine sends it:
the variable does not help once the value is in a file that is run. The same rows on the real sshd are in
test_placement_matrix.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from runbooks.templating import shell

WRITE_THEN_RUN = [
    ("echo {{ v }} > /tmp/f; . /tmp/f", "run `.`"),
    ("echo {{ v }} > /tmp/f; source /tmp/f", "run `source`"),
    ("echo {{ v }} > /tmp/f; bash /tmp/f", "run `bash`"),
    ("echo {{ v }} > /tmp/f; sh < /tmp/f", "run `sh` reading it from <"),
    ("echo {{ v }} > f; chmod +x f; ./f", "run as the command"),
    ("echo {{ v }} >> /tmp/f && sudo /tmp/f", "run as the command"),
    ("printf '%s\\n' {{ v }} >| /tmp/x/../f; . /tmp/f", "run `.`"),
    ("cat > /tmp/f <<EOF\necho {{ v }}\nEOF\nsh /tmp/f", "run `sh`"),
    ("echo {{ v }} | tee /tmp/f; . /tmp/f", "run `.`"),
    ("printf %s {{ v }} | dd of=/tmp/f; . /tmp//f", "run `.`"),
    ('V={{ v }}; echo "$V" > /tmp/f; . /tmp/f', "run `.`"),
    ("echo $(printf %s {{ v }}) > /tmp/f && . /tmp/f", "run `.`"),
    ("echo {{ v }} > run.sh; cd /tmp && sh /tmp/run.sh", "run `sh`"),  # relative: the directory depends on cd
    ("echo {{ v }} > /tmp/f; awk -f /tmp/f", "run `awk`"),
    ("echo {{ v }} > /tmp/f; crontab /tmp/f", "run `crontab`"),
    ("echo {{ v }} > /tmp/f; at -f /tmp/f now", "run `at -f`"),
    ("echo {{ v }} > /tmp/f; python3 /tmp/f", "run `python3`"),
    ('echo {{ v }} > "$D/f"; /usr/local/bin/job', "run as the command"),  # the written path is only known later
    ("echo {{ v }} > /tmp/f; $HOME/run", "`$HOME/run`, run as the command"),  # so is the run one
    ("for i in 1 2; do . /tmp/f; echo {{ v }} > /tmp/f; done", "run `.`"),  # a loop runs it after the write
    ('echo {{ v }} > /tmp/f; sh -c ". /tmp/f"', "run `.`"),  # inside the script of sh -c
    ('echo {{ v }} > /tmp/f; su - app -c "sh /tmp/f"', "run `sh`"),
    ("echo {{ v }} > /tmp/f; eval . /tmp/f", "run as the command"),
    ('echo {{ v }} > /tmp/f; trap ". /tmp/f" EXIT', "run `.`"),
    ("echo {{ v }} > /tmp/f\nsh <<EOF\n. /tmp/f\nEOF", "run `.`"),  # a here-document a shell reads
]


@pytest.mark.parametrize(("template", "expected"), WRITE_THEN_RUN)
def test_it_refuses_a_value_written_to_a_file_the_command_runs(template: str, expected: str) -> None:
    problems = shell.check_command(template)
    assert len(problems) == 1 and "written to a file that the command then runs" in problems[0], problems
    assert expected in problems[0] and "Safe form:" in problems[0]


@pytest.mark.parametrize(
    "template",
    [
        'echo "{{ v }}" >> /var/log/x',
        "echo {{ v }} > /tmp/f; cat /tmp/f",
        "echo {{ v }} | tee -a /var/log/x",
        "echo {{ v }} > /tmp/a; sh /tmp/b",
        "echo {{ v }} > /tmp/report; /usr/bin/systemctl restart app",
        "echo x > /tmp/f; . /tmp/f; echo {{ v }}",
        "echo {{ v }} 2>&1 > /tmp/log; /opt/app/deploy.sh",
        "grep -F -- {{ v }} /var/log/syslog > /tmp/out; sh -c 'wc -l /tmp/out'",
        "echo hi > /tmp/{{ v }}; /opt/app/deploy.sh",  # the value names the file; it is not written into it
    ],
)
def test_it_accepts_writes_that_are_not_run_and_runs_that_hold_no_value(template: str) -> None:
    assert shell.check_command(template) == []


def test_the_control_a_variable_does_not_protect_a_value_in_a_file_that_is_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    script = f"RE_V1='touch {marker}'\necho \"${{RE_V1}}\" > {tmp_path}/f; . {tmp_path}/f"
    subprocess.run(["sh", "-c", script], check=True)
    assert marker.exists()
