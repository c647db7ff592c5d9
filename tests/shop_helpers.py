"""Builders for checkout, order and payment tests, shared by every suite.

They go through the shop's own services and the real `stripe` library talking
to the session's localstripe (tests/payments_stand_in.py); nothing is mocked.
Functions that reach Stripe need the `stripe_settings` fixture active, and
`deliver_event` also needs it for the webhook secret.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import stripe
from django.urls import reverse
from django.utils import timezone

from storefront.catalog.models import Stock
from storefront.checkout import services as checkout_services
from storefront.orders.models import Order, OrderStatus
from storefront.payments import gateway
from storefront.payments.checkout_complete import checkout_complete
from tests.factories import make_brand, make_product, make_workshop
from tests.payments_stand_in import TEST_WEBHOOK_SECRET, sign_stripe_payload

WEBHOOK_URL = "/payments/stripe/webhook/"
CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000002"

VALID_ADDRESS = {
    "recipient_name": "王小明",
    "phone": "13800138000",
    "province": "浙江省",
    "city": "舟山市",
    "district": "嵊泗县",
    "street_address": "菜园镇 1 号",
}


def make_variant(
    price_fen=1280,
    quantity=10,
    *,
    workshop=None,
    brand=None,
    track_inventory=True,
    **product_fields,
):
    """One variant with its stock, of a new published product (fields for the
    product in product_fields); a new brand and workshop unless given."""
    brand = brand or (workshop.brands.first() if workshop else None) or make_brand()
    if workshop is None:
        workshop = make_workshop(brands=[brand])
    elif not workshop.brands.filter(pk=brand.pk).exists():
        workshop.brands.add(brand)
    product = make_product(
        brand=brand,
        workshop=workshop,
        variants=((price_fen, quantity),),
        **product_fields,
    )
    variant = product.variants.get()
    if not track_inventory:
        variant.track_inventory = False
        variant.save(update_fields=["track_inventory"])
    return variant


def ready_checkout(
    variants=None, *, user=None, email="buyer@example.com", address=None, note=""
):
    """A checkout that can be completed: lines, email and a valid address.

    `variants` is a list of (variant, quantity) pairs or bare variants
    (quantity 1); by default one new variant priced ¥12.80 with 10 in stock.
    """
    if variants is None:
        variants = [make_variant()]
    pairs = [item if isinstance(item, tuple) else (item, 1) for item in variants]
    checkout = checkout_services.checkout_create(user=user, email=email)
    checkout_services.checkout_lines_add(
        checkout=checkout, lines=[(variant.pk, qty) for variant, qty in pairs]
    )
    checkout_services.checkout_shipping_address_update(
        checkout=checkout, address=address or VALID_ADDRESS
    )
    if note:
        checkout_services.checkout_note_update(checkout=checkout, note=note)
    checkout.refresh_from_db()
    return checkout


def place_order(variants=None, **kwargs):
    """checkout_complete on a fresh ready checkout: (order, payment), or the
    PaymentError that kept its payment from starting."""
    checkout = ready_checkout(variants, **kwargs)
    completed = checkout_complete(
        checkout_token=checkout.token, user=kwargs.get("user")
    )
    if completed.payment_error is not None:
        # Placed, but its PaymentIntent could not be opened.
        raise completed.payment_error
    return completed.order, completed.payment


def pay_intent(payment, card=CARD_OK):
    """Pay the payment's PaymentIntent at localstripe as the browser would;
    returns the PaymentIntent as it is afterwards (a StripeObject), also when
    the card was declined."""
    client = gateway.client()
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": card, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    try:
        return client.v1.payment_intents.confirm(
            payment.payment_intent_id, params={"payment_method": method.id}
        )
    except stripe.CardError:
        return client.v1.payment_intents.retrieve(payment.payment_intent_id)


def event_payload(type, intent_dict, event_id=None) -> bytes:
    """A Stripe event envelope around a PaymentIntent, as JSON bytes."""
    event = {
        "id": event_id or f"evt_test_{uuid.uuid4().hex}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "type": type,
        "data": {"object": intent_dict},
    }
    return json.dumps(event).encode()


def post_webhook(client, payload: bytes, signature: str | None):
    extra = {"HTTP_STRIPE_SIGNATURE": signature} if signature is not None else {}
    return client.post(
        WEBHOOK_URL, data=payload, content_type="application/json", **extra
    )


def deliver_event(
    client,
    type,
    intent_dict,
    event_id=None,
    *,
    secret=TEST_WEBHOOK_SECRET,
    timestamp=None,
):
    """POST a signed event to the webhook endpoint; returns the response."""
    if hasattr(intent_dict, "to_dict"):
        intent_dict = intent_dict.to_dict()
    payload = event_payload(type, intent_dict, event_id)
    return post_webhook(
        client, payload, sign_stripe_payload(payload, secret, timestamp=timestamp)
    )


def paid_order(client, variants=None, **kwargs):
    """An order paid at localstripe and marked paid by its signed webhook."""
    order, payment = place_order(variants, **kwargs)
    intent = pay_intent(payment)
    response = deliver_event(client, "payment_intent.succeeded", intent)
    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID, response.json()
    return order


def stock_of(variant) -> Stock:
    return Stock.objects.get(variant=variant)


def set_stock(variant, *, quantity=None, reserved=None) -> None:
    changes = {}
    if quantity is not None:
        changes["quantity"] = quantity
    if reserved is not None:
        changes["quantity_reserved"] = reserved
    Stock.objects.filter(variant=variant).update(**changes)


def expire_reservation(order, *, minutes=1) -> None:
    """Move the order's reservation deadline into the past."""
    Order.objects.filter(pk=order.pk).update(
        reserved_until=timezone.now() - timedelta(minutes=minutes)
    )


def order_page_url(order) -> str:
    return reverse("web:order", args=[order.token])
