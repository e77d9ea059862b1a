"""Core services: each workflow of the core app lives in exactly one function here."""
