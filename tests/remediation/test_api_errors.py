"""remediation.api.errors.invalid_input: a Django ValidationError as the API's 400 body, for every app's API."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError

from remediation.api.errors import invalid_input


def test_it_keeps_field_errors_by_field() -> None:
    error = invalid_input(
        DjangoValidationError({"cron": "A cron schedule needs a cron expression.", "name": ["x", "y"]})
    )
    assert error.detail == {"cron": ["A cron schedule needs a cron expression."], "name": ["x", "y"]}


def test_it_files_errors_without_a_field_under_non_field_errors() -> None:
    error = invalid_input(DjangoValidationError(["Unknown time zone 'Mars/Base'.", "second"]))
    assert error.detail == {"non_field_errors": ["Unknown time zone 'Mars/Base'.", "second"]}
