#!/usr/bin/env python3.11
"""Set up and run Remediation Engine with nothing but Python 3.11.

python3.11 dev.py up      create .venv, install the hash-locked requirements, write a local .env with fresh
                          keys (first time only), migrate, create an admin, run web + worker (Ctrl-C stops)
python3.11 dev.py test    install the test requirements too and run the whole test suite (extra args go to pytest)
"""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"


def ensure_venv(requirements: str) -> None:
    """Create .venv and install a lock file (with --require-hashes) unless it is already installed."""
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"Python 3.11 is required (this is {sys.version.split()[0]}).")
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    lock = ROOT / requirements
    stamp = VENV / f".installed-{requirements}"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"Installing {requirements} (hash-checked) ...", flush=True)
    result = subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q", "--require-hashes", "-r", str(lock)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit(f"Installing {requirements} failed.")
    stamp.write_text(digest)


def ensure_env_file() -> None:
    """A first run gets its own random keys in .env (never a shared default); later runs keep them."""
    env_file = ROOT / ".env"
    if env_file.exists():
        return
    env_file.write_text(
        "# Written by dev.py up: the embedded default (SQLite, in-memory channel layer, ORM broker).\n"
        "DEBUG=true\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"CRYPTOGRAPHY_KEY={secrets.token_urlsafe(48)}\n"
        "SESSION_COOKIE_SECURE=false\n"
        "CSRF_COOKIE_SECURE=false\n"
    )
    env_file.chmod(0o600)
    print("Wrote .env with fresh SECRET_KEY and CRYPTOGRAPHY_KEY.", flush=True)


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("", [])
    os.chdir(ROOT)
    if command == "up":
        ensure_venv("requirements.txt")
        ensure_env_file()
        return subprocess.call([str(PYTHON), "manage.py", "serve", *rest])
    if command == "test":
        ensure_venv("requirements-dev.txt")
        return subprocess.call([str(PYTHON), "-m", "pytest", *rest])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
