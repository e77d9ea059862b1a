"""Typed runbook definitions and plans: parsed once from the stored JSON, with every default in one place.

A version stores its definition as JSON and an execution stores its plan as JSON (rows written by any release must
keep loading). The engine, approvals, templates and API read these frozen values instead of picking the dicts apart:
`RunbookSpec.from_json(version.definition)` (a field missing from an older version takes the default below) and
`Plan.from_json(execution.plan)`; `Plan.to_json()` writes exactly the shape stored before these types existed.
The model fields (runbooks.models.definitions) take their defaults from here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from runbooks.choices import OnFailure, StepKind

RUNBOOK_TIMEOUT_SECONDS = 300
MAX_PARALLEL = 10
APPROVAL_TIMEOUT_SECONDS = 1800
VERIFICATION_WINDOW_SECONDS = 600
STEP_TIMEOUT_SECONDS = 60
RETRY_BACKOFF_SECONDS = 1.0
HTTP_METHOD = "GET"
EXPECTED_EXIT_CODES: tuple[int, ...] = (0,)
EXPECTED_STATUSES: tuple[int, ...] = (200, 201, 202, 204)

Json = Mapping[str, Any]
EMPTY: Mapping[str, Any] = MappingProxyType({})


def _given(data: Json, key: str, default: Any) -> Any:
    """The stored value, or the default when the key is missing or null (a version saved before the field)."""
    value = data.get(key)
    return default if value is None else value


def _text(data: Json, key: str, default: str = "") -> str:
    return str(_given(data, key, default))


def _number(data: Json, key: str, default: float) -> float:
    """A number where 0, null and a missing key all mean the default (as the engine always read them)."""
    return float(data.get(key) or default)


def _ints(data: Json, key: str, default: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(_given(data, key, default))


def _frozen(value: Any) -> Mapping[str, Any]:
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else EMPTY


@dataclass(frozen=True)
class ParameterSpec:
    """A declared runbook parameter: a value the run is given (or its default), checked against `pattern`."""

    name: str
    default: Any = None
    required: bool = False
    pattern: str = ""
    description: str = ""

    @classmethod
    def from_json(cls, data: Json) -> ParameterSpec:
        return cls(
            name=_text(data, "name"),
            default=data.get("default"),
            required=bool(data.get("required")),
            pattern=_text(data, "pattern"),
            description=_text(data, "description"),
        )


@dataclass(frozen=True)
class StepSpec:
    """One step of a pinned version: what to run (ssh command or http request), how to judge it and retry it."""

    name: str
    kind: str = StepKind.SSH
    # ssh
    command: str = ""
    rollback_command: str = ""
    # http
    method: str = HTTP_METHOD
    url: str = ""
    headers: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    body: str = ""
    credential: str = ""
    tls_verify: bool = True
    once: bool = False
    expected_statuses: tuple[int, ...] = EXPECTED_STATUSES
    # judging, flow and retries
    expected_exit_codes: tuple[int, ...] = EXPECTED_EXIT_CODES
    output_pattern: str = ""
    capture_as: str = ""
    condition: str = ""
    timeout_seconds: float = STEP_TIMEOUT_SECONDS
    retries: int = 0
    retry_backoff_seconds: float = RETRY_BACKOFF_SECONDS
    retry_on_failure: bool = False
    on_failure: str = OnFailure.STOP

    @classmethod
    def from_json(cls, data: Json) -> StepSpec:
        headers = data.get("headers")
        return cls(
            name=_text(data, "name"),
            kind=_text(data, "kind", StepKind.SSH),
            command=_text(data, "command"),
            rollback_command=_text(data, "rollback_command"),
            method=(_text(data, "method") or HTTP_METHOD).upper(),
            url=_text(data, "url"),
            headers=_frozen({str(k): str(v) for k, v in headers.items()} if isinstance(headers, Mapping) else {}),
            body=_text(data, "body"),
            credential=_text(data, "credential"),
            tls_verify=data.get("tls_verify") is not False,  # only an explicit false turns verification off
            once=bool(data.get("once")),
            expected_statuses=_ints(data, "expected_statuses", EXPECTED_STATUSES),  # [] = any status passes
            expected_exit_codes=tuple(data.get("expected_exit_codes") or EXPECTED_EXIT_CODES),
            output_pattern=_text(data, "output_pattern"),
            capture_as=_text(data, "capture_as"),
            condition=_text(data, "condition"),
            timeout_seconds=_number(data, "timeout_seconds", STEP_TIMEOUT_SECONDS),
            retries=int(data.get("retries") or 0),
            retry_backoff_seconds=float(_given(data, "retry_backoff_seconds", RETRY_BACKOFF_SECONDS)),
            retry_on_failure=bool(data.get("retry_on_failure")),
            on_failure=_text(data, "on_failure") or OnFailure.STOP,
        )

    @property
    def templates(self) -> list[str]:
        """Every template source of the step (commands, URL, body, header values)."""
        return [self.command, self.rollback_command, self.url, self.body, *self.headers.values()]


@dataclass(frozen=True)
class RunbookSpec:
    """A pinned runbook version as the engine reads it."""

    name: str = ""
    steps: tuple[StepSpec, ...] = ()
    parameters: tuple[ParameterSpec, ...] = ()
    timeout_seconds: float = RUNBOOK_TIMEOUT_SECONDS
    max_parallel: int = MAX_PARALLEL
    allowed_policy_rules: tuple[str, ...] = ()
    requires_approval: bool = False
    approval_timeout_seconds: int = APPROVAL_TIMEOUT_SECONDS
    verification_window_seconds: int = VERIFICATION_WINDOW_SECONDS

    @classmethod
    def from_json(cls, data: Json) -> RunbookSpec:
        steps = data.get("steps") or []
        parameters = data.get("parameters") or []
        return cls(
            name=_text(data, "name"),
            steps=tuple(StepSpec.from_json(step) for step in steps if isinstance(step, Mapping)),
            parameters=tuple(ParameterSpec.from_json(item) for item in parameters if isinstance(item, Mapping)),
            timeout_seconds=_number(data, "timeout_seconds", RUNBOOK_TIMEOUT_SECONDS),
            max_parallel=int(data.get("max_parallel") or MAX_PARALLEL),
            allowed_policy_rules=tuple(str(name) for name in data.get("allowed_policy_rules") or ()),
            requires_approval=bool(data.get("requires_approval")),
            approval_timeout_seconds=int(data.get("approval_timeout_seconds") or APPROVAL_TIMEOUT_SECONDS),
            verification_window_seconds=int(_given(data, "verification_window_seconds", VERIFICATION_WINDOW_SECONDS)),
        )


Segments = tuple[tuple[str, str | None], ...]


def _segments(value: Any) -> Segments:
    return tuple((str(text), None if label is None else str(label)) for text, label in value or ())


@dataclass(frozen=True)
class PlanRun:
    """One step rendered for one target (or once, without a target), secrets already masked."""

    target: str | None
    target_id: int | None
    rendered: str
    rollback: str = ""
    segments: Segments = ()
    rollback_segments: Segments = ()
    substitutions: tuple[Mapping[str, str], ...] = ()
    problems: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Json) -> PlanRun:
        return cls(
            target=data.get("target"),
            target_id=data.get("target_id"),
            rendered=_text(data, "rendered"),
            rollback=_text(data, "rollback"),
            segments=_segments(data.get("segments")),
            rollback_segments=_segments(data.get("rollback_segments")),
            substitutions=tuple(_frozen(item) for item in data.get("substitutions") or ()),
            problems=tuple(data.get("problems") or ()),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "target_id": self.target_id,
            "rendered": self.rendered,
            "rollback": self.rollback,
            "segments": [[text, label] for text, label in self.segments],
            "rollback_segments": [[text, label] for text, label in self.rollback_segments],
            "substitutions": [dict(item) for item in self.substitutions],
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class PlanStep:
    """One step of a plan with its runs."""

    index: int
    name: str
    kind: str
    condition: str = ""
    on_failure: str = OnFailure.STOP
    raw: bool = False
    runs: tuple[PlanRun, ...] = ()

    @classmethod
    def from_json(cls, data: Json) -> PlanStep:
        return cls(
            index=int(data.get("index") or 0),
            name=_text(data, "name"),
            kind=_text(data, "kind", StepKind.SSH),
            condition=_text(data, "condition"),
            on_failure=_text(data, "on_failure") or OnFailure.STOP,
            raw=bool(data.get("raw")),
            runs=tuple(PlanRun.from_json(run) for run in data.get("runs") or ()),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "name": self.name,
            "kind": self.kind,
            "condition": self.condition,
            "on_failure": self.on_failure,
            "raw": self.raw,
            "runs": [run.to_json() for run in self.runs],
        }


@dataclass(frozen=True)
class PlanTarget:
    id: int
    name: str


@dataclass(frozen=True)
class Plan:
    """What a run would do, rendered (secrets masked), and every problem that blocks it; `ok` when none."""

    ok: bool = False
    problems: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    targets: tuple[PlanTarget, ...] = ()
    raw_steps: tuple[str, ...] = ()
    steps: tuple[PlanStep, ...] = ()

    @classmethod
    def from_json(cls, data: Json | None) -> Plan:
        """A stored plan (an empty dict, as rows without a plan hold, gives an empty plan)."""
        data = data or EMPTY
        return cls(
            ok=bool(data.get("ok")),
            problems=tuple(data.get("problems") or ()),
            params=_frozen(data.get("params")),
            targets=tuple(PlanTarget(id=t.get("id"), name=_text(t, "name")) for t in data.get("targets") or ()),
            raw_steps=tuple(data.get("raw_steps") or ()),
            steps=tuple(PlanStep.from_json(step) for step in data.get("steps") or ()),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problems": list(self.problems),
            "params": dict(self.params),
            "targets": [{"id": target.id, "name": target.name} for target in self.targets],
            "raw_steps": list(self.raw_steps),
            "steps": [step.to_json() for step in self.steps],
        }

    def rendered_commands(self) -> list[tuple[str, int | None, str, str]]:
        """What the plan would run, step by step and target by target (the part an approver approves)."""
        return [(step.name, run.target_id, run.rendered, run.rollback) for step in self.steps for run in step.runs]
