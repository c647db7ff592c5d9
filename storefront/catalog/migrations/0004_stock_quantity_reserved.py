# One word for units held for orders: "reserved", as in stock reservation.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_productimage_content_hash"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="stock", name="stock_allocated_within_quantity"
        ),
        migrations.RenameField(
            model_name="stock", old_name="quantity_allocated", new_name="quantity_reserved"
        ),
        migrations.AlterField(
            model_name="stock",
            name="quantity_reserved",
            field=models.PositiveIntegerField(default=0, verbose_name="已占用 reserved"),
        ),
        migrations.AddConstraint(
            model_name="stock",
            constraint=models.CheckConstraint(
                condition=models.Q(("quantity_reserved__lte", models.F("quantity"))),
                name="stock_reserved_within_quantity",
            ),
        ),
    ]
