"""Approving, refusing, returning and refunding after-sales requests through
`order_refund` (localstripe), with who may do what."""

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from brands.models import Role
from storefront.aftersales.errors import AfterSalesError, AfterSalesErrorCode
from storefront.aftersales.models import AfterSalesRequest, Kind, Reason, Status
from storefront.aftersales.services import (
    aftersales_approve,
    aftersales_cancel,
    aftersales_receive_return,
    aftersales_refund,
    aftersales_refuse,
    aftersales_request_create,
    aftersales_return_ship,
)
from storefront.orders.errors import OrderError, OrderErrorCode
from storefront.orders.models import FulfillmentStatus, OrderStatus
from storefront.payments.models import Refund
from storefront.payments.refunds import order_refund
from tests.factories import grant, make_user, make_workshop
from tests.shop_helpers import make_variant, paid_order, stock_of

from .conftest import ship

pytestmark = [pytest.mark.django_db]


def ask(order, *, kind=Kind.REFUND_ONLY, reason=Reason.QUALITY, units=1, line=None):
    line = line or order.lines.first()
    parcel = order.fulfillments.get(workshop_id=line.workshop_id)
    return aftersales_request_create(
        order=order,
        fulfillment=parcel,
        kind=kind,
        reason=reason,
        lines={line.pk: units},
    )


def test_approving_a_whole_parcel_before_shipping_refunds_it_and_cancels_it(
    order, shop
):
    request = ask(order, reason=Reason.CHANGED_MIND, units=3)
    assert stock_of(shop.variant).quantity_reserved == 3

    request = aftersales_approve(request=request, user=shop.manager)

    assert request.status == Status.REFUNDED
    assert request.refund.amount_fen == order.total_fen
    assert request.refund.created_by == shop.manager
    order.refresh_from_db()
    assert (order.status, order.refunded_fen) == (OrderStatus.REFUNDED, order.paid_fen)
    assert order.fulfillments.get().status == FulfillmentStatus.CANCELLED
    assert stock_of(shop.variant).quantity_reserved == 0
    assert not request.lines.get().is_open
    assert list(request.events.values_list("type", flat=True)) == [
        "requested",
        "approved",
        "refunded",
    ]


def test_a_quality_refund_after_delivery_keeps_the_stock_as_it_is(order, shop):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    stock_before = stock_of(shop.variant).quantity
    request = aftersales_approve(request=ask(order, units=2), user=shop.manager)

    assert request.status == Status.REFUNDED
    order.refresh_from_db()
    assert (order.refunded_fen, order.status) == (
        4000,
        OrderStatus.PARTIALLY_REFUNDED,
    )
    assert stock_of(shop.variant).quantity == stock_before
    assert order.lines.get().quantity_restocked == 0


def test_a_return_is_refunded_once_the_goods_are_back_and_restocked(order, shop):
    ship(order.fulfillments.get(), delivered_days_ago=2)
    stock_before = stock_of(shop.variant).quantity
    request = ask(order, kind=Kind.RETURN_AND_REFUND, reason=Reason.NO_REASON)

    request = aftersales_approve(request=request, user=shop.manager)
    assert request.status == Status.APPROVED
    assert not Refund.objects.exists()

    with pytest.raises(AfterSalesError) as caught:
        aftersales_receive_return(request=request, user=shop.manager)
    assert caught.value.code == AfterSalesErrorCode.INVALID_TRANSITION

    request = aftersales_return_ship(
        request=request, carrier="顺丰", tracking_number="sf 1234 5678 90123"
    )
    assert request.status == Status.RETURN_SHIPPED
    assert (request.return_carrier, request.return_tracking_number) == (
        "sf",
        "SF1234567890123",
    )

    request = aftersales_receive_return(request=request, user=shop.manager)

    assert request.status == Status.REFUNDED
    assert request.refund.amount_fen == 2000
    assert stock_of(shop.variant).quantity == stock_before + 1
    assert order.lines.get().quantity_restocked == 1


