"""Take django-q2's permissions away from every group and user: a django-q2 schedule or task runs any callable."""

from django.db import migrations


def revoke_task_queue_permissions(apps, schema_editor):
    from remediation.roles import NEVER_GRANTED_APPS

    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("auth", "User")
    doomed = Permission.objects.filter(content_type__app_label__in=NEVER_GRANTED_APPS)
    Group.permissions.through.objects.filter(permission__in=doomed).delete()
    User.user_permissions.through.objects.filter(permission__in=doomed).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("remediation", "0008_suggestions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(revoke_task_queue_permissions, migrations.RunPython.noop)]
