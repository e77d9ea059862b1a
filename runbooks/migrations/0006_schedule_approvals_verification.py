"""Schedule approval expiry and verification closing (every minute), upserted by name."""

from django.db import migrations

SCHEDULES = {
    "runbooks.expire_approvals": "runbooks.tasks.expire_approvals",
    "runbooks.close_verifications": "runbooks.tasks.close_verifications",
}


def schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func in SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": "I", "minutes": 1, "repeats": -1}
        )


def unschedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [("runbooks", "0005_approvals_guardrails"), ("django_q", "0018_task_success_index")]

    operations = [migrations.RunPython(schedule, unschedule)]
