"""TerminalGrant moves from the terminal app to the kernel (grants decide work on servers for every app).

State only: the table `terminal_terminalgrant` and its rows stay; the content type is re-labelled so the permissions
and the groups holding them follow. terminal 0003 removes the model from the terminal app's state.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from remediation.migrating import relabel_content_types


class Migration(migrations.Migration):
    dependencies = [
        ("remediation", "0013_credential_origins"),
        ("terminal", "0002_session_end_reasons_access_revoked_logged_out"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TerminalGrant",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("tag", models.CharField(blank=True, help_text="Grant every server carrying this tag.", max_length=100)),
                        ("expires_at", models.DateTimeField(blank=True, help_text="Empty: until revoked.", null=True)),
                        ("note", models.CharField(blank=True, max_length=200)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("server", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="terminal_grants", to="remediation.server")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="terminal_grants", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "terminal_terminalgrant",
                        "ordering": ["user_id", "id"],
                        "constraints": [
                            models.CheckConstraint(condition=models.Q(models.Q(("server__isnull", False), ("tag", "")), models.Q(("server__isnull", True), models.Q(("tag", ""), _negated=True)), _connector="OR"), name="terminal_grant_server_xor_tag"),
                            models.UniqueConstraint(condition=models.Q(("tag", "")), fields=("user", "server"), name="terminal_grant_user_server"),
                            models.UniqueConstraint(condition=models.Q(("server__isnull", True)), fields=("user", "tag"), name="terminal_grant_user_tag"),
                        ],
                    },
                ),
            ],
        ),
        relabel_content_types("terminal", "remediation", ["terminalgrant"]),
    ]
