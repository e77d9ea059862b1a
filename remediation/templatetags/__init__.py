"""Template filters every portal page uses (registered as builtins in settings)."""
