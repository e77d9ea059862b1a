"""`Execution.rule` follows Rule to the alerts app (alerts 0004); state only, the column and its key are unchanged."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("runbooks", "0010_guardrails_moved"),
        ("alerts", "0004_rules_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='execution',
                    name='rule',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='executions', to='alerts.rule'),
                ),
            ],
        ),
    ]
