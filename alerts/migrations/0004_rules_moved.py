"""Rules, decisions, action requests, suggestions and webhook tokens move from the kernel to the alerts app.

State only: their tables (`remediation_rule`, `remediation_rulematcher`, `remediation_decision`,
`remediation_actionrequest`, `remediation_suggestion`, `remediation_webhooktoken` and the many-to-many tables named
after them) and their rows stay; the content types are re-labelled so the permissions and the groups holding them
follow. runbooks 0011 points `Execution.rule` here and remediation 0015 removes the models from the kernel's state.
"""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from remediation.migrating import relabel_content_types


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0003_episode_per_source"),
        ("remediation", "0014_terminal_grant_moved"),
        ("runbooks", "0010_guardrails_moved"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Rule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, unique=True)),
                        ('description', models.TextField(blank=True)),
                        ('enabled', models.BooleanField(default=True)),
                        ('priority', models.IntegerField(default=100, help_text='Lower runs first; ties are broken by id.')),
                        ('status_filter', models.CharField(choices=[('firing', 'Firing only'), ('resolved', 'Resolved only'), ('any', 'Firing and resolved')], default='firing', max_length=16)),
                        ('action', models.CharField(choices=[('ignore', 'Ignore (stored, marked ignored)'), ('record', 'Record'), ('analyze', 'Analyze (AI)'), ('remediate', 'Remediate (runbook)')], default='record', max_length=16)),
                        ('continue_matching', models.BooleanField(default=False, help_text="Keep evaluating later rules after this one matches (as Alertmanager's continue).")),
                        ('mode', models.CharField(choices=[('auto', 'Automatic'), ('approval', 'Needs approval'), ('suggest', 'Suggest only (offered, not run)'), ('shadow', 'Shadow (dry-run, records what it would do)')], default='auto', max_length=10)),
                        ('target_source', models.CharField(choices=[('instance', "Server named by the alert's instance label"), ('servers', 'Fixed servers'), ('tag', 'Servers with a tag')], default='instance', max_length=10)),
                        ('target_tag', models.CharField(blank=True, max_length=100)),
                        ('parameters', models.JSONField(blank=True, default=dict, help_text='Runbook parameter name → template over alert labels/annotations.')),
                        ('sources', models.JSONField(blank=True, default=list, help_text='Only alerts from these sources (webhook token names); empty: any source.')),
                        ('scope_all_servers', models.BooleanField(default=False, help_text='An alert may name any server.')),
                        ('scope_tags', models.JSONField(blank=True, default=list, help_text='Otherwise servers carrying one of these tags…')),
                        ('cooldown_seconds', models.PositiveIntegerField(default=300, help_text='Per (rule, target); 0 = none.')),
                        ('max_per_hour', models.PositiveIntegerField(default=20, help_text='Executions started per hour; 0 = no limit.')),
                        ('breaker_threshold', models.PositiveIntegerField(default=3, help_text='Failures that open the breaker; 0 = off.')),
                        ('breaker_window_seconds', models.PositiveIntegerField(default=3600)),
                        ('breaker_cooloff_seconds', models.PositiveIntegerField(default=900)),
                        ('breaker_reset_at', models.DateTimeField(blank=True, help_text='Failures before this are forgotten.', null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('runbook', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='rules', to='runbooks.runbook')),
                        ('scope_servers', models.ManyToManyField(blank=True, help_text='…or these servers.', related_name='+', to='remediation.server')),
                        ('target_servers', models.ManyToManyField(blank=True, related_name='+', to='remediation.server')),
                    ],
                    options={
                        'db_table': 'remediation_rule',
                        'ordering': ['priority', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='Decision',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(help_text='The alert status this decision was made for.', max_length=16)),
                        ('rule_name', models.CharField(blank=True, help_text='Name of the first matched rule, kept.', max_length=200)),
                        ('action', models.CharField(blank=True, choices=[('ignore', 'Ignore (stored, marked ignored)'), ('record', 'Record'), ('analyze', 'Analyze (AI)'), ('remediate', 'Remediate (runbook)')], max_length=16)),
                        ('outcome', models.CharField(choices=[('no_match', 'No rule matched'), ('ignored', 'Ignored'), ('recorded', 'Recorded'), ('queued', 'Queued'), ('suppressed', 'Suppressed')], max_length=16)),
                        ('matched', models.JSONField(default=list, help_text='Every matched rule, in order: id, name, action.')),
                        ('suppressions', models.JSONField(default=list, help_text='Every suppressed effect with its reason.')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('alert', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='decisions', to='alerts.alert')),
                        ('rule', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='decisions', to='alerts.rule')),
                    ],
                    options={
                        'db_table': 'remediation_decision',
                        'ordering': ['created_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='ActionRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('analyze', 'Analyze'), ('remediate', 'Remediate')], max_length=16)),
                        ('status', models.CharField(choices=[('pending', 'Pending (waiting for a handler)'), ('dispatched', 'Dispatched to its handler'), ('done', 'Done'), ('failed', 'Failed')], default='pending', max_length=16)),
                        ('note', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('dispatched_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('alert', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='action_requests', to='alerts.alert')),
                        ('decision', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='action_requests', to='alerts.decision')),
                        ('rule', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='alerts.rule')),
                    ],
                    options={
                        'db_table': 'remediation_actionrequest',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='RuleMatcher',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('target', models.CharField(choices=[('label', 'Label'), ('annotation', 'Annotation')], default='label', max_length=16)),
                        ('name', models.CharField(max_length=200)),
                        ('op', models.CharField(choices=[('=', '= (equals)'), ('!=', '!= (differs)'), ('=~', '=~ (matches regex)'), ('!~', '!~ (does not match regex)')], default='=', max_length=2)),
                        ('value', models.TextField(blank=True)),
                        ('rule', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='matchers', to='alerts.rule')),
                    ],
                    options={
                        'db_table': 'remediation_rulematcher',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='Suggestion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('target_ids', models.JSONField(default=list, help_text='The servers resolved from the alert.')),
                        ('params', models.JSONField(blank=True, default=dict, help_text='Runbook parameters filled from the alert.')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('used_at', models.DateTimeField(blank=True, help_text='When an operator started it (once only).', null=True)),
                        ('action_request', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='suggestion', to='alerts.actionrequest')),
                        ('alert', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='suggestions', to='alerts.alert')),
                        ('execution', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='runbooks.execution')),
                        ('rule', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='alerts.rule')),
                        ('runbook', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='runbooks.runbook')),
                        ('used_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'remediation_suggestion',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookToken',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(help_text='The source, e.g. alertmanager-prod.', max_length=100, unique=True)),
                        ('token_hash', models.CharField(editable=False, max_length=64, unique=True)),
                        ('prefix', models.CharField(editable=False, help_text='First characters, to tell tokens apart.', max_length=12)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('last_used_at', models.DateTimeField(blank=True, null=True)),
                        ('rate_limit', models.CharField(blank=True, help_text='Deliveries allowed for this token, e.g. 30000/m; empty uses WEBHOOK_RATE_LIMIT.', max_length=16, validators=[django.core.validators.RegexValidator('^[1-9][0-9]{0,8}/[smh]$', 'Use deliveries per window, e.g. 30000/m (s, m or h).')])),
                        ('all_rules', models.BooleanField(default=False, help_text='Its alerts may reach every rule.')),
                        ('all_servers', models.BooleanField(default=False, help_text='Its alerts may target every server.')),
                        ('server_tags', models.JSONField(blank=True, default=list, help_text='Otherwise servers carrying one of these tags…')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('rules', models.ManyToManyField(blank=True, help_text='Otherwise only these rules (rules may also name sources).', related_name='+', to='alerts.rule')),
                        ('servers', models.ManyToManyField(blank=True, help_text='…or these servers.', related_name='+', to='remediation.server')),
                    ],
                    options={
                        'db_table': 'remediation_webhooktoken',
                        'ordering': ['name'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='decision',
                    constraint=models.UniqueConstraint(fields=('alert', 'status'), name='decision_one_per_alert_status'),
                ),
                migrations.AddIndex(
                    model_name='actionrequest',
                    index=models.Index(fields=['status', 'kind'], name='remediation_status_2d6854_idx'),
                ),
                migrations.AddConstraint(
                    model_name='actionrequest',
                    constraint=models.UniqueConstraint(fields=('decision', 'rule', 'kind'), name='action_request_once_per_decision'),
                ),
            ],
        ),
        relabel_content_types(
            "remediation",
            "alerts",
            ["rule", "rulematcher", "decision", "actionrequest", "suggestion", "webhooktoken"],
        ),
    ]
