"""Paid orders, refunds and payouts for ledger tests, without Stripe.

Orders are written as the checkout would leave them once paid (order, lines,
one parcel per workshop, a succeeded payment): test data, not mocks. Refunds
and payouts then go through the shop's own services — `order_record_refund`
and `refund_reverse` exactly as `order_refund` calls them after Stripe has
accepted a refund, and revenue.payouts for bank payouts."""

import itertools
import uuid
from datetime import date

from django.db import transaction
from django.utils import timezone

from revenue.agreements import agreement_create
from revenue.models import PayoutMethod, PayoutStatus
from revenue.order_split import refund_reverse
from revenue.payouts import payout_batch_approve, payout_batch_propose, payout_mark_paid
from storefront.orders.models import Fulfillment, Order, OrderLine, OrderStatus
from storefront.orders.services import lock_order, order_record_refund
from storefront.payments.models import Payment, PaymentStatus, Refund, RefundStatus

_seq = itertools.count(1)
RATE_NAMES = ("workshop_bp", "village_bp", "brand_bp", "host_bp", "platform_bp")


def make_agreement(operator, *, brand=None, rates=None, **fields):
    """A version in force since 2020 for `brand` (platform-wide if None)."""
    rates = rates or (7000, 1000, 1000, 500, 500)
    return agreement_create(
        user=operator,
        brand=brand,
        effective_from=date(2020, 1, 1),
        allow_past=True,
        **dict(zip(RATE_NAMES, rates, strict=True)),
        **fields,
    )


def build_paid_order(lines, *, shipping=None, host=None, user=None, paid_at=None):
    """A paid order. `lines` are (workshop, brand, unit price fen, quantity);
    `shipping` is {workshop: fen} for the parcels (0 when absent)."""
    shipping = shipping or {}
    n = next(_seq)
    subtotal = sum(price * qty for _, _, price, qty in lines)
    parcels = {}
    for workshop, _, price, qty in lines:
        parcels[workshop] = parcels.get(workshop, 0) + price * qty
    shipping_fen = sum(shipping.get(w, 0) for w in parcels)
    total = subtotal + shipping_fen
    order = Order.objects.create(
        number=f"GF-T-{n:06d}-{uuid.uuid4().hex[:4]}",
        checkout_token=uuid.uuid4(),
        user=user,
        host=host,
        status=OrderStatus.PAID,
        email=f"buyer{n}@example.com",
        subtotal_fen=subtotal,
        shipping_fen=shipping_fen,
        total_fen=total,
        paid_fen=total,
        paid_at=paid_at or timezone.now(),
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            workshop=workshop,
            brand=brand,
            product_name=f"测试商品{i}",
            sku=f"T-{n}-{i}",
            brand_name=brand.name,
            workshop_name=workshop.name,
            village_name=workshop.village.name,
            unit_price_fen=price,
            quantity=qty,
            total_fen=price * qty,
            quantity_reserved=qty,
        )
        for i, (workshop, brand, price, qty) in enumerate(lines)
    )
    Fulfillment.objects.bulk_create(
        Fulfillment(
            order=order,
            workshop=workshop,
            subtotal_fen=sub,
            shipping_fen=shipping.get(workshop, 0),
        )
        for workshop, sub in parcels.items()
    )
    Payment.objects.create(
        order=order,
        payment_intent_id=f"pi_test_{uuid.uuid4().hex}",
        client_secret="secret",
        amount_fen=total,
        currency="CNY",
        status=PaymentStatus.SUCCEEDED,
    )
    return order


def book_refund(order, amount_fen, *, operator=None, status=RefundStatus.SUCCEEDED):
    """What `order_refund` does once Stripe has accepted the refund."""
    with transaction.atomic():
        order = lock_order(order)
        refund = Refund.objects.create(
            order=order,
            payment=order.payments.get(status=PaymentStatus.SUCCEEDED),
            amount_fen=amount_fen,
            status=status,
            stripe_refund_id=f"re_test_{uuid.uuid4().hex}",
        )
        order_record_refund(order=order, amount_fen=amount_fen, restock={}, user=None)
        refund_reverse(refund=refund)
    return refund


def give_bank_accounts(parties) -> None:
    for party in parties:
        party.bank_account_name = party.name[:100]
        party.bank_name = "浙江农商银行"
        party.bank_account_number = f"62{party.pk:014d}"
        party.save()


def pay_out(operator, *, threshold_fen=1, pay=lambda payout: True):
    """Propose, approve and mark paid (for the payouts `pay` picks) a batch
    of bank payouts. Returns the batch, or None if nobody was due."""
    batch = payout_batch_propose(user=operator, threshold_fen=threshold_fen)
    if batch is None:
        return None
    payout_batch_approve(batch=batch, user=operator)
    for payout in batch.payouts.filter(
        method=PayoutMethod.BANK, status=PayoutStatus.PENDING
    ):
        if pay(payout):
            payout_mark_paid(payout=payout, user=operator, bank_reference="B1")
    return batch
