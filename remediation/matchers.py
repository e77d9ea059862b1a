"""Alertmanager label matchers: `=`, `!=`, `=~`, `!~`, regexes fully anchored, a missing label equals ""."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from remediation.choices import MatcherOp, MatcherTarget

# Alertmanager compiles matchers with Go's RE2, which has no look-around and no back-references; refusing them
# keeps rules portable and rules out the catastrophic backtracking they allow.
_UNSUPPORTED = re.compile(r"\(\?<?[=!]|\\[1-9]")
_LEADING_FLAGS = re.compile(r"^\(\?([ims]+)\)")


def _scoped(value: str) -> str:
    """The pattern wrapped as Prometheus does ((?s:…), matched in full); leading RE2 flags like (?i) stay leading."""
    flags = _LEADING_FLAGS.match(value)
    if flags:
        return f"(?s{flags.group(1)}:{value[flags.end() :]})"
    return f"(?s:{value})"


class MatcherError(ValueError):
    """A matcher that cannot be compiled (unknown operator, bad regular expression)."""


def check_regex(value: str) -> str:
    """Return an error message for a regex Alertmanager would not accept, or "" when it is fine."""
    if _UNSUPPORTED.search(value):
        return f"Invalid regular expression {value!r}: look-around and back-references are not supported (RE2)."
    try:
        re.compile(_scoped(value))
    except re.error as exc:
        return f"Invalid regular expression {value!r}: {exc}."
    return ""


@dataclass(frozen=True, slots=True)
class Matcher:
    """One compiled matcher; `matches` applies it to an alert's labels and annotations."""

    name: str
    op: str
    value: str
    target: str = MatcherTarget.LABEL
    pattern: re.Pattern[str] | None = None

    def matches(self, labels: Mapping[str, str], annotations: Mapping[str, str] | None = None) -> bool:
        source = labels if self.target == MatcherTarget.LABEL else (annotations or {})
        actual = source.get(self.name, "")
        if self.op == MatcherOp.EQUAL:
            return actual == self.value
        if self.op == MatcherOp.NOT_EQUAL:
            return actual != self.value
        hit = self.pattern is not None and self.pattern.fullmatch(actual) is not None
        return hit if self.op == MatcherOp.REGEX else not hit

    def __str__(self) -> str:
        prefix = "annotation:" if self.target == MatcherTarget.ANNOTATION else ""
        return f'{prefix}{self.name}{self.op}"{self.value}"'


def compile_matcher(name: str, op: str, value: str, target: str = MatcherTarget.LABEL) -> Matcher:
    """Compile one matcher; raises MatcherError with a clear message when it is invalid."""
    if op not in MatcherOp.values:
        raise MatcherError(f"Unknown matcher operator {op!r}; use one of =, !=, =~, !~.")
    if target not in MatcherTarget.values:
        raise MatcherError(f"Unknown matcher target {target!r}; use label or annotation.")
    if not name:
        raise MatcherError("A matcher needs a label name.")
    pattern = None
    if op in (MatcherOp.REGEX, MatcherOp.NOT_REGEX):
        error = check_regex(value)
        if error:
            raise MatcherError(error)
        pattern = re.compile(_scoped(value))
    return Matcher(name=name, op=op, value=value, target=target, pattern=pattern)


def compile_matchers(items: list[Mapping[str, str]]) -> tuple[Matcher, ...]:
    """Compile a list of {name, op, value[, target]} dicts (the stored form of window scopes)."""
    return tuple(
        compile_matcher(
            str(i.get("name", "")), str(i.get("op", "=")), str(i.get("value", "")), i.get("target", "label")
        )
        for i in items
    )


def all_match(
    matchers: tuple[Matcher, ...], labels: Mapping[str, str], annotations: Mapping[str, str] | None = None
) -> bool:
    """True when every matcher holds (an empty list matches everything)."""
    return all(m.matches(labels, annotations) for m in matchers)
