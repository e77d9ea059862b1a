"""Vocabularies of the terminal app."""

from __future__ import annotations

from django.db import models


class SessionStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class EndReason(models.TextChoices):
    """Why a session ended; shown to the user when it happens and stored on the session."""

    USER_CLOSED = "user_closed", "Closed by the user"
    SHELL_EXITED = "shell_exited", "The remote shell exited"
    IDLE_TIMEOUT = "idle_timeout", "Idle timeout"
    MAX_DURATION = "max_duration", "Maximum session length reached"
    CONNECTION_LOST = "connection_lost", "Connection to the server lost"
    SERVER_SHUTDOWN = "server_shutdown", "The web server stopped"
    ACCESS_REVOKED = "access_revoked", "Access revoked"
    LOGGED_OUT = "logged_out", "Signed out"
    ERROR = "error", "Internal error"
    STALE = "stale", "Found open after its maximum length (the web process ended)"


class DenyReason(models.TextChoices):
    """Why a terminal could not be opened (sent to the browser, audited as terminal.refused when SSH refuses)."""

    NOT_FOUND = "not_found", "No such server"
    FORBIDDEN = "forbidden", "No permission to open a terminal on this server"
    DISABLED = "disabled", "The server is disabled"
    TOO_MANY = "too_many_sessions", "Too many open terminal sessions"
    HOST_KEY = "host_key", "Host key not pinned or changed"
    AUTH = "auth", "Authentication failed"
    UNREACHABLE = "unreachable", "The server could not be reached"
    NO_CREDENTIAL = "no_credential", "The server has no SSH credential"
