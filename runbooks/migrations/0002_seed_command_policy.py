"""Seed the default command-policy blocklist."""

from django.db import migrations


def seed(apps, schema_editor):
    from runbooks.policy_defaults import DEFAULT_RULES

    Rule = apps.get_model("runbooks", "CommandPolicyRule")
    for name, pattern, description, overridable in DEFAULT_RULES:
        Rule.objects.get_or_create(
            name=name, defaults={"pattern": pattern, "description": description, "overridable": overridable}
        )


class Migration(migrations.Migration):
    dependencies = [("runbooks", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