def test_a_return_tracking_number_for_a_refund_only_request_is_refused(order, shop):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = ask(order)
    with pytest.raises(AfterSalesError) as caught:
        aftersales_return_ship(
            request=request, carrier="sf", tracking_number="SF1234567890123"
        )
    assert caught.value.code == AfterSalesErrorCode.NOT_A_RETURN
    request.refresh_from_db()
    assert request.return_tracking_number == ""


def test_a_return_tracking_number_after_a_refund_only_was_refunded_is_refused(
    order, shop
):
    """The money is back and nothing was to be sent: a tracking number now
    writes nothing and adds no step, however the request is reached."""
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = aftersales_approve(request=ask(order, units=3), user=shop.manager)
    assert request.status == Status.REFUNDED
    steps = request.events.count()

    with pytest.raises(AfterSalesError) as caught:
        aftersales_return_ship(
            request=AfterSalesRequest.objects.get(pk=request.pk),
            carrier="sf",
            tracking_number="SF1234567890123",
        )

    assert caught.value.code == AfterSalesErrorCode.NOT_A_RETURN
    assert "仅退款" in caught.value.message_zh
    request.refresh_from_db()
    assert (request.status, request.return_carrier, request.return_tracking_number) == (
        Status.REFUNDED,
        "",
        "",
    )
    assert request.events.count() == steps


def test_a_return_tracking_number_in_the_wrong_format_or_too_early_is_refused(
    order, shop
):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = ask(order, kind=Kind.RETURN_AND_REFUND, reason=Reason.NO_REASON)
    with pytest.raises(AfterSalesError) as caught:
        aftersales_return_ship(
            request=request, carrier="sf", tracking_number="SF1234567890123"
        )
    assert caught.value.code == AfterSalesErrorCode.INVALID_TRANSITION
    aftersales_approve(request=request, user=shop.manager)
    with pytest.raises(OrderError) as caught:
        aftersales_return_ship(request=request, carrier="sf", tracking_number="12")
    assert caught.value.code == OrderErrorCode.TRACKING_FORMAT
    with pytest.raises(OrderError) as caught:
        aftersales_return_ship(request=request, carrier="鸽子", tracking_number="1")
    assert caught.value.code == OrderErrorCode.UNKNOWN_CARRIER


def test_refusing_needs_a_reason_and_frees_the_line(order, shop):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = ask(order)
    with pytest.raises(AfterSalesError) as caught:
        aftersales_refuse(request=request, user=shop.manager, reason="  ")
    assert caught.value.code == AfterSalesErrorCode.REFUSE_REASON_REQUIRED

    request = aftersales_refuse(request=request, user=shop.manager, reason="已过期")

    assert (request.status, request.refuse_reason) == (Status.REFUSED, "已过期")
    assert request.decided_by == shop.manager
    with pytest.raises(AfterSalesError) as caught:
        aftersales_approve(request=request, user=shop.manager)
    assert caught.value.code == AfterSalesErrorCode.INVALID_TRANSITION


def test_the_shopper_may_cancel_before_the_refund(order, shop):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = aftersales_cancel(request=ask(order))
    assert request.status == Status.CANCELLED
    refunded = aftersales_approve(request=ask(order), user=shop.manager)
    with pytest.raises(AfterSalesError) as caught:
        aftersales_cancel(request=refunded)
    assert caught.value.code == AfterSalesErrorCode.INVALID_TRANSITION


