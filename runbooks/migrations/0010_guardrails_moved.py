"""Maintenance windows and the kill switch move from the kernel to the runbooks app (they are runbooks' guardrails).

State only: the tables `remediation_maintenancewindow` and `remediation_killswitch` and their rows stay; the content
types are re-labelled so the permissions and the groups holding them follow. remediation 0015 removes the models
from the kernel's state.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from remediation.migrating import relabel_content_types


class Migration(migrations.Migration):
    dependencies = [
        ("runbooks", "0009_step_template_help"),
        ("remediation", "0014_terminal_grant_moved"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='MaintenanceWindow',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200)),
                        ('reason', models.TextField(blank=True)),
                        ('enabled', models.BooleanField(default=True)),
                        ('kind', models.CharField(choices=[('one_off', 'One-off'), ('recurring', 'Recurring (cron)')], default='one_off', max_length=16)),
                        ('starts_at', models.DateTimeField(blank=True, help_text='One-off: start.', null=True)),
                        ('ends_at', models.DateTimeField(blank=True, help_text='One-off: end (exclusive).', null=True)),
                        ('cron', models.CharField(blank=True, help_text="Recurring: when it opens, e.g. '0 2 * * sun'.", max_length=100)),
                        ('duration_minutes', models.PositiveIntegerField(blank=True, help_text='Recurring: how long it stays open.', null=True)),
                        ('timezone', models.CharField(default='UTC', help_text='Recurring: time zone of the cron expression.', max_length=64)),
                        ('matchers', models.JSONField(blank=True, default=list, help_text='Scope: [{"name": "env", "op": "=", "value": "prod"}]; empty = every alert.')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'db_table': 'remediation_maintenancewindow',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='KillSwitch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('engaged', models.BooleanField(default=False)),
                        ('reason', models.TextField(blank=True)),
                        ('changed_at', models.DateTimeField(blank=True, null=True)),
                        ('changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name_plural': 'kill switch',
                        'db_table': 'remediation_killswitch',
                    },
                ),
            ],
        ),
        relabel_content_types("remediation", "runbooks", ["maintenancewindow", "killswitch"]),
    ]
