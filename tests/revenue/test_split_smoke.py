"""A paid order is split once, exactly; a partial refund reverses it."""

import pytest
from django.db.models import Sum

from revenue.models import Account, JournalEntry, JournalLine, Share
from revenue.services import order_allocate
from storefront.payments.refunds import order_refund
from tests.factories import make_user
from tests.shop_helpers import make_variant, paid_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


def test_paid_order_split_and_refund(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(client, [(make_variant(1280, 10), 3)], user=make_user())
    assert JournalEntry.objects.filter(order=order, kind="sale").count() == 1
    assert order_allocate(order=order) is False
    sold = Share.objects.filter(order=order).exclude(role="fee")
    assert sold.aggregate(s=Sum("amount_fen"))["s"] == order.paid_fen
    order_refund(order=order, user=make_user(staff=True), amount_fen=1001)
    assert sold.aggregate(s=Sum("amount_fen"))["s"] == order.paid_fen - 1001
    assert JournalLine.objects.aggregate(s=Sum("amount_fen"))["s"] == 0
    for account in Account.objects.all():
        total = account.lines.aggregate(s=Sum("amount_fen"))["s"] or 0
        assert account.balance_fen == total
