"""Bulk shipping by CSV in the operator admin: upload, read the dry run (rows
and row errors, nothing shipped), apply. Through storefront.orders.bulk_ship;
CSRF on, a size cap, operators only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from brands.models import Role, Workshop
from storefront.orders.bulk_ship import MAX_BYTES
from storefront.orders.models import Fulfillment, FulfillmentStatus
from tests.factories import grant, make_user
from tests.shop_helpers import make_variant, paid_order, place_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

URL = reverse("admin:orders_order_bulk_ship")
LIST = reverse("admin:orders_order_changelist")


@pytest.fixture
def operator(db):
    return make_user(staff=True)


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def orders(client):
    variant = make_variant(1280, 20)
    return [paid_order(client, [(variant, 1)]) for _ in range(2)]


def csv_file(text: str, encoding="utf-8", name="ship.csv"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def _upload(client, text, encoding="utf-8", **extra):
    return client.post(
        URL,
        {"file": csv_file(text, encoding), "notify_customer": "on", **extra},
    )


def _status(order):
    return Fulfillment.objects.get(order=order).status


def test_order_list_links_to_bulk_ship(operator_client):
    assert URL in operator_client.get(LIST).content.decode()
    page = operator_client.get(URL)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()


def test_dry_run_shows_rows_and_errors_then_apply_ships_the_good_ones(
    operator_client, orders
):
    good, other = orders
    text = (
        "订单号,快递公司,运单号\n"
        f"{good.number},顺丰,SF1234567890123\n"
        "GF-0000-404404,中通,731234567890\n"
        f"{other.number},中通,12AB\n"
        '=HYPERLINK("x"),sf,SF1234567890124\n'
    )
    dry = _upload(operator_client, text)
    assert dry.status_code == 200
    content = dry.content.decode()
    plan = dry.context["plan"]
    assert [row.ok for row in plan.rows] == [True, False, False, False]
    assert "找不到订单号 GF-0000-404404" in content
    assert "运单号格式不符" in content
    assert "疑似公式" in content
    assert "试运行" in content
    # Nothing shipped by the dry run.
    assert _status(good) == FulfillmentStatus.PENDING

    applied = operator_client.post(URL, {"plan": dry.context["token"], "apply": "1"})
    assert applied.status_code == 200
    assert "已发货 1 个包裹" in applied.content.decode()
    parcel = Fulfillment.objects.get(order=good)
    assert (parcel.status, parcel.carrier, parcel.tracking_number) == (
        FulfillmentStatus.SHIPPED,
        "sf",
        "SF1234567890123",
    )
    assert _status(other) == FulfillmentStatus.PENDING


def test_duplicate_rows_and_unpaid_orders_are_row_errors(operator_client, orders):
    good, _ = orders
    unpaid, _ = place_order([(make_variant(500, 5), 1)])
    text = (
        "order_number,carrier,tracking_number\n"
        f"{good.number},sf,SF1234567890123\n"
        f"{good.number},sf,SF1234567890123\n"
        f"{unpaid.number},sf,SF1234567890125\n"
    )
    plan = _upload(operator_client, text).context["plan"]
    assert not plan.valid_rows
    content = _upload(operator_client, text).content.decode()
    assert "同一包裹出现在多行" in content
    assert "订单尚未支付" in content


def test_gbk_file_is_read(operator_client, orders):
    good, _ = orders
    text = f"订单号,快递公司,运单号\n{good.number},顺丰速运,SF1234567890123\n"
    dry = _upload(operator_client, text, encoding="gbk")
    assert [row.ok for row in dry.context["plan"].rows] == [True]


def test_unreadable_or_too_large_files_are_refused(operator_client, orders):
    workbook = SimpleUploadedFile("ship.xlsx", b"PK\x03\x04rest")
    response = operator_client.post(URL, {"file": workbook})
    assert "请另存为 CSV" in response.content.decode()
    assert response.context["plan"] is None

    big = SimpleUploadedFile("ship.csv", b"a" * (MAX_BYTES + 1))
    response = operator_client.post(URL, {"file": big})
    assert "文件超过 1024 KB" in response.content.decode()
    assert response.context["plan"] is None


def test_a_tampered_or_foreign_plan_ships_nothing(operator_client, client, orders):
    good, _ = orders
    text = f"订单号,快递公司,运单号\n{good.number},sf,SF1234567890123\n"
    token = _upload(operator_client, text).context["token"]
    response = operator_client.post(URL, {"plan": token[:-2] + "xx", "apply": "1"})
    assert "确认页已过期或无效" in response.content.decode()
    # Another operator cannot replay this operator's plan.
    client.force_login(make_user(staff=True))
    response = client.post(URL, {"plan": token, "apply": "1"})
    assert "确认页已过期或无效" in response.content.decode()
    assert _status(good) == FulfillmentStatus.PENDING


def test_csrf_is_checked(operator, orders):
    good, _ = orders
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(operator)
    text = f"订单号,快递公司,运单号\n{good.number},sf,SF1234567890123\n"
    response = strict.post(URL, {"file": csv_file(text)})
    assert response.status_code == 403


def test_non_operators_are_sent_to_login(client, orders):
    good, _ = orders
    manager = make_user()
    grant(
        manager,
        Role.WORKSHOP_MANAGER,
        Workshop.objects.get(pk=Fulfillment.objects.get(order=good).workshop_id),
    )
    text = f"订单号,快递公司,运单号\n{good.number},sf,SF1234567890123\n"
    for user in (None, manager):
        client.logout()
        if user is not None:
            client.force_login(user)
        assert client.get(URL).status_code == 302
        response = _upload(client, text)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
    assert _status(good) == FulfillmentStatus.PENDING
