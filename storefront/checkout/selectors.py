"""Reads of a checkout, and its price: always computed here, on the server, from
the variants as they are now."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Prefetch

from brands.models import Workshop
from storefront.catalog.models import ProductVariant

from .models import Checkout, CheckoutLine


@dataclass(frozen=True)
class PricedLine:
    line: CheckoutLine
    unit_price_fen: int

    @property
    def variant(self) -> ProductVariant:
        return self.line.variant

    @property
    def quantity(self) -> int:
        return self.line.quantity

    @property
    def total_fen(self) -> int:
        return self.unit_price_fen * self.line.quantity


@dataclass
class Shipment:
    """One workshop's parcel in the summary."""

    workshop: Workshop
    lines: list[PricedLine] = field(default_factory=list)

    @property
    def subtotal_fen(self) -> int:
        return sum(line.total_fen for line in self.lines)

    @property
    def shipping_fen(self) -> int:
        return self.workshop.shipping_fen_for(self.subtotal_fen)


@dataclass
class CheckoutSummary:
    shipments: list[Shipment]

    @property
    def lines(self) -> list[PricedLine]:
        return [line for shipment in self.shipments for line in shipment.lines]

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal_fen(self) -> int:
        return sum(s.subtotal_fen for s in self.shipments)

    @property
    def shipping_fen(self) -> int:
        return sum(s.shipping_fen for s in self.shipments)

    @property
    def total_fen(self) -> int:
        return self.subtotal_fen + self.shipping_fen


def checkout_lines(checkout: Checkout):
    return checkout.lines.select_related(
        "variant__stock",
        "variant__product__brand",
        "variant__product__workshop",
        "variant__workshop__village",
    ).prefetch_related(
        Prefetch("variant__product__images"),
    )


def checkout_price_lines(checkout: Checkout):
    """Just what prices and shipping need: one query."""
    return checkout.lines.select_related("variant__workshop")


def checkout_order_lines(checkout: Checkout):
    """What placing the order reads: sale status, stock and the snapshot
    (product, brand, workshop, village), in one query."""
    return checkout.lines.select_related(
        "variant__stock",
        "variant__product__brand",
        "variant__product__workshop",
        "variant__workshop__village",
    )


def checkout_summary(checkout: Checkout, lines=None) -> CheckoutSummary:
    """Lines grouped into one shipment per workshop, in the order first added."""
    shipments: dict[int, Shipment] = {}
    for line in lines if lines is not None else checkout_lines(checkout):
        workshop = line.variant.workshop
        shipment = shipments.setdefault(workshop.pk, Shipment(workshop=workshop))
        shipment.lines.append(
            PricedLine(line=line, unit_price_fen=line.variant.price_fen)
        )
    return CheckoutSummary(shipments=list(shipments.values()))


def checkout_by_token(token) -> Checkout | None:
    try:
        return Checkout.objects.get(token=token)
    except (Checkout.DoesNotExist, ValidationError, ValueError, TypeError):
        return None
