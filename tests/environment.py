"""Loaded as a pytest plugin before pytest-django configures Django: the test environment's settings."""

from __future__ import annotations

import os

# Test-only keys (not secrets); the suite must never depend on a developer's .env.
os.environ["ENV_FILE"] = os.devnull
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x7Kq2mVb9Lr4Tz8Wp1Nd6Hs3Jc5Gf0Ya" * 2)
os.environ.setdefault("CRYPTOGRAPHY_KEY", "test-cryptography-key-Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
os.environ["STARTUP_CHECKS"] = "false"
# DJANGO_ALLOW_ASYNC_UNSAFE is set only around the browser tests (tests/browser/conftest.py), so everywhere else
# the suite sees a product consumer that calls the ORM from the event loop.
os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
