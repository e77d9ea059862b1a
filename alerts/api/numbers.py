"""GET /api/v1/incident-numbers/: the dashboard's charts and figures as JSON."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts.services.incident_numbers import MAX_DAYS, WindowError, incident_numbers, may_see
from remediation.actors import Actor


class IncidentNumbersView(APIView):
    """Alert volume, executions by outcome, MTTA, MTTR, approval wait, success rate and busiest instances, overall
    and per rule and runbook, over the last `days` days; needs the view permission on alerts and executions."""

    @extend_schema(
        parameters=[OpenApiParameter("days", OpenApiTypes.INT, description=f"1 to {MAX_DAYS}; default 7")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        if not may_see(Actor.of(request.user)):
            raise PermissionDenied("The incident numbers need the view permission on alerts and executions.")
        raw = request.query_params.get("days", "7")
        try:
            return Response(incident_numbers(days=int(raw)))
        except ValueError as exc:  # int() of a non-number, or WindowError
            message = str(exc) if isinstance(exc, WindowError) else f"days must be a whole number, not {raw[:40]!r}."
            raise ValidationError({"days": [message]}) from exc
