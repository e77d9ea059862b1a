"""Templating: values never enter a command as text, placements that read values as code are refused with the safe
form, URLs are encoded per position, headers refuse line breaks, JSON bodies are built from structure.

Fast unit tests against the local /bin/sh and /bin/bash; the same rules against the real sshd through the runner
are in test_placement_matrix.py, and against the real HTTP server in test_http_placement.py.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from runbooks import templating
from runbooks.templating import safety, shell, web

EVIL = ["x'; touch /nonexistent/p; echo '", "$(id)", "`id`", 'a"\nEOF\nb; rm -rf /', "{{ 7*7 }}", "*", "a  b", "-n"]
PLACEMENTS = {
    "unquoted": "printf '%s\\n' {{ v }}",
    "double": "printf '%s\\n' \"<{{ v }}>\"",
    "single": "printf '%s\\n' '<{{ v }}>'",
    "heredoc": "cat <<EOF\n<{{ v }}>\nEOF",
    "command substitution": "printf '%s\\n' \"$(printf '%s' {{ v }})\"",
    "backticks": "printf '%s\\n' \"`printf '%s' {{ v }}`\"",
    "assignment": 'V="{{ v }}"; printf \'%s\\n\' "$V"',
    "sh -c argument": 'sh -c \'printf "%s\\n" "$1"\' sh {{ v }}',
}


@pytest.mark.parametrize("shell_path", ["/bin/sh", "/bin/bash"])
@pytest.mark.parametrize("placement", PLACEMENTS)
def test_it_keeps_values_out_of_the_script_and_prints_them_literally(shell_path: str, placement: str) -> None:
    for value in EVIL:
        rendered = shell.render_command(PLACEMENTS[placement], {"v": value})
        assert rendered.problems == []
        script = rendered.text.split("\n", 1)[1]
        assert value not in script and "${RE_V1}" in script
        out = subprocess.run([shell_path, "-c", rendered.text], capture_output=True, text=True, check=True).stdout
        assert value in out, (placement, value, out)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('sh -c "echo {{ v }}"', "`sh -c`"),
        ("bash -lc 'echo {{ v }}'", "`bash -lc`"),
        ('sudo -u app bash -c "echo {{ v }}"', "`bash -c`"),
        ('su - app -c "echo {{ v }}"', "`su`"),
        ("ssh web-2 systemctl restart {{ v }}", "`ssh`"),
        ("eval echo {{ v }}", "`eval`"),
        ('docker exec c sh -c "echo {{ v }}"', "`docker exec`"),
        ('timeout 5 sh -c "echo {{ v }}"', "`sh -c`"),
        ('find /var -exec sh -c "rm {{ v }}" \\;', "`sh -c`"),
        ('echo "{{ v }}" | sh', "reads its program from standard input"),
        ('bash <<< "{{ v }}"', "reads its program from standard input"),
        ("printf %s {{ v }} | xargs sh -c", "reads its program from standard input"),
        ("jq '.name == \"{{ v }}\"' f.json", "`jq`"),
        ("bash <<EOF\necho {{ v }}\nEOF", "reads its program from this here-document"),
        ("awk '{ print \"{{ v }}\" }' f", "`awk`"),
        ("sed -i 's/a/{{ v }}/' f", "`sed`"),
        ("python3 -c 'print(\"{{ v }}\")'", "`python3 -c`"),
        ('psql -c "select {{ v }}"', "`psql -c`"),
        ('trap "echo {{ v }}" EXIT', "`trap`"),
        ("cat <<'EOF'\n{{ v }}\nEOF", "quoted delimiter"),
        ("echo $(( {{ v }} + 1 ))", "arithmetic"),
        ("[[ {{ v }} -eq 1 ]]", "arithmetic"),
        ("declare -i n={{ v }}", "arithmetic"),
        ("{{ v }} --version", "names the command"),
        ("sudo {{ v }}", "names the command"),
        ("printf -v {{ v }} x", "names a variable"),
        ('PS4="{{ v }}"', "PS4"),
        ('echo "${X:-{{ v }}}"', "${…}"),
        ("echo \\{{ v }}", "follows a `\\`"),
        ("echo ${{ v }}", "follows a `$`"),
        ("echo $'{{ v }}'", "$'…'"),
        ("case {{ v }} in a) echo a;; esac", "cannot be read with certainty"),
        ('s\\\nh -c "echo {{ v }}"', "`sh -c`"),
        ("$'sh' -c \"echo {{ v }}\"", "`sh -c`"),
        ('SH=sh; $SH -c "echo {{ v }}"', "only known when it runs"),
        ('V={{ v }}; eval "$V"', "(through $V, which holds it) would be read as code by `eval`"),
        ('cmd="systemctl restart {{ v }}"; eval "$cmd"', "through $cmd"),
        ('V="{{ v }}"; W=$V; echo "$W" | bash', "reads its program from standard input"),
        ('V="{{ v }}"; W=$V; [ -n x ] && eval "$W"', "through $W"),
        ("V={{ v }}; echo $(( V + 1 ))", "arithmetic"),
        ("export V={{ v }}; sh -c 'eval \"$V\"'", "whose script hands it to code ($V)"),
        ("env V={{ v }} sh -c 'eval \"$V\"'", "whose script hands it to code ($V)"),
        ('V=a; V+={{ v }}; eval "$V"', "through $V"),
        ("sh -c '$1' sh {{ v }}", "whose script runs it as a command"),
        ('sh -c \'V="$1"; eval "$V"\' sh {{ v }}', "whose script hands it to code"),
        ('f() { eval "$1"; }; f {{ v }}', "a function defined in this command"),
        ("alias r=eval\nr {{ v }}", "alias"),
        ("printf %s {{ v }} | xargs -I{} sh -c 'echo {}'", "`xargs sh`"),
        ("printf %s {{ v }} | parallel echo", "`parallel`"),
        ('set -- {{ v }}; eval "$1"', "`set --`"),
        ("echo $'\\x41' {{ v }}", "numeric escapes"),
        ("echo 'unterminated {{ v }}", "cannot be read with certainty"),
    ],
)
def test_it_refuses_placements_where_a_program_reads_the_value_as_code(template: str, expected: str) -> None:
    problems = shell.check_command(template)
    assert len(problems) == 1 and expected in problems[0] and "Safe form:" in problems[0], problems
    assert shell.render_command(template, {"v": "ok"}).problems == problems


@pytest.mark.parametrize(
    "template",
    [
        "sh -c 'systemctl restart \"$1\"' sh {{ v }}",
        "awk -v value={{ v }} 'BEGIN { print value }'",
        "python3 -c 'import sys; print(sys.argv[1])' {{ v }}",
        "printf '%s\\n' \"select :'value';\" | psql -v value={{ v }}",
        "[ {{ v }} -eq 3 ] && echo three",
        "grep -F -- {{ v }} /var/log/syslog | tail -n 5 > /tmp/out-{{ v }}",
        'export V={{ v }} && for f in {{ v }} b; do echo "$f"; done # {{ v }}',
        "jq --arg v {{ v }} '.name == $v' f.json",
        'V={{ v }}; printf "%s\\n" "$V" "${V:-none}"',
        'V={{ v }}; V=fixed; eval "$V"',
        'bash -c \'for a in "$@"; do echo "$a"; done\' _ {{ v }}',
        "printf '%s\\n' {{ v }} | xargs -n1 printf '%s\\n'",
        "printf '%s\\n' {{ v }} | xargs -r rm --",
        "printf '%s\\n' {{ v }} | xargs -I{} rm -- {}",
    ],
)
def test_it_accepts_the_safe_forms_it_suggests(template: str) -> None:
    assert shell.check_command(template) == []


def test_it_inserts_raw_only_for_pattern_parameters_and_only_inert_values() -> None:
    declared = [{"name": "svc", "pattern": "[a-z-]+"}, {"name": "free"}]
    ok = {"name": "s", "kind": "ssh", "command": "sh -c 'systemctl restart {{ params.svc|raw }}'"}
    assert safety.step_findings(ok, declared) == []
    rendered = shell.render_command(ok["command"], {"params": {"svc": "nginx"}})
    assert rendered.text == "sh -c 'systemctl restart nginx'" and rendered.substitutions[0]["placement"] == "raw"
    for command in ["echo {{ params.free|raw }}", "echo {{ alert.labels.x|raw }}", "echo {{ (params.svc|raw) ~ 'x' }}"]:
        findings = safety.step_findings({"name": "s", "kind": "ssh", "command": command}, declared)
        assert findings and "raw" in findings[0].problem, command
    # Whatever the pattern let through, a raw value with shell syntax in it is refused when rendered.
    assert "a raw value may only contain" in shell.render_command(ok["command"], {"params": {"svc": "a;b"}}).problems[0]


def test_it_marks_every_substituted_value_in_the_display() -> None:
    rendered = shell.render_command(
        'echo "restarting {{ alert.labels.svc }}" on {{ target.name }}',
        {"alert": {"labels": {"svc": "web's"}}, "target": {"name": "h1"}},
    )
    assert rendered.text == "RE_V1='web'\\''s'\nRE_V2='h1'\necho \"restarting ${RE_V1}\" on \"${RE_V2}\""
    marked = [(text, label) for text, label in rendered.segments if label]
    assert marked[0] == ("web'\\''s", "{{ alert.labels.svc }} from alert, double-quoted")
    assert ('"${RE_V2}"', "{{ target.name }} from target, unquoted") in marked
    assert [s["value"] for s in rendered.substitutions] == ["web's", "h1"]
    assert rendered.expanded == 'echo "restarting web\'s" on "h1"'  # what the command policy reads


def test_it_encodes_each_url_position_and_keeps_values_out_of_the_host() -> None:
    values = {"alert": {"labels": {"x": "a/../b?c=d#e f", "h": "evil.example"}}, "target": {"address": "10.0.0.5"}}
    url = web.render_url("https://{{ target.address }}:8443/svc/{{ alert.labels.x }}?q={{ alert.labels.x }}", values)
    assert url.text == "https://10.0.0.5:8443/svc/a%2F..%2Fb%3Fc%3Dd%23e%20f?q=a%2F..%2Fb%3Fc%3Dd%23e%20f"
    for template in ["http://{{ alert.labels.h }}/x", "{{ alert.labels.h }}/x", "http://a@{{ steps.s.output }}/"]:
        assert web.check_url(template), template
    assert web.check_url("http://{{ params.host }}/", frozenset({"host"})) == []
    assert web.check_url("http://{{ params.host }}/", frozenset()) != []
    assert web.render_url("http://h/{{ p }}/x", {"p": ".."}).problems
    port = web.render_url("http://h:{{ params.port }}/", {"params": {"port": "http"}})
    assert "port is not valid" in port.problems[0]
    assert "cannot be split" in web.check_url("http://[{{ target.address }}]/")[0]


def test_it_refuses_line_breaks_in_header_values() -> None:
    assert web.render_header("X-Who", "tok-{{ v }}", {"v": "a b"}).text == "tok-a b"
    for value in ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\x00b"]:
        assert "line break or control character" in web.render_header("X-Who", "{{ v }}", {"v": value}).problems[0]
    assert web.check_header("Bad Name", "x") and web.check_header("X-Ok", "a\nb")


def test_it_builds_json_bodies_from_structure() -> None:
    hostile = '", "admin": true, "x": "\\'
    body = web.render_body(
        '{"a": {{ v }}, "b": "pre {{ v }} post", "n": {{ n }}, "{{ v }}": ["{{ v }}"]}', {"v": hostile, "n": 3}
    )
    assert json.loads(body.text) == {"a": hostile, "b": f"pre {hostile} post", "n": 3, hostile: [hostile]}
    assert web.check_body('{"a": "{{ v }}"}') == [] and web.check_body('{"a": {{ v }}}') == []
    assert "not JSON" in web.check_body('{"a": {{ v }} {{ v }}}')[0]
    assert "statements" in web.check_body('{"a": 1{% if x %}, "b": 2{% endif %}}')[0]


def test_it_reports_undefined_variables_as_problems_in_every_placement() -> None:
    for render in (
        lambda: shell.render_command("echo {{ params.nope }}", {"params": {}}),
        lambda: web.render_body('{"a": {{ nope }}}', {}),
        lambda: web.render_url("http://h/{{ nope }}", {}),
        lambda: web.render_header("X", "{{ nope }}", {}),
    ):
        with pytest.raises(templating.TemplateProblem, match="undefined"):
            render()
    with pytest.raises(templating.TemplateProblem, match="unsafe"):
        shell.render_command("{{ p.__class__.__mro__ }}", {"p": {}})


def test_it_refuses_unsupported_statements_and_reserved_names() -> None:
    for template in [
        "{% macro m() %}x{% endmacro %}",
        "{% set x %}{{ v }}{% endset %}",
        "{{ __re_value }}",
        "echo \ue0000\ue001",
    ]:
        assert shell.check_command(template), template


def test_it_renders_plain_text_for_rule_parameters_and_evaluates_conditions() -> None:
    assert templating.render("{{ labels.a }}-x", templating.TEXT, {"labels": {"a": "b\r\nc"}}) == "b  c-x"
    assert templating.evaluate(
        "steps.a.exit_code == 0 and params.x == 'y'", {"steps": {"a": {"exit_code": 0}}, "params": {"x": "y"}}
    )
    with pytest.raises(templating.TemplateProblem):
        templating.evaluate("nope.x == 1", {})
    assert templating.check_expression("a ==") != ""
