"""Schedule the lease reaper (every minute), upserted by name."""

from django.db import migrations

NAME = "runbooks.reap_expired_leases"


def schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={"func": "runbooks.tasks.reap_expired_leases", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("runbooks", "0002_seed_command_policy"), ("django_q", "0018_task_success_index")]

    operations = [migrations.RunPython(schedule, unschedule)]
