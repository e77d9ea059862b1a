"""Pagination used by every list endpoint."""

from __future__ import annotations

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class NewestFirstCursorPagination(pagination.CursorPagination):
    """Stable under constant appends (audit log, alerts): the cursor is the row id."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 500
