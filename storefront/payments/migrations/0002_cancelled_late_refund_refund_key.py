"""PaymentStatus "canceled" is spelled "cancelled" like the order's status
(Stripe's own status words, in provider_status, stay as Stripe spells
them); Payment.late_refund_id records the refund of money that arrived after
its order was cancelled; Refund.idempotency_key becomes the key actually sent
to Stripe."""

from django.db import migrations, models


def respell(apps, old, new):
    Payment = apps.get_model("payments", "Payment")
    Payment.objects.filter(status=old).update(status=new)


def forwards(apps, schema_editor):
    respell(apps, "canceled", "cancelled")
    # Until now a late payment was refunded in the transaction that settled
    # it, so every one already recorded has been refunded.
    Payment = apps.get_model("payments", "Payment")
    Payment.objects.filter(status="succeeded", order__status="cancelled").update(
        late_refund_id="refunded before payments 0002"
    )


def backwards(apps, schema_editor):
    respell(apps, "cancelled", "canceled")


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_order_confirmation_sent_at"),
        ("payments", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="payment",
            name="payment_one_live_per_order",
        ),
        migrations.AddField(
            model_name="payment",
            name="late_refund_id",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AlterField(
            model_name="payment",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "待支付 pending"),
                    ("succeeded", "已支付 succeeded"),
                    ("cancelled", "已取消 cancelled"),
                ],
                default="pending",
                max_length=12,
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "cancelled"), _negated=True),
                fields=("order",),
                name="payment_one_live_per_order",
            ),
        ),
        migrations.AlterField(
            model_name="refund",
            name="idempotency_key",
            field=models.CharField(
                blank=True, editable=False, max_length=255, null=True, unique=True
            ),
        ),
    ]
