from django.db import models

from brands.models import Brand, Village, Workshop


class ImpactMonth(models.Model):
    """What one workshop's sales under one brand returned in one calendar
    month (Asia/Shanghai): the public impact pages and open data read these
    instead of summing the ledger's shares. Derived data, rebuilt from the
    shares by revenue.impact (and checked against them by ledger_check).

    Amounts are the sums of the month's share rows — sales positive, refunds
    negative — so a month may be negative. An order counts once in a row's
    `orders`; `brand_orders`, `village_orders` and `all_orders` count it
    only in the first of its rows (by brand, village, workshop) within the
    brand, the village, and the whole shop, so that summing them over any of
    those counts each order once."""

    month = models.DateField("月份 month")  # its first day
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="+")
    village_fen = models.BigIntegerField("回流村集体（分）to villages, fen", default=0)
    workshop_fen = models.BigIntegerField("回流工坊（分）to workshops, fen", default=0)
    host_fen = models.BigIntegerField("主播佣金（分）to hosts, fen", default=0)
    orders = models.PositiveIntegerField(default=0)
    brand_orders = models.PositiveIntegerField(default=0)
    village_orders = models.PositiveIntegerField(default=0)
    all_orders = models.PositiveIntegerField(default=0)
    units = models.PositiveIntegerField("件数 units", default=0)

    class Meta:
        verbose_name = "月度回流 monthly impact"
        verbose_name_plural = "月度回流 monthly impact"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "brand", "village", "workshop"],
                name="impact_month_one_per_cell",
            ),
        ]
        indexes = [
            models.Index(fields=["brand", "month"], name="impact_brand_month"),
            models.Index(fields=["village", "month"], name="impact_village_month"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.month:%Y-%m} {self.brand_id}/{self.village_id}/{self.workshop_id}"
        )
