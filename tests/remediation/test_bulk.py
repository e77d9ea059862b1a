"""remediation.bulk: the JSON route of multi-row inserts on PostgreSQL, and Django's bulk_create elsewhere."""

from __future__ import annotations

import pytest
from django.db import DataError, connection, transaction

from alerts.models import Decision
from remediation.bulk import bulk_insert, worth_json
from tests.factories import AlertFactory, RuleFactory
from tests.realparts import need_postgresql

pytestmark = pytest.mark.django_db
AWKWARD = ["quote \" and ' and \\", "línea\nnueva\t€ 😀", '{"looks": ["like json"]}', "", "NULL", "%s %(x)s"]


def _decisions(count: int) -> list[Decision]:
    alerts = [AlertFactory(fingerprint=f"bulk{i:012d}") for i in range(count)]
    rule = RuleFactory(name="bulk-rule")
    return [
        Decision(
            alert=alert,
            status="firing",
            rule=rule if i % 2 else None,
            rule_name=AWKWARD[i % len(AWKWARD)],
            action="record",
            outcome="recorded",
            matched=[{"id": rule.pk, "name": AWKWARD[i % len(AWKWARD)], "nested": {"n": i, "ok": True, "x": None}}],
            suppressions=[],
        )
        for i, alert in enumerate(alerts)
    ]


@pytest.mark.parametrize("count", [1, 12])
def test_it_inserts_every_value_exactly_and_sets_primary_keys(count: int) -> None:
    decisions = bulk_insert(Decision, _decisions(count))
    assert all(d.pk for d in decisions) and len({d.pk for d in decisions}) == count
    for sent in decisions:
        stored = Decision.objects.get(pk=sent.pk)
        assert (stored.alert_id, stored.rule_id, stored.rule_name) == (sent.alert_id, sent.rule_id, sent.rule_name)
        assert (stored.matched, stored.suppressions) == (sent.matched, sent.suppressions)
        assert stored.created_at is not None and stored.created_at == sent.created_at


@pytest.mark.parametrize(
    ("count", "route"), [(1, "VALUES"), (5, "VALUES"), (6, "jsonb_to_recordset"), (12, "jsonb_to_recordset")]
)
def test_it_writes_one_statement_with_the_cheaper_route_on_postgresql(count: int, route: str) -> None:
    need_postgresql()
    fields = [f for f in Decision._meta.concrete_fields if not f.primary_key]
    assert worth_json(count, fields) == (route == "jsonb_to_recordset")
    seen: list[str] = []

    def spy(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        seen.append(sql)
        return execute(sql, params, many, context)

    decisions = _decisions(count)
    with connection.execute_wrapper(spy):
        bulk_insert(Decision, decisions)
    assert len(seen) == 1 and route in seen[0]
    assert Decision.objects.filter(pk__in=[d.pk for d in decisions]).count() == count


def test_it_refuses_a_value_too_long_for_its_column_instead_of_truncating() -> None:
    need_postgresql()
    decisions = _decisions(12)
    decisions[5].rule_name = "x" * 201  # rule_name is varchar(200)
    with pytest.raises(DataError), transaction.atomic():
        bulk_insert(Decision, decisions)
    assert not Decision.objects.exists()
