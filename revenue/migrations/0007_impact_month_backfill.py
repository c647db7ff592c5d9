from django.db import migrations


def backfill(apps, schema_editor):
    # The sums come from the one function that defines them (it reads named
    # columns of shares, entries and order lines only), so the backfill and
    # the rows the postings keep cannot differ; they are written through the
    # historical model. On an empty ledger nothing is written.
    from revenue.impact import impact_expected

    ImpactMonth = apps.get_model("revenue", "ImpactMonth")
    ImpactMonth.objects.bulk_create(
        (
            ImpactMonth(
                month=month,
                brand_id=brand,
                village_id=village,
                workshop_id=workshop,
                **figures,
            )
            for (month, brand, village, workshop), figures in impact_expected().items()
        ),
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("revenue", "0006_impact_month"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
