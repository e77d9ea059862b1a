"""The portal alert list: filters (shared with the API), sorting, paging, grouping, the choices its filters offer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Q, QuerySet

from alerts.choices import AlertStatus
from alerts.models import Alert
from alerts.services.queries import filter_alerts

# ?sort=<key> (ascending) or ?sort=-<key> (descending) → the column it orders by (ties broken by newest id).
SORTS = {"received": "last_received_at", "started": "starts_at", "severity": "severity", "alertname": "alertname"}
SORTS["status"] = "status"
DEFAULT_SORT = "-received"
PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
# ?group=<key> → the column episodes are grouped by: the alert name, or the Alertmanager group they arrived in.
GROUPINGS = {"alertname": "alertname", "group_key": "group_key"}
CHOICES_LIMIT = 200  # distinct severities and alert names offered as choices (more would not fit a select)


@dataclass(frozen=True)
class ListRequest:
    """What the list page was asked for, each value checked (an unknown value falls back to the default)."""

    sort: str = DEFAULT_SORT
    page_size: int = DEFAULT_PAGE_SIZE
    page: str = "1"
    group: str = ""

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> ListRequest:
        sort = str(params.get("sort") or DEFAULT_SORT)
        size = str(params.get("per_page") or "")
        return cls(
            sort=sort if sort.lstrip("-") in SORTS else DEFAULT_SORT,
            page_size=int(size) if size.isdigit() and int(size) in PAGE_SIZES else DEFAULT_PAGE_SIZE,
            page=str(params.get("page") or "1"),
            group=str(params.get("group") or "") if params.get("group") in GROUPINGS else "",
        )


@dataclass
class AlertListing:
    """One page of episodes (or of groups when grouped) and the choices the filters offer."""

    page: Page[Any]
    grouped: bool
    choices: dict[str, list[str]] = field(default_factory=dict)


def list_alerts(params: Mapping[str, Any], asked: ListRequest) -> AlertListing:
    """Filter (AlertFilterError on a bad value), then sort and page the episodes, or group them and page the groups."""
    alerts = filter_alerts(params)
    if asked.group:
        rows: QuerySet[Any] = group_alerts(alerts, asked.group)
    else:
        rows = sort_alerts(alerts.select_related("acknowledged_by").prefetch_related("decisions"), asked.sort)
    page = Paginator(rows, asked.page_size).get_page(asked.page)
    return AlertListing(page=page, grouped=bool(asked.group), choices=filter_choices())


def sort_alerts(alerts: QuerySet[Alert], sort: str) -> QuerySet[Alert]:
    column = SORTS[sort.lstrip("-")]
    descending = sort.startswith("-")
    return alerts.order_by(f"-{column}" if descending else column, "-id")


def group_alerts(alerts: QuerySet[Alert], group: str) -> QuerySet[Any]:
    """One row per group: its key, how many episodes (and how many firing), the latest received; busiest first."""
    column = GROUPINGS[group]
    groups: QuerySet[Any] = (
        alerts.order_by()
        .values(column)
        .annotate(
            episodes=Count("id"),
            firing=Count("id", filter=Q(status=AlertStatus.FIRING)),
            latest=Max("last_received_at"),
        )
        .order_by("-firing", "-latest", column)
    )
    return groups


def filter_choices() -> dict[str, list[str]]:
    """The statuses, and the severities and alert names present, for the list's select boxes."""
    distinct = Alert.objects.order_by()
    return {
        "status": list(AlertStatus.values),
        "severity": sorted(distinct.exclude(severity="").values_list("severity", flat=True).distinct()[:CHOICES_LIMIT]),
        "alertname": sorted(
            distinct.exclude(alertname="").values_list("alertname", flat=True).distinct()[:CHOICES_LIMIT]
        ),
    }