@pytest.mark.parametrize(
    "who", ["other_manager", "brand_operator", "anonymous", "shopper"]
)
def test_only_the_parcel_s_workshop_and_operators_decide(order, shop, who):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = ask(order)
    if who == "anonymous":
        user = AnonymousUser()
    else:
        user = make_user()
        if who == "other_manager":
            grant(user, Role.WORKSHOP_MANAGER, make_workshop(brands=[shop.brand]))
        elif who == "brand_operator":
            grant(user, Role.BRAND_OPERATOR, shop.brand)
    for decide in (
        lambda: aftersales_approve(request=request, user=user),
        lambda: aftersales_refuse(request=request, user=user, reason="不行"),
        lambda: aftersales_refund(request=request, user=user),
    ):
        with pytest.raises(AfterSalesError) as caught:
            decide()
        assert caught.value.code == AfterSalesErrorCode.PERMISSION_DENIED
    request.refresh_from_db()
    assert request.status == Status.REQUESTED


def test_a_platform_operator_may_approve(order, shop):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    operator = make_user(staff=True)
    assert aftersales_approve(request=ask(order), user=operator).status == (
        Status.REFUNDED
    )


def test_a_request_is_no_authority_to_refund_another_order(order, shop, client):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = ask(order)
    other = paid_order(client, [(shop.variant, 1)])
    with pytest.raises(OrderError) as caught:
        order_refund(order=other, user=shop.manager, authority=request)
    assert caught.value.code == OrderErrorCode.PERMISSION_DENIED
    with pytest.raises(OrderError) as caught:
        order_refund(order=order, user=shop.manager)
    assert caught.value.code == OrderErrorCode.PERMISSION_DENIED


def test_a_refund_refused_by_the_order_leaves_the_request_approved(order, shop):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = ask(order, units=3)
    # An operator refunded most of the order meanwhile.
    order_refund(order=order, user=make_user(staff=True), amount_fen=6000)

    with pytest.raises(OrderError) as caught:
        aftersales_approve(request=request, user=shop.manager)

    assert caught.value.code == OrderErrorCode.REFUND_EXCEEDS_PAID
    request.refresh_from_db()
    assert (request.status, request.refund_started_at) == (Status.APPROVED, None)
    assert request.events.last().type == "refund_failed"


def two_at_once(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.requires_postgres("two threads need row locks SQLite does not take")
def test_two_approvals_at_once_never_refund_more_than_was_paid(client, stripe_settings):
    workshop_a, workshop_b = make_workshop(), make_workshop()
    managers = []
    for workshop in (workshop_a, workshop_b):
        manager = make_user()
        grant(manager, Role.WORKSHOP_MANAGER, workshop)
        managers.append(manager)
    order = paid_order(
        client,
        [
            (make_variant(4000, 5, workshop=workshop_a), 1),
            (make_variant(4000, 5, workshop=workshop_b), 1),
        ],
    )
    requests = [
        ask(order, reason=Reason.CHANGED_MIND, line=line) for line in order.lines.all()
    ]
    # Each asks for its whole parcel (¥40.00 and its shipping); what remains
    # refundable covers one of them only.
    assert {r.amount_fen for r in requests} == {5000}
    order_refund(
        order=order,
        user=make_user(staff=True),
        amount_fen=order.paid_fen - 5000,
    )

    results = two_at_once(
        [
            lambda i=i: aftersales_approve(request=requests[i], user=managers[i])
            for i in range(2)
        ]
    )

    done = [r for r in results if isinstance(r, AfterSalesRequest)]
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(done) == 1 and len(errors) == 1, results
    assert errors[0].code == OrderErrorCode.REFUND_EXCEEDS_PAID
    order.refresh_from_db()
    assert order.refunded_fen == order.paid_fen
    statuses = sorted(AfterSalesRequest.objects.values_list("status", flat=True))
    assert statuses == [Status.APPROVED, Status.REFUNDED]
    # Stripe was asked once for this parcel: the refunds add up to what was paid.
    refunded = Refund.objects.filter(order=order).values_list("amount_fen", flat=True)
    assert sorted(refunded) == sorted([order.paid_fen - 5000, 5000])


@pytest.mark.django_db(transaction=True)
@pytest.mark.requires_postgres("two threads need row locks SQLite does not take")
def test_the_same_request_refunded_twice_at_once_is_refunded_once(
    client, stripe_settings
):
    workshop = make_workshop()
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, workshop)
    order = paid_order(client, [(make_variant(4000, 5, workshop=workshop), 2)])
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = ask(order, kind=Kind.RETURN_AND_REFUND, reason=Reason.NO_REASON)
    aftersales_approve(request=request, user=manager)
    aftersales_return_ship(
        request=request, carrier="sf", tracking_number="SF1234567890123"
    )

    results = two_at_once(
        [lambda: aftersales_receive_return(request=request, user=manager)] * 2
    )

    done = [r for r in results if isinstance(r, AfterSalesRequest)]
    errors = [r for r in results if isinstance(r, AfterSalesError)]
    assert len(done) == 1 and len(errors) == 1, results
    assert errors[0].code in (
        AfterSalesErrorCode.REFUND_IN_PROGRESS,
        AfterSalesErrorCode.INVALID_TRANSITION,
    )
    order.refresh_from_db()
    assert order.refunded_fen == 4000
    assert Refund.objects.filter(order=order).count() == 1


