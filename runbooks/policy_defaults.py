"""The command-policy rules every installation starts with (seeded by a data migration, editable in admin)."""

from __future__ import annotations

# (name, pattern, description, overridable)
DEFAULT_RULES: list[tuple[str, str, str, bool]] = [
    (
        "rm_rf_root",
        r"\brm\s+(?:-\S+\s+)*-[a-zA-Z]*[rR][a-zA-Z]*\s+(?:-\S+\s+)*['\"]?/\*?['\"]?(?=\s|;|&|\||\)|$)",
        "Recursive delete of the root file system",
        False,
    ),
    ("mkfs", r"\bmkfs(?:\.\w+)?\b", "Creating a file system (destroys a device)", False),
    ("dd_to_device", r"\bdd\b[^\n;|&]*\bof=/dev/", "dd writing to a raw device", False),
    ("fork_bomb", r":\s*\(\s*\)\s*\{[^}]*:\s*\|\s*:", "Shell fork bomb", False),
    (
        "pipe_to_shell",
        r"\b(?:curl|wget)\b[^\n;]*\|\s*(?:sudo\s+)?(?:ba|z|da|k)?sh\b",
        "Downloading and piping into a shell",
        False,
    ),
    (
        "shutdown_reboot",
        r"\b(?:shutdown|reboot|halt|poweroff)\b|\binit\s+[06]\b|\bsystemctl\s+(?:reboot|poweroff|halt|kexec)\b",
        "Shutting down or rebooting a host (a runbook may allow it)",
        True,
    ),
]
