"""One JSON error shape for the whole API: {"detail": "...", "errors": {field: [messages]}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, InterfaceError, OperationalError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def invalid_input(exc: DjangoValidationError) -> ValidationError:
    """A model or service ValidationError as the API's 400: field errors by field, any others as non_field_errors."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    return ValidationError(errors)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # Connection-level failures only: integrity errors are the caller's problem, not an outage.
    if isinstance(exc, (OperationalError, InterfaceError)):
        unavailable = Response(
            {"detail": "The database is unavailable; try again shortly."}, status=status.HTTP_503_SERVICE_UNAVAILABLE
        )
        unavailable["Retry-After"] = "5"
        return unavailable
    if isinstance(exc, (OverflowError, DataError)):
        # A number or text the database cannot hold (an id past 64 bits, say): the request's fault, not a crash.
        return Response(
            {"detail": "A value in the request is out of range for the database; nothing was changed."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"detail": "Invalid input.", "errors": errors}
    elif isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": "Request failed.", "errors": response.data}
    return response
