import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from storefront.catalog.models import ProductVariant
from storefront.core.address import AddressFields

MAX_LINE_QUANTITY = 999
MAX_LINES = 50
NOTE_MAX_LENGTH = 200


class Checkout(AddressFields, models.Model):
    """A cart on its way to becoming an order (Saleor's Checkout).

    Guests hold it by token in their session; a signed-in customer owns it.
    Prices are never stored here: they are read from the variants every time.
    """

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checkouts",
    )
    email = models.EmailField("电子邮箱 email", blank=True)
    note = models.CharField("订单备注 note", max_length=NOTE_MAX_LENGTH, blank=True)
    # What Saleor's checkout API stores beside the cart: the client's own
    # key/value pairs (updateMetadata), a billing address (the shipping
    # address's fields), the chosen delivery method and the language.
    metadata = models.JSONField("元数据 metadata", default=dict, blank=True)
    billing_address = models.JSONField(
        "账单地址 billing address", null=True, blank=True
    )
    delivery_method = models.CharField("配送方式 delivery", max_length=40, blank=True)
    language_code = models.CharField("语言 language", max_length=10, default="ZH_HANS")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = "购物车 checkout"
        verbose_name_plural = "购物车 checkouts"

    def __str__(self) -> str:
        return str(self.token)


class CheckoutLine(models.Model):
    checkout = models.ForeignKey(
        Checkout, on_delete=models.CASCADE, related_name="lines"
    )
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.CASCADE, related_name="checkout_lines"
    )
    quantity = models.PositiveIntegerField("数量 quantity")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkout", "variant"], name="checkout_line_one_per_variant"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=MAX_LINE_QUANTITY),
                name="checkout_line_quantity_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} × {self.quantity}"
