"""The cast and role sets of the permission matrix (tests/remediation/test_permission_matrix_*.py).

The cast: anonymous, Viewer, Operator, Approver, Admin (the role, not a superuser), a deactivated user and a user whose
role was removed mid-session (both signed in before they lost access). Every member has staff status, so the admin is
checked for each of them too.
"""

from __future__ import annotations

from typing import Any

ANON, VIEWER, OPERATOR, APPROVER, ADMIN = "anonymous", "viewer", "operator", "approver", "admin"
DEACTIVATED, DEMOTED = "deactivated", "demoted"
CAST = [ANON, VIEWER, OPERATOR, APPROVER, ADMIN, DEACTIVATED, DEMOTED]

NOBODY: frozenset[str] = frozenset()
EVERYONE = frozenset(CAST)
SIGNED_IN = frozenset({VIEWER, OPERATOR, APPROVER, ADMIN, DEMOTED})  # any account with a live login session
READ = frozenset({VIEWER, OPERATOR, APPROVER, ADMIN})  # every role: view_* of the product
OPS = frozenset({OPERATOR, ADMIN})  # execute, chat, analyze, acknowledge, terminal
APPROVE = frozenset({APPROVER, ADMIN})
ONLY_ADMIN = frozenset({ADMIN})

GET, POST, PUT, PATCH, DELETE = "GET", "POST", "PUT", "PATCH", "DELETE"
METHODS = (GET, POST, PUT, PATCH, DELETE)


def http_outcome(response: Any) -> str:
    """'absent' (405), 'refused' (401, 403, 404, or sent to sign in first) or 'let in' (anything else)."""
    if response.status_code == 405:
        return "absent"
    login_redirect = response.status_code == 302 and "/login/?next=" in response["Location"]
    return "refused" if response.status_code in (401, 403, 404) or login_redirect else "let in"
