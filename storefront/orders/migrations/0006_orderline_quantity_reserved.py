# One word for units held for orders: "reserved", as in stock reservation.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_order_confirmation_sent_at"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="orderline",
            name="order_line_allocated_and_fulfilled_within_quantity",
        ),
        migrations.RenameField(
            model_name="orderline",
            old_name="quantity_allocated",
            new_name="quantity_reserved",
        ),
        migrations.AddConstraint(
            model_name="orderline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "quantity__gte",
                        models.F("quantity_reserved") + models.F("quantity_fulfilled"),
                    )
                ),
                name="order_line_reserved_and_fulfilled_within_quantity",
            ),
        ),
    ]
