"""Public figures: what has flowed back to a village this month and this
year (on its page, current after every paid order), and the village's share
of a product's price (on the product page)."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from revenue.agreements import agreement_create
from revenue.figures import village_flow, village_share_for_product
from revenue.ledger import Posting, ledger_post_many
from revenue.models import AccountKind, EntryKind, PartyKind, Share, ShareAgreement
from revenue.order_split import orders_split
from revenue.parties import accounts_for, clearing_account_id
from revenue.statements import TIMEZONE
from storefront.core.money import format_fen
from storefront.payments.refunds import order_refund
from tests.revenue.ledger_builders import build_paid_order
from tests.revenue.test_statements import party_of, pay, split_shop
from tests.shop_helpers import place_order
from tests.storefront.web.impact_pages import period_figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache_on(settings):
    settings.CATALOG_CACHE_SECONDS = 300


def _flow_figures(html: str) -> tuple[str, str]:
    """The village collective's figure this month and this year, as shown."""
    [month, year] = [period_figures(html)[name]["village"] for name in ("本月", "今年")]
    return month, year


def dated_village_sale(village, fen: int, when: datetime) -> None:
    """A village share posted at `when` with its balanced entry: how an order
    split on that day looks in the ledger (services always post "now")."""
    order, _ = place_order()
    party = party_of(PartyKind.VILLAGE, village)
    posting = Posting(kind=EntryKind.SALE, order_id=order.pk)
    posting.add(accounts_for([party.pk], AccountKind.PAYABLE)[party.pk], -fen)
    posting.add(clearing_account_id(), fen)
    [entry] = ledger_post_many([posting], posted_at=when)
    Share.objects.create(
        entry=entry,
        order=order,
        party=party,
        role="village",
        amount_fen=fen,
        posted_at=when,
    )


@pytest.mark.usefixtures("stripe_settings", "page_cache_on")
def test_village_page_shows_flow_back_current_after_each_paid_order(
    client, django_capture_on_commit_callbacks
):
    # The village bears the processor's fee here: the figure leaves it out.
    shop = split_shop(fee_bearer="village")
    url = reverse("web:village", args=[shop.village.slug])
    first_view = client.get(url)
    assert first_view.status_code == 200
    assert "还没有销售记录" in first_view.content.decode()

    order = pay(client, django_capture_on_commit_callbacks, shop.variant, 3)
    client.logout()
    after_one = client.get(url)
    # 17 % of ¥38.40 is ¥6.528: ¥6.53 by largest remainder.
    assert _flow_figures(after_one.content.decode()) == ("¥6.53", "¥6.53")
    # Cached, but under the impact version the split moved: never stale.
    assert after_one["X-Page-Cache"] == "miss"
    assert client.get(url)["X-Page-Cache"] == "hit"

    pay(client, django_capture_on_commit_callbacks, shop.variant, 2)
    client.logout()
    html = client.get(url).content.decode()
    assert _flow_figures(html) == ("¥10.88", "¥10.88")  # + ¥4.35
    assert 'data-fen="1088"' in html
    assert "未扣支付手续费" in html and "before payment fees" in html

    with django_capture_on_commit_callbacks(execute=True):
        refund = order_refund(order=order, user=shop.operator, amount_fen=3840)
    taken_back = -sum(
        Share.objects.filter(entry__refund=refund, party__village=shop.village)
        .exclude(role="fee")
        .values_list("amount_fen", flat=True)
    )
    assert taken_back == 653
    assert village_flow(shop.village).month_fen == 435
    assert _flow_figures(client.get(url).content.decode()) == ("¥4.35", "¥4.35")


@pytest.mark.usefixtures("stripe_settings", "midday")
def test_year_counts_earlier_months_and_not_last_year():
    shop = split_shop()
    now = timezone.localtime(timezone.now(), TIMEZONE)
    year_start = datetime(now.year, 1, 1, tzinfo=TIMEZONE)
    month_start = datetime(now.year, now.month, 1, tzinfo=TIMEZONE)
    dated_village_sale(shop.village, 1000, year_start - timedelta(seconds=1))
    dated_village_sale(shop.village, 200, year_start)
    dated_village_sale(shop.village, 30, month_start)
    # Another village's money is not this village's.
    dated_village_sale(split_shop().village, 4, month_start)

    flow = village_flow(shop.village)

    in_month = 230 if now.month == 1 else 30
    assert (flow.month_fen, flow.year_fen) == (in_month, 230)


def test_a_village_with_no_sales_says_so_instead_of_zeros(client):
    shop = split_shop()
    assert village_flow(shop.village) == village_flow(shop.village)
    assert village_flow(shop.village).month_fen == 0
    html = client.get(reverse("web:village", args=[shop.village.slug])).content
    html = html.decode()
    assert "还没有销售记录" in html and "No sales yet" in html
    assert "<svg" not in html and "impact-period" not in html
    assert "¥0.00" not in html


def test_english_village_page_says_flowed_back(client):
    shop = split_shop()
    sold = build_paid_order([(shop.workshop, shop.brand, 1280, 1)])
    orders_split(order_ids=[sold.pk])
    client.cookies["django_language"] = "en"
    html = client.get(
        reverse("web:village", args=[shop.village.slug]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "This month" in html and "Village collectives" in html
    assert "本月" not in html


# The product page -------------------------------------------------------------


@pytest.mark.usefixtures("page_cache_on")
def test_product_page_shows_the_village_share_of_the_first_size(client):
    shop = split_shop()
    product = shop.variant.product
    # A direct sale: the village's 12 % plus the 5 % no host earned, 17 % of
    # ¥12.80 = ¥2.176, ¥2.18 by largest remainder.
    assert village_share_for_product(product) == 218
    url = reverse("web:product", args=[product.slug])
    response = client.get(url)
    html = response.content.decode()
    village = shop.village
    assert f"每售出一件，{format_fen(218)} 回流 {village.name}" in html
    assert f"{format_fen(218)} of every sale goes back to {village.name_en}" in html
    assert 'data-fen="218"' in html
    assert client.get(url)["X-Page-Cache"] == "hit"


def test_product_share_follows_the_shown_variant_price():
    shop = split_shop(price_fen=9999)
    # 17 % of ¥99.99 = ¥16.9983 → ¥17.00 (1700 fen) by largest remainder.
    assert village_share_for_product(shop.variant.product) == 1700
    assert village_share_for_product(shop.variant.product, variant=shop.variant) == 1700


def test_no_agreement_no_village_share(client):
    shop = split_shop()
    product = shop.variant.product
    ShareAgreement.objects.filter(brand=shop.brand).delete()
    ShareAgreement.objects.filter(brand=None).delete()
    assert village_share_for_product(product) is None
    html = client.get(reverse("web:product", args=[product.slug])).content.decode()
    assert "回流" not in html and 'class="village-share"' not in html


def test_agreement_from_tomorrow_does_not_show_today(client, midday):
    shop = split_shop()
    product = shop.variant.product
    tomorrow = timezone.localdate() + timedelta(days=1)
    agreement_create(
        user=shop.operator,
        brand=shop.brand,
        effective_from=tomorrow,
        workshop_bp=5000,
        village_bp=3000,
        brand_bp=1000,
        host_bp=500,
        platform_bp=500,
    )
    assert village_share_for_product(product) == 218
