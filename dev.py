#!/usr/bin/env python3.11
"""Set up and run Remediation Engine with nothing but Python 3.11.

python3.11 dev.py up      create .venv, install the hash-locked requirements, write a local .env with fresh
                          keys (first time only), migrate, create an admin, run web + worker (Ctrl-C stops)
python3.11 dev.py test    install the test requirements too and run the whole test suite (extra args go to pytest)
python3.11 dev.py lock    recompile the three lock files from their .in files (maintainers, after editing an .in)
"""

from __future__ import annotations

import hashlib
import os
import secrets
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
# The installer is itself locked: whatever pip a venv brings (it depends on the Python patch release) first installs
# this pinned, hash-checked pip, which then installs the locks, so every machine installs the same way.
PIP_LOCK = "requirements-pip.txt"
PIP_TOOLS = "pip-tools==7.7.0"


def ensure_venv(requirements: str) -> None:
    """Create .venv and install a lock file (with --require-hashes) unless it is already installed."""
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"Python 3.11 is required (this is {sys.version.split()[0]}).")
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    install_lock(PIP_LOCK)
    install_lock(requirements)


def install_lock(requirements: str) -> None:
    """pip install --require-hashes one lock file, unless this exact file is already installed in .venv."""
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


def compile_locks() -> int:
    """Recompile the locks with pip-tools in a throwaway venv, from PyPI only (no local index or path in the output).

    Extras stay in the pins (`httpx[http2]==…`): a pip that sees `httpx[http2]` requested by a dependency and only
    `httpx==…` in the lock treats the extra as a new, unpinned requirement and refuses --require-hashes.
    """
    tools = ROOT / ".venv-lock"
    if not (tools / "bin" / "pip-compile").exists():
        venv.EnvBuilder(with_pip=True).create(tools)
        subprocess.run([str(tools / "bin" / "pip"), "install", "-q", PIP_TOOLS], check=True)
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": "https://pypi.org/simple"}
    env["CUSTOM_COMPILE_COMMAND"] = "python3.11 dev.py lock"
    env.pop("PIP_FIND_LINKS", None)
    flags = ["--quiet", "--allow-unsafe", "--generate-hashes", "--no-strip-extras", "--no-emit-index-url"]
    flags.append("--no-emit-find-links")
    for source, output in [
        ("requirements-pip.in", PIP_LOCK),
        ("requirements.in", "requirements.txt"),
        ("requirements-dev.in", "requirements-dev.txt"),
    ]:
        print(f"Compiling {output} ...", flush=True)
        command = [str(tools / "bin" / "pip-compile"), *flags, "-o", output, source]
        if subprocess.call(command, env=env) != 0:
            return 1
    return 0


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


def run_foreground(command: list[str]) -> int:
    """Run the server and wait for it: Ctrl-C reaches the whole foreground process group, and the server stops its
    own web and worker processes, so this process waits for that instead of killing it half-way (SIGTERM is passed on).
    """
    child = subprocess.Popen(command)
    signal.signal(signal.SIGINT, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    return child.wait()


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("", [])
    os.chdir(ROOT)
    if command == "up":
        ensure_venv("requirements.txt")
        ensure_env_file()
        return run_foreground([str(PYTHON), "manage.py", "serve", *rest])
    if command == "test":
        ensure_venv("requirements-dev.txt")
        return subprocess.call([str(PYTHON), "-m", "pytest", *rest])
    if command == "lock":
        return compile_locks()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
