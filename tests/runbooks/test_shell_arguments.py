"""Values a program would read as options: refused when planned if the value begins an argument word with `-`
(`tar -xf a.tar {{ x }}` with x = `--to-command=…`), accepted after `--` or glued after text; values piped into
`xargs` are refused unless `--` ends the options of the command it runs.

Against the local /bin/sh and the real tar; the same rows on the real sshd are in test_placement_matrix.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from runbooks.templating import shell
from runbooks.templating.shellscan import scan

HOSTILE = "--to-command=touch {marker}"


@pytest.mark.parametrize(
    "template",
    [
        "tar -xf {archive} {{{{ v }}}}",
        'tar -xf {archive} "{{{{ v }}}}"',
        "tar -xf {archive} {{{{ v }}}}.txt",
        "V={{{{ v }}}}; tar -xf {archive} $V",
        'V="{{{{ v }}}}"; W=$V; tar -xf {archive} "$W"',
        'sh -c \'tar -xf "$1" "$2"\' sh {archive} {{{{ v }}}}',
        "sudo -- tar -xf {archive} {{{{ v }}}}",
        'for f in {{{{ v }}}}; do tar -xf {archive} "$f"; done',
    ],
)
def test_it_refuses_a_value_that_would_be_an_option_and_tar_would_have_run_it(template: str, tmp_path: Path) -> None:
    archive = tmp_path / "a.tar"
    (tmp_path / "f").write_text("x")
    subprocess.run(["tar", "-cf", str(archive), "-C", str(tmp_path), "f"], check=True)
    marker = tmp_path / "pwned"
    command = template.format(archive=archive)
    rendered = shell.render_command(command, {"v": HOSTILE.format(marker=marker)})
    assert len(rendered.problems) == 1, rendered.problems
    problem = rendered.problems[0]
    assert "{{ v }}" in problem and "'--to-command'" in problem and "--" in problem and "./{{ v }}" in problem
    # The control: tar given that value as an argument does run it (the hole this check closes).
    subprocess.run(["tar", "-xf", str(archive), HOSTILE.format(marker=marker)], cwd=tmp_path, check=False)
    assert marker.exists()


@pytest.mark.parametrize(
    "template",
    [
        "tar -xf a.tar -- {{ v }}",
        "rm -f ./{{ v }}",
        "make TARGET={{ v }}",
        'echo "value: {{ v }}"',
        "printf '%s\\n' {{ v }}",
        "printf -- {{ v }}",
        "echo hello {{ v }}",
        "sh -c 'rm -- \"$1\"' sh {{ v }}",
        'V="./{{ v }}"; rm "$V"',
        "[[ {{ v }} == -* ]] && echo dash",
        "cat > /tmp/out <<EOF\n{{ v }}\nEOF",
        "grep -c x <<< {{ v }}",
    ],
)
def test_it_accepts_a_dash_value_after_dashdash_glued_or_where_no_option_is_read(template: str) -> None:
    rendered = shell.render_command(template, {"v": "-rf"})
    assert rendered.problems == [], rendered.problems


def test_it_names_the_parameter_and_the_first_characters_for_alert_values_and_parameters_alike() -> None:
    template = "rm {{ params.path }} {{ alert.labels.file }}"
    rendered = shell.render_command(template, {"params": {"path": "-rf"}, "alert": {"labels": {"file": "--help"}}})
    assert len(rendered.problems) == 2
    assert "parameter 'path'" in rendered.problems[0] and "'-rf'" in rendered.problems[0]
    assert "a value from alert" in rendered.problems[1] and "'--help'" in rendered.problems[1]
    assert shell.render_command(template, {"params": {"path": "a"}, "alert": {"labels": {"file": "b"}}}).problems == []
    assert shell.check_command(template) == []  # a plan problem: only the value decides


def test_it_reads_the_word_a_value_begins_not_the_placeholder_alone() -> None:
    glued = "rm {{ a }}{{ b }}"
    assert shell.render_command(glued, {"a": "", "b": "-rf"}).problems
    assert shell.render_command(glued, {"a": "x", "b": "-rf"}).problems == []
    assert shell.render_command("less {{ v }}", {"v": "+!touch /tmp/x"}).problems
    assert shell.render_command("cat {{ v }}", {"v": "+!touch /tmp/x"}).problems == []


def test_it_records_per_marker_whether_it_begins_a_word_and_whether_dashdash_came_before() -> None:
    result = scan("rm -f \ue0000\ue001 x\ue0001\ue001 -- \ue0002\ue001; ls \ue0003\ue001")
    flags = {i: (result.sites[i].starts_word, result.sites[i].after_dashdash) for i in range(4)}
    assert flags == {0: (True, False), 1: (False, False), 2: (True, True), 3: (True, False)}
    assert result.option_groups == [([0], "-"), ([3], "-")]


@pytest.mark.parametrize(
    "template",
    [
        "printf '%s\\n' {{ v }} | xargs rm",
        "printf '%s\\n' {{ v }} | xargs -n1 tar -xf a.tar",
        "xargs rm <<< {{ v }}",
        "xargs -I{} rm {} -- <<EOF\n{{ v }}\nEOF",
        'V={{ v }}; echo "$V" | xargs rm',
        "printf '%s\\n' {{ v }} | xargs",
    ],
)
def test_it_refuses_values_piped_into_xargs_without_dashdash(template: str) -> None:
    problems = shell.check_command(template)
    assert len(problems) == 1 and "`xargs " in problems[0] and "Safe form:" in problems[0], problems
