"""Rules, decisions, action requests, suggestions and webhook tokens left for alerts (alerts 0004), maintenance
windows and the kill switch for runbooks (runbooks 0010): they leave the kernel's state. State only: no table is
dropped, the rows stay where they are under their new apps.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("remediation", "0014_terminal_grant_moved"),
        ("alerts", "0004_rules_moved"),
        ("runbooks", "0011_execution_rule_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Suggestion"),
                migrations.DeleteModel(name="ActionRequest"),
                migrations.DeleteModel(name="Decision"),
                migrations.DeleteModel(name="WebhookToken"),
                migrations.DeleteModel(name="RuleMatcher"),
                migrations.DeleteModel(name="Rule"),
                migrations.DeleteModel(name="MaintenanceWindow"),
                migrations.DeleteModel(name="KillSwitch"),
            ],
        ),
    ]
