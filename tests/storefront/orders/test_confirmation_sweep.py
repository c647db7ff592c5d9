"""The confirmation email (the only carrier of the order link) is sent once:
by the order's own task, or by the sweep when that task was lost; never
twice by two senders at once, never with the order row locked, and a failed
send is tried again by the next sweep."""

import socket
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connections
from django.utils import timezone

from storefront.orders.emails import (
    SWEEP_GRACE,
    order_confirmation_claim,
    order_confirmation_send,
    order_confirmations_send_unsent,
)
from storefront.orders.models import Order, OrderEvent, OrderEventType
from storefront.orders.tasks import send_order_confirmation, send_unsent_confirmations
from tests.shop_helpers import paid_order, place_order

pytestmark = pytest.mark.usefixtures("stripe_settings")

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def lost_email_order(client) -> Order:
    """A paid order whose email task never ran (on_commit did not fire), paid
    long enough ago for the sweep to take it."""
    order = paid_order(client)
    # Where on_commit runs (transaction=True), its email is forgotten.
    OrderEvent.objects.filter(order=order, type=OrderEventType.EMAIL_SENT).delete()
    Order.objects.filter(pk=order.pk).update(
        paid_at=timezone.now() - SWEEP_GRACE - timedelta(seconds=5),
        confirmation_sent_at=None,
    )
    return order


def emails_sent(order) -> int:
    return OrderEvent.objects.filter(
        order=order, type=OrderEventType.EMAIL_SENT
    ).count()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_the_sweep_sends_a_lost_confirmation_once(client, mailoutbox):
    order = lost_email_order(client)
    fresh = paid_order(client)  # its own task still has time

    assert send_unsent_confirmations.delay().get() == 1
    assert [m.to for m in mailoutbox] == [["buyer@example.com"]]
    assert f"/orders/{order.token}/" in mailoutbox[0].body
    order.refresh_from_db()
    assert order.confirmation_sent_at is not None
    assert order.confirmation_claimed_until is None
    assert emails_sent(order) == 1

    assert order_confirmations_send_unsent() == 0
    send_order_confirmation.delay(order.pk)  # the lost task, delivered late
    assert len(mailoutbox) == 1
    fresh.refresh_from_db()
    assert fresh.confirmation_sent_at is None


@pytest.mark.django_db
def test_an_unpaid_order_gets_no_confirmation(mailoutbox):
    order, _ = place_order()
    assert not order_confirmation_claim(order_id=order.pk)
    assert not order_confirmation_send(order_id=order.pk)
    assert order_confirmations_send_unsent() == 0
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_failed_send_is_tried_again_by_the_next_sweep(client, settings, mailoutbox):
    order = lost_email_order(client)
    # A mail server that refuses the connection.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()

    assert order_confirmations_send_unsent() == 0
    order.refresh_from_db()
    assert order.confirmation_sent_at is None
    assert order.confirmation_claimed_until is None  # given back at once
    assert emails_sent(order) == 0
    with pytest.raises(OSError):
        order_confirmation_send(order_id=order.pk)

    settings.EMAIL_BACKEND = LOCMEM
    assert order_confirmations_send_unsent() == 1
    assert len(mailoutbox) == 1
    assert emails_sent(order) == 1


@pytest.mark.django_db
def test_a_claimed_confirmation_is_left_to_its_sender_until_the_claim_expires(
    client, mailoutbox
):
    order = lost_email_order(client)
    assert order_confirmation_claim(order_id=order.pk)
    assert not order_confirmation_claim(order_id=order.pk)
    assert order_confirmations_send_unsent() == 0
    assert not order_confirmation_send(order_id=order.pk)
    assert mailoutbox == []

    # The sender died between claim and mark: its claim runs out.
    Order.objects.filter(pk=order.pk).update(
        confirmation_claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert order_confirmations_send_unsent() == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_sweeps_running_at_once_send_each_email_once(client, settings):
    settings.EMAIL_BACKEND = LOCMEM
    orders = [lost_email_order(client) for _ in range(3)]
    mail.outbox = []
    barrier = threading.Barrier(6)
    sent = []

    def sweep():
        try:
            barrier.wait()
            sent.append(order_confirmations_send_unsent())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(sent) == 3
    assert sorted(m.body.count("/orders/") for m in mail.outbox) == [1, 1, 1]
    for order in orders:
        assert emails_sent(order) == 1


class LockProbeBackend(LocmemBackend):
    """While "sending", another connection tries to lock the order rows
    without waiting: it fails if the sender holds a row lock."""

    locked = []

    def send_messages(self, messages):
        def probe():
            try:
                with connections["default"].cursor() as cursor:
                    cursor.execute("BEGIN")
                    cursor.execute("SELECT id FROM orders_order FOR UPDATE NOWAIT")
                    cursor.execute("ROLLBACK")
                LockProbeBackend.locked.append(False)
            except Exception:  # noqa: BLE001 - a lock error is the finding
                LockProbeBackend.locked.append(True)
            finally:
                connections.close_all()

        thread = threading.Thread(target=probe)
        thread.start()
        thread.join()
        return super().send_messages(messages)


@pytest.mark.requires_postgres(
    "the probe asks for the order rows FOR UPDATE NOWAIT, which SQLite lacks"
)
@pytest.mark.django_db(transaction=True)
def test_no_row_lock_is_held_while_the_email_is_sent(client, settings):
    settings.EMAIL_BACKEND = f"{__name__}.LockProbeBackend"
    LockProbeBackend.locked = []
    lost_email_order(client)  # sent by its own task on commit, then lost
    paid_order(client)  # sent by its own task on commit

    assert order_confirmations_send_unsent() == 1

    assert LockProbeBackend.locked == [False, False, False]
