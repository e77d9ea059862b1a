"""Sandboxed, context-aware templating: values can never become syntax unless the author writes `raw`."""

from __future__ import annotations

import json
import shlex
import subprocess

import pytest

from runbooks import templating

EVIL = ["x'; touch /tmp/pwned-$RANDOM; echo '", "$(id)", "`id`", "a\nb; rm -rf /", '"; echo hi; "']


@pytest.mark.parametrize("value", EVIL)
def test_it_shell_quotes_every_interpolated_value(value: str) -> None:
    rendered = templating.render("echo {{ alert.labels.x }}", templating.SHELL, {"alert": {"labels": {"x": value}}})
    assert shlex.split(rendered) == ["echo", value]
    # A real shell prints the literal text.
    assert subprocess.run(["/bin/sh", "-c", rendered], capture_output=True, text=True).stdout == value + "\n"


def test_it_url_encodes_and_json_encodes_by_context() -> None:
    values = {"p": {"q": "a b&c=d/../e", "n": 'he said "hi"'}}
    assert templating.render("http://h/x?q={{ p.q }}", templating.URL, values) == "http://h/x?q=a%20b%26c%3Dd%2F..%2Fe"
    body = templating.render('{"n": {{ p.n }}}', templating.JSON, values)
    assert json.loads(body) == {"n": 'he said "hi"'}
    assert templating.render("v={{ p.q }}\r\nX: y", templating.TEXT, {"p": {"q": "a\r\nInjected: 1"}}).count("\n") == 1


def test_it_inserts_raw_values_only_where_the_author_wrote_raw() -> None:
    source = "echo {{ p.a|raw }} {{ p.a }}"
    assert templating.render(source, templating.SHELL, {"p": {"a": "$HOME"}}) == "echo $HOME '$HOME'"
    assert templating.uses_raw(source)
    assert not templating.uses_raw("echo {{ p.a }}")


def test_it_reports_undefined_variables_and_refuses_unsafe_attributes() -> None:
    with pytest.raises(templating.TemplateProblem, match="undefined"):
        templating.render("echo {{ params.missing }}", templating.SHELL, {"params": {}})
    with pytest.raises(templating.TemplateProblem, match="unsafe"):
        templating.render("{{ p.__class__.__mro__ }}", templating.SHELL, {"p": {}})


def test_it_evaluates_conditions_strictly() -> None:
    assert templating.evaluate(
        "steps.a.exit_code == 0 and params.x == 'y'", {"steps": {"a": {"exit_code": 0}}, "params": {"x": "y"}}
    )
    with pytest.raises(templating.TemplateProblem):
        templating.evaluate("nope.x == 1", {})
    assert templating.check_expression("a ==") != ""
