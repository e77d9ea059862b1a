"""Seed disabled example providers, so an admin only adds a key and enables one."""

from django.db import migrations

EXAMPLES = [
    {"name": "OpenAI", "model": "openai/gpt-4o-mini", "api_base": "", "is_default": True},
    {"name": "Anthropic", "model": "anthropic/claude-3-5-haiku-20241022", "api_base": "", "is_default": False},
    {"name": "Ollama (local)", "model": "ollama/llama3.1", "api_base": "http://127.0.0.1:11434", "is_default": False},
]


def seed(apps, schema_editor):
    Provider = apps.get_model("ai", "Provider")
    for example in EXAMPLES:
        Provider.objects.get_or_create(name=example["name"], defaults={**example, "enabled": False})


class Migration(migrations.Migration):
    dependencies = [("ai", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
