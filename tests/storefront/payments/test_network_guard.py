"""The guard of tests/network_guard.py fires: Stripe, an image download or
email called while a row is locked fails the call (and the test), in
transactional and non-transactional tests alike; called with no transaction
open, Stripe and email reach the real localstripe and the locmem outbox."""

import pytest
from django.core import mail
from django.db import transaction

from catalog_import.images import ImageFetcher
from storefront.orders.models import Order
from storefront.payments import gateway
from tests import network_guard
from tests.shop_helpers import place_order

pytestmark = pytest.mark.usefixtures("stripe_settings")


def call_stripe_and_mail_under_lock(order):
    with transaction.atomic():
        Order.objects.select_for_update().get(pk=order.pk)
        with network_guard.expect_violation():
            with pytest.raises(network_guard.NetworkUnderLock):
                gateway.retrieve_payment_intent("pi_anything")
        with network_guard.expect_violation():
            with pytest.raises(network_guard.NetworkUnderLock):
                mail.send_mail("s", "b", "shop@example.com", ["a@example.com"])
    assert mail.outbox == []


def call_stripe_and_mail_outside(payment):
    intent = gateway.retrieve_payment_intent(payment.payment_intent_id)
    assert intent.id == payment.payment_intent_id
    mail.send_mail("s", "b", "shop@example.com", ["a@example.com"])
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_gateway_call_under_a_row_lock_fails_in_a_wrapped_test():
    order, payment = place_order()
    call_stripe_and_mail_under_lock(order)
    call_stripe_and_mail_outside(payment)


@pytest.mark.django_db(transaction=True)
def test_a_gateway_call_under_a_row_lock_fails_in_a_transactional_test():
    order, payment = place_order()
    call_stripe_and_mail_under_lock(order)
    call_stripe_and_mail_outside(payment)


@pytest.mark.django_db
def test_a_swallowed_violation_is_still_reported():
    order, _ = place_order()
    with transaction.atomic():
        Order.objects.select_for_update().get(pk=order.pk)
        try:
            gateway.retrieve_payment_intent("pi_anything")
        except network_guard.NetworkUnderLock:
            pass  # as a careless `except Exception` in the code would
    assert len(network_guard.violations) == 1
    network_guard.violations.clear()


@pytest.mark.django_db
def test_an_image_download_under_a_row_lock_fails():
    order, _ = place_order()
    with transaction.atomic():
        Order.objects.select_for_update().get(pk=order.pk)
        with network_guard.expect_violation():
            with pytest.raises(network_guard.NetworkUnderLock):
                ImageFetcher().fetch("http://127.0.0.1:9/photo.jpg")
