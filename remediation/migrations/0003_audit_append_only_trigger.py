"""On PostgreSQL, the database itself refuses UPDATE and DELETE of audit events."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION remediation_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'remediation_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS remediation_auditevent_append_only ON remediation_auditevent;
CREATE TRIGGER remediation_auditevent_append_only
    BEFORE UPDATE OR DELETE ON remediation_auditevent
    FOR EACH ROW EXECUTE FUNCTION remediation_auditevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS remediation_auditevent_append_only ON remediation_auditevent;
DROP FUNCTION IF EXISTS remediation_auditevent_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("remediation", "0002_seed_roles")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
