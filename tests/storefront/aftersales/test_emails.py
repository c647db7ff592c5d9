"""The shopper's email at each after-sales step: after commit, once each,
and the sweep for those whose task was lost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from storefront.aftersales.emails import aftersales_emails_send_unsent
from storefront.aftersales.models import AfterSalesEmail, Kind, Reason
from storefront.aftersales.services import (
    aftersales_approve,
    aftersales_refuse,
    aftersales_request_create,
)
from storefront.aftersales.tasks import send_aftersales_email

from .conftest import ship

pytestmark = [pytest.mark.django_db]


def ask(order, reason=Reason.QUALITY):
    line = order.lines.get()
    return aftersales_request_create(
        order=order,
        fulfillment=order.fulfillments.get(),
        kind=Kind.REFUND_ONLY,
        reason=reason,
        lines={line.pk: 1},
    )


@pytest.mark.django_db(transaction=True)
def test_each_step_is_mailed_once_after_commit(order, shop, mailoutbox):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    mailoutbox.clear()

    # The network guard fails any email sent with a transaction open.
    request = aftersales_approve(request=ask(order), user=shop.manager)

    subjects = [m.subject for m in mailoutbox]
    assert len(subjects) == 3, subjects
    assert "已收到售后申请" in subjects[0]
    assert "售后申请已同意" in subjects[1]
    assert "售后退款已完成" in subjects[2]
    assert all(m.to == ["buyer@example.com"] for m in mailoutbox)
    assert "¥20.00" in mailoutbox[2].body
    assert str(order.token) in mailoutbox[2].body
    assert AfterSalesEmail.objects.filter(sent_at__isnull=True).count() == 0
    sent = request.events.filter(type="email_sent")
    assert sorted(e.data["step"] for e in sent) == ["approved", "refunded", "requested"]

    mailoutbox.clear()
    for email in AfterSalesEmail.objects.all():
        assert send_aftersales_email(email.pk) is False
    assert aftersales_emails_send_unsent() == 0
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_a_refusal_is_mailed_with_its_reason(order, shop, mailoutbox):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = ask(order)
    mailoutbox.clear()

    aftersales_refuse(request=request, user=shop.manager, reason="照片看不出破损")

    [mail] = mailoutbox
    assert "售后申请未通过" in mail.subject
    assert "照片看不出破损" in mail.body


def test_the_sweep_mails_a_lost_step_once(order, mailoutbox):
    # The test's transaction never commits: the step's task is never queued.
    ship(order.fulfillments.get(), delivered_days_ago=1)
    ask(order)
    mailoutbox.clear()
    assert aftersales_emails_send_unsent() == 0  # its own task may still come

    AfterSalesEmail.objects.update(created_at=timezone.now() - timedelta(minutes=6))

    assert aftersales_emails_send_unsent() == 1
    assert aftersales_emails_send_unsent() == 0
    [mail] = mailoutbox
    assert "已收到售后申请" in mail.subject


def test_a_step_claimed_by_another_sender_is_left_to_it(order, mailoutbox):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    ask(order)
    mailoutbox.clear()
    AfterSalesEmail.objects.update(
        created_at=timezone.now() - timedelta(minutes=6),
        claimed_until=timezone.now() + timedelta(minutes=5),
    )
    assert aftersales_emails_send_unsent() == 0
    assert mailoutbox == []


def test_an_order_without_an_email_gets_no_step_email(client, shop):
    from storefront.orders.models import Order
    from tests.shop_helpers import paid_order

    order = paid_order(client, [(shop.variant, 1)])
    Order.objects.filter(pk=order.pk).update(email="")
    order.refresh_from_db()
    ask(order, reason=Reason.CHANGED_MIND)
    assert not AfterSalesEmail.objects.exists()
