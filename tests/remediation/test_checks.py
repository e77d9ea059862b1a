"""Each safety check fires on an unsafe setting and stays quiet on a safe one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from remediation import checks

SAFE = {
    "SECRET_KEY": "k" * 20 + "Zx9!Qw8@Er7#Ty6$Ui5%Op4^As3&Df2*",
    "CRYPTOGRAPHY_KEY": "c" * 10 + "Mn8bV7cX6zL5kJ4hG3fD2sA1pO0iU9yT",
    "DEBUG": False,
    "ALLOWED_HOSTS": ["remediation.example.com"],
    "CHANNEL_LAYERS": {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {}}},
    "Q_CLUSTER": {"timeout": 600, "retry": 720},
}


def ids(messages) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.id for m in messages]


def test_it_accepts_a_safe_production_setup() -> None:
    with override_settings(**SAFE):
        assert checks.safety_errors() == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"SECRET_KEY": "django-insecure-change-me"}, "remediation.E001"),
        ({"SECRET_KEY": "short-key"}, "remediation.E001"),
        ({"SECRET_KEY": "django-insecure-" + "a" * 60}, "remediation.E001"),
        ({"SECRET_KEY": "a" * 60}, "remediation.E001"),
        ({"DEBUG": True, "ALLOWED_HOSTS": ["remediation.example.com"]}, "remediation.E002"),
        ({"CRYPTOGRAPHY_KEY": None}, "remediation.E003"),
        ({"CRYPTOGRAPHY_KEY": "too-short"}, "remediation.E003"),
        ({"CRYPTOGRAPHY_KEY": SAFE["SECRET_KEY"]}, "remediation.E004"),
        ({"CHANNEL_LAYERS": {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}}, "remediation.E005"),
        ({"Q_CLUSTER": {"timeout": 600, "retry": 600}}, "remediation.E006"),
        ({"Q_CLUSTER": {"timeout": 600, "retry": 60}}, "remediation.E006"),
    ],
)
def test_it_refuses_each_unsafe_setting(overrides: dict[str, object], expected: str) -> None:
    with override_settings(**{**SAFE, **overrides}):
        assert ids(checks.safety_errors()) == [expected]


@pytest.mark.parametrize(
    "overrides",
    [
        {"DEBUG": True, "ALLOWED_HOSTS": ["localhost", "127.0.0.1", "[::1]"]},
        {
            "DEBUG": True,
            "CHANNEL_LAYERS": {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
            "ALLOWED_HOSTS": ["localhost"],
        },
        {"Q_CLUSTER": {"timeout": 60, "retry": 61}},
    ],
)
def test_it_allows_what_is_safe(overrides: dict[str, object]) -> None:
    with override_settings(**{**SAFE, **overrides}):
        assert checks.safety_errors() == []


def test_it_runs_the_checks_through_djangos_check_framework() -> None:
    from django.core.checks import run_checks

    with override_settings(**{**SAFE, "SECRET_KEY": "short"}):
        assert "remediation.E001" in ids(run_checks())


def test_it_refuses_to_start_the_server_with_an_unsafe_setup() -> None:
    with override_settings(**{**SAFE, "SECRET_KEY": "short", "STARTUP_CHECKS": True}):
        with pytest.raises(ImproperlyConfigured, match=r"remediation\.E001"):
            checks.refuse_unsafe_start()
    with override_settings(**{**SAFE, "STARTUP_CHECKS": True}):
        checks.refuse_unsafe_start()
