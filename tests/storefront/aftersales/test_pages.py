"""The shopper's after-sales pages (by the order's token) and the workshop
portal's /workshop/aftersales/."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from brands.models import Role
from storefront.aftersales.models import AfterSalesRequest, Kind, Reason, Status
from storefront.aftersales.services import (
    aftersales_approve,
    aftersales_request_create,
)
from tests.factories import grant, make_user, make_workshop, png_bytes
from tests.shop_helpers import order_page_url

from .conftest import ship

pytestmark = [pytest.mark.django_db]


def new_url(order):
    return reverse(
        "web:aftersales-new", args=[order.token, order.fulfillments.get().pk]
    )


def ask(order, *, kind=Kind.REFUND_ONLY, reason=Reason.QUALITY):
    line = order.lines.get()
    return aftersales_request_create(
        order=order,
        fulfillment=order.fulfillments.get(),
        kind=kind,
        reason=reason,
        lines={line.pk: 1},
    )


def test_the_order_page_offers_after_sales_per_parcel(client, order):
    page = client.get(order_page_url(order)).content.decode()
    assert "申请售后" in page and new_url(order) in page


def test_an_unpaid_order_page_offers_no_after_sales(client, shop):
    from tests.shop_helpers import place_order

    unpaid, _ = place_order([(shop.variant, 1)])
    assert "申请售后" not in client.get(order_page_url(unpaid)).content.decode()


def test_the_shopper_asks_and_sees_the_steps(client, order):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    form = client.get(new_url(order))
    assert form.status_code == 200
    assert 'value="quality"' in form.content.decode()
    assert 'value="changed_mind"' not in form.content.decode()  # shipped already

    line = order.lines.get()
    response = client.post(
        new_url(order),
        {
            "kind": Kind.REFUND_ONLY,
            "reason": Reason.QUALITY,
            f"line-{line.pk}": "2",
            "message": "破了",
            "photos": [SimpleUploadedFile("a.png", png_bytes(), "image/png")],
        },
    )

    request = AfterSalesRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#aftersales-{request.pk}")
    assert (request.amount_fen, request.photos.count()) == (4000, 1)
    page = client.get(order_page_url(order)).content.decode()
    assert f'id="aftersales-{request.pk}"' in page
    assert "待处理 requested" in page and "¥40.00" in page


def test_a_file_that_is_not_an_image_is_refused_on_the_form(client, order):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    line = order.lines.get()
    response = client.post(
        new_url(order),
        {
            "kind": Kind.REFUND_ONLY,
            "reason": Reason.QUALITY,
            f"line-{line.pk}": "1",
            "photos": [SimpleUploadedFile("a.pdf", b"%PDF-1.4", "application/pdf")],
        },
    )
    assert response.status_code == 400
    assert "照片无法识别" in response.content.decode()
    assert not AfterSalesRequest.objects.exists()


def test_units_that_are_not_a_number_are_refused_on_the_form(client, order):
    line = order.lines.get()
    response = client.post(
        new_url(order),
        {
            "kind": Kind.REFUND_ONLY,
            "reason": Reason.CHANGED_MIND,
            f"line-{line.pk}": "two",
        },
    )
    assert response.status_code == 400
    assert "数量须为正整数" in response.content.decode()


def test_outside_the_window_the_form_says_so(client, order):
    ship(order.fulfillments.get(), days_ago=30, delivered_days_ago=20)
    page = client.get(new_url(order)).content.decode()
    assert "不能申请售后" in page
    assert (
        "申请售后" in page
        and new_url(order) not in client.get(order_page_url(order)).content.decode()
    )


def test_a_parcel_of_another_order_is_not_found(client, order, shop):
    from tests.shop_helpers import paid_order

    other = paid_order(client, [(shop.variant, 1)])
    url = reverse("web:aftersales-new", args=[order.token, other.fulfillments.get().pk])
    assert client.get(url).status_code == 404


def test_the_return_tracking_form_after_approval(client, order, shop):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = ask(order, kind=Kind.RETURN_AND_REFUND, reason=Reason.NO_REASON)
    aftersales_approve(request=request, user=shop.manager)
    url = reverse("web:aftersales-return", args=[order.token, request.pk])
    assert "退货运单号" in client.get(order_page_url(order)).content.decode()

    bad = client.post(url, {"carrier": "sf", "tracking_number": "123"})
    assert bad.status_code == 400 and "运单号格式不符" in bad.content.decode()

    client.post(url, {"carrier": "sf", "tracking_number": "SF1234567890123"})
    request.refresh_from_db()
    assert request.status == Status.RETURN_SHIPPED


def test_a_return_tracking_number_for_a_refund_only_request_is_refused(client, order):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = ask(order)
    url = reverse("web:aftersales-return", args=[order.token, request.pk])
    response = client.post(url, {"carrier": "sf", "tracking_number": "SF1234567890123"})
    assert response.status_code == 400
    assert "仅退款的申请无需寄回商品" in response.content.decode()


def test_another_order_s_token_reaches_no_request(client, order, shop):
    from tests.shop_helpers import paid_order

    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = ask(order)
    other = paid_order(client, [(shop.variant, 1)])
    url = reverse("web:aftersales-withdraw", args=[other.token, request.pk])
    assert client.post(url).status_code == 404
    client.post(reverse("web:aftersales-withdraw", args=[order.token, request.pk]))
    request.refresh_from_db()
    assert request.status == Status.CANCELLED


# --- workshop portal ---------------------------------------------------------


def test_the_workshop_lists_approves_and_refuses(client, order, shop):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = ask(order)
    client.force_login(shop.manager)

    listing = client.get(reverse("workshop:aftersales"))
    assert listing.status_code == 200
    assert f"#{request.pk} · {order.number}" in listing.content.decode()

    detail_url = reverse("workshop:aftersales-detail", args=[request.pk])
    detail = client.get(detail_url).content.decode()
    assert "同意并退款" in detail and "拒绝" in detail

    response = client.post(detail_url, {"action": "refuse", "refuse_reason": ""})
    assert response.status_code == 302
    assert "请填写拒绝原因" in client.get(detail_url).content.decode()

    approved = client.post(detail_url, {"action": "approve"}, follow=True)
    request.refresh_from_db()
    assert request.status == Status.REFUNDED
    order.refresh_from_db()
    assert order.refunded_fen == 2000
    # A refund-only request is refunded as it is approved, and says so.
    assert "已退款 Refunded" in approved.content.decode()


def test_another_workshop_s_manager_sees_nothing(client, order, shop):
    ship(order.fulfillments.get(), delivered_days_ago=1)
    request = ask(order)
    stranger = make_user()
    grant(stranger, Role.WORKSHOP_MANAGER, make_workshop(brands=[shop.brand]))
    client.force_login(stranger)

    assert (
        f"#{request.pk}"
        not in client.get(reverse("workshop:aftersales")).content.decode()
    )
    detail_url = reverse("workshop:aftersales-detail", args=[request.pk])
    assert client.get(detail_url).status_code == 404
    assert client.post(detail_url, {"action": "approve"}).status_code == 404
    request.refresh_from_db()
    assert request.status == Status.REQUESTED


def test_a_brand_operator_may_not_handle_after_sales(client, order, shop):
    operator = make_user()
    grant(operator, Role.BRAND_OPERATOR, shop.brand)
    client.force_login(operator)
    response = client.get(
        reverse("workshop:aftersales") + f"?workshop={shop.workshop.slug}"
    )
    assert response.status_code == 403


def test_the_workshop_pages_need_a_login(client):
    response = client.get(reverse("workshop:aftersales"))
    assert response.status_code == 302


def _order_page_queries(client, order) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(order_page_url(order)).status_code == 200
    return len(queries)


def test_the_order_page_s_after_sales_queries_do_not_grow_with_lines(client, shop):
    from tests.shop_helpers import make_variant, paid_order

    more = [
        make_variant(1000, 10, workshop=shop.workshop, brand=shop.brand)
        for _ in range(3)
    ]
    one = paid_order(client, [(shop.variant, 1)])
    four = paid_order(client, [(shop.variant, 1)] + [(v, 1) for v in more])
    for order in (one, four):
        for line in order.lines.all():
            aftersales_request_create(
                order=order,
                fulfillment=order.fulfillments.get(),
                kind=Kind.REFUND_ONLY,
                reason=Reason.CHANGED_MIND,
                lines={line.pk: 1},
            )

    assert _order_page_queries(client, four) == _order_page_queries(client, one)