@pytest.mark.requires_postgres("the ledger triggers are PostgreSQL's")
def test_an_approved_refund_reverses_the_split_and_the_ledger_checks(order, shop):
    from revenue.checks import ledger_violations
    from revenue.models import EntryKind, JournalEntry

    ship(order.fulfillments.get(), delivered_days_ago=1)
    aftersales_approve(request=ask(order, units=2), user=shop.manager)

    assert JournalEntry.objects.filter(order=order, kind=EntryKind.REFUND).count() == 1
    assert ledger_violations() == []


def test_a_request_asked_before_shipping_is_not_refunded_once_the_parcel_ships(
    order, shop
):
    """Refunding goods that left would pay for them and put them back on a
    shelf they are not on."""
    request = ask(order, reason=Reason.CHANGED_MIND, units=1)  # of 3
    ship(order.fulfillments.get())
    reserved_before = stock_of(shop.variant).quantity_reserved

    with pytest.raises(AfterSalesError) as caught:
        aftersales_approve(request=request, user=shop.manager)

    assert caught.value.code == AfterSalesErrorCode.ALREADY_SHIPPED
    order.refresh_from_db()
    assert order.refunded_fen == 0
    assert not Refund.objects.filter(order=order).exists()
    assert stock_of(shop.variant).quantity_reserved == reserved_before


def test_a_refund_made_before_a_crash_is_booked_not_made_again(order, shop):
    """The process died after Stripe paid and before the request was booked:
    retrying books that refund; it never asks Stripe for a second one."""
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = aftersales_approve(request=ask(order), user=shop.manager)
    made = request.refund
    # As if the booking had not happened: the request still approved.
    AfterSalesRequest.objects.filter(pk=request.pk).update(
        status=Status.APPROVED, refund=None, refund_started_at=None
    )
    request.refresh_from_db()

    booked = aftersales_refund(request=request, user=shop.manager)

    assert booked.status == Status.REFUNDED and booked.refund == made
    assert Refund.objects.filter(order=order).count() == 1
    order.refresh_from_db()
    assert order.refunded_fen == made.amount_fen


def test_a_refund_committed_but_not_answered_is_left_to_the_sweep(order, shop):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = aftersales_approve(request=ask(order), user=shop.manager)
    made = request.refund
    Refund.objects.filter(pk=made.pk).update(stripe_refund_id=None)
    AfterSalesRequest.objects.filter(pk=request.pk).update(
        status=Status.APPROVED, refund=None, refund_started_at=None
    )
    request.refresh_from_db()

    with pytest.raises(AfterSalesError) as caught:
        aftersales_refund(request=request, user=shop.manager)

    assert caught.value.code == AfterSalesErrorCode.REFUND_IN_PROGRESS
    assert Refund.objects.filter(order=order).count() == 1
