"""TerminalGrant now belongs to the kernel (remediation 0014): removed from this app's state, its table kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("terminal", "0002_session_end_reasons_access_revoked_logged_out"),
        ("remediation", "0014_terminal_grant_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="TerminalGrant")]),
    ]
