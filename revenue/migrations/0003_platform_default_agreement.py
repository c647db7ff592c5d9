"""The platform-wide default split, in force from the start, so every paid
order can be split before a brand signs its own agreement. Operators add
brand agreements (and later versions of this one) in the admin."""

import datetime

from django.db import migrations

DEFAULT = {
    "workshop_bp": 7000,
    "village_bp": 1000,
    "brand_bp": 1000,
    "host_bp": 500,
    "platform_bp": 500,
}


def create_default(apps, schema_editor):
    ShareAgreement = apps.get_model("revenue", "ShareAgreement")
    ShareAgreement.objects.get_or_create(
        brand=None,
        workshop=None,
        category=None,
        effective_from=datetime.date(2026, 1, 1),
        defaults={
            **DEFAULT,
            "unattributed_host_share_to": "village",
            "fee_bearer": "platform",
            "note": "平台默认分账 platform default",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("revenue", "0002_ledger_triggers")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
