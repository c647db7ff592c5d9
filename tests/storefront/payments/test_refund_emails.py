"""The shopper hears of every refund once: a refund an operator makes (admin,
GraphQL orderRefund) mails "已退款 refunded" after commit through a retried
task; an after-sales refund does not (its own flow mails that step); a mail
server that is down leaves the email for the sweep, which sends it once."""

from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.utils import timezone

from storefront.core.outbox import SWEEP_GRACE
from storefront.orders.models import OrderEventType
from storefront.payments.models import RefundEmail
from storefront.payments.refund_emails import refund_emails_send_unsent
from storefront.payments.refunds import order_refund
from tests.factories import make_user
from tests.shop_helpers import make_variant, paid_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


@pytest.fixture
def order(client):
    """Paid: 3 × ¥12.80 + ¥10 shipping = ¥48.40, by shopper@example.cn."""
    order = paid_order(client, [(make_variant(1280, 10), 3)], user=make_user())
    mail.outbox.clear()  # the payment's confirmation
    return order


def refund_mails():
    return [m for m in mail.outbox if "已退款" in m.subject]


def test_an_operator_refund_mails_the_shopper_once(
    order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order_refund(order=order, user=make_user(staff=True), amount_fen=500)

    [message] = refund_mails()
    assert message.to == [order.email]
    assert "¥5.00" in message.subject and "refunded" in message.subject
    assert "原路退回" in message.body and "to the way you paid" in message.body
    assert f"/orders/{order.token}/" in message.body
    email = RefundEmail.objects.get()
    assert email.sent_at is not None
    assert order.events.filter(
        type=OrderEventType.EMAIL_SENT, data__email="refunded"
    ).exists()

    # The task again (a redelivery) and the sweep send nothing more.
    from storefront.payments.tasks import send_refund_email

    assert send_refund_email.delay(email.pk).get() is False
    assert refund_emails_send_unsent() == 0
    assert len(refund_mails()) == 1


def test_each_refund_has_its_own_email(order, django_capture_on_commit_callbacks):
    operator = make_user(staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        order_refund(order=order, user=operator, amount_fen=500)
    with django_capture_on_commit_callbacks(execute=True):
        order_refund(order=order, user=operator)

    subjects = [m.subject for m in refund_mails()]
    assert len(subjects) == 2
    assert "¥5.00" in subjects[0] and "¥43.40" in subjects[1]
    assert "累计已退 ¥48.40" in refund_mails()[1].body


def test_a_refund_for_an_after_sales_request_is_not_mailed_twice(order):
    """The after-sales flow asks for no shopper email (notify_shopper=False)
    and mails its own "refunded" step (tests/storefront/aftersales/
    test_emails.py)."""
    from storefront.aftersales.models import Kind, Reason
    from storefront.aftersales.services import (
        aftersales_approve,
        aftersales_request_create,
    )

    line = order.lines.get()
    request = aftersales_request_create(
        order=order,
        fulfillment=order.fulfillments.get(),
        kind=Kind.REFUND_ONLY,
        reason=Reason.CHANGED_MIND,
        lines={line.pk: 1},
        message="",
    )
    aftersales_approve(request=request, user=make_user(staff=True))

    refund = order.refunds.get()
    assert refund.notify_shopper is False
    assert not RefundEmail.objects.exists()


def test_a_mail_server_that_is_down_leaves_the_email_to_the_sweep(
    order, django_capture_on_commit_callbacks, settings, monkeypatch
):
    # What leaves the machine (SMTP) has no local stand-in here: the mail
    # backend's send is made to fail as a disconnected server would.
    def refuse(self, messages):
        raise SMTPServerDisconnected("down")

    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", refuse
    )
    with django_capture_on_commit_callbacks(execute=True):
        order_refund(order=order, user=make_user(staff=True), amount_fen=500)
    email = RefundEmail.objects.get()
    assert email.sent_at is None and email.claimed_until is None
    monkeypatch.undo()

    assert refund_emails_send_unsent() == 0  # too fresh: its task may still run
    RefundEmail.objects.filter(pk=email.pk).update(
        created_at=timezone.now() - SWEEP_GRACE - timedelta(seconds=5)
    )
    assert refund_emails_send_unsent() == 1
    assert refund_emails_send_unsent() == 0
    assert len(refund_mails()) == 1
