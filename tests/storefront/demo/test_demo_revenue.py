"""The demo's share agreements and parties as `load_demo` writes them, what a
rerun does, and the demo in use: demo orders split by its agreements and a
payout batch that skips the one party without a payout method."""

import datetime
import socket

import pytest
from django.contrib.auth import get_user_model

from brands.models import Brand
from revenue.agreements import AgreementBook
from revenue.models import Account, Party, PartyKind, Share, ShareAgreement
from revenue.models.agreements import RATE_FIELDS
from revenue.order_split import order_split
from revenue.payouts import payout_batch_propose
from storefront.catalog.models import ProductVariant
from storefront.demo import data
from storefront.demo.data import revenue as revenue_data
from storefront.demo.revenue import connect_stripe
from storefront.demo.services import _Loader, demo_load
from tests.factories import make_user
from tests.shop_helpers import paid_order

pytestmark = pytest.mark.django_db

UNPAID_WORKSHOP = "mayidao-yugan"


def revenue_snapshot() -> dict:
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in (ShareAgreement, Party, Account)
    }


def _party(kind, key) -> Party:
    if kind == PartyKind.HOST:
        return Party.objects.get(kind=kind, host__username=key)
    return Party.objects.get(kind=kind, **{f"{kind}__slug": key})


def _luhn_ok(number: str) -> bool:
    total = 0
    for i, digit in enumerate(reversed(number)):
        d = int(digit) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


# The data ---------------------------------------------------------------------


def test_every_agreement_adds_up_and_each_brand_has_its_own_rates():
    defaults = {}
    for row in revenue_data.AGREEMENTS:
        assert set(row["rates"]) == set(RATE_FIELDS)
        assert sum(row["rates"].values()) == 10_000
        if row["workshop"] is None and row["category"] is None:
            defaults[row["brand"]] = tuple(row["rates"].values())
    assert set(defaults) == {brand["slug"] for brand in data.BRANDS}
    assert len(set(defaults.values())) == len(defaults), "rates differ per brand"


def test_payout_accounts_cover_every_demo_organisation_and_are_well_formed():
    expected = {
        *(("brand", b["slug"]) for b in data.BRANDS),
        *(("village", v["slug"]) for v in data.VILLAGES),
        *(("workshop", w["slug"]) for w in data.WORKSHOPS),
        ("host", "host_xiaomei"),
    }
    assert set(revenue_data.PAYOUT_ACCOUNTS) == expected
    numbers = []
    for key, bank in revenue_data.PAYOUT_ACCOUNTS.items():
        if key == ("workshop", UNPAID_WORKSHOP):
            assert bank is None
            continue
        number = bank["bank_account_number"]
        assert number.isdigit() and len(number) == 19 and number.startswith("6222")
        assert _luhn_ok(number), number
        assert bank["bank_name"].endswith("支行")
        numbers.append(number)
    assert len(set(numbers)) == len(numbers)


# As loaded --------------------------------------------------------------------


def test_first_load_creates_the_agreements_as_the_operator(loaded_demo):
    assert loaded_demo.summary.created["agreements"] == len(revenue_data.AGREEMENTS)
    operator = get_user_model().objects.get(username="operator")
    for row in revenue_data.AGREEMENTS:
        agreement = ShareAgreement.objects.get(
            brand__slug=row["brand"],
            workshop__slug=row["workshop"],
            category__slug=row["category"],
        )
        assert agreement.effective_from == datetime.date(2026, 1, 1)
        assert agreement.rates == row["rates"]
        assert agreement.fee_bearer == row["fee_bearer"]
        assert (
            agreement.unattributed_host_share_to == (row["unattributed_host_share_to"])
        )
        assert agreement.created_by == operator
        assert agreement.note


def test_the_agreement_book_picks_overrides_and_brand_defaults(loaded_demo):
    book = AgreementBook()
    day = datetime.date(2026, 6, 1)
    by_scope = {
        (
            a.brand.slug,
            a.workshop and a.workshop.slug,
            a.category and a.category.slug,
        ): a
        for a in ShareAgreement.objects.exclude(brand=None).select_related(
            "brand", "workshop", "category"
        )
    }
    cases = [
        # (sku, the scope whose agreement applies)
        ("BL-ZB-001-JD", ("banlan-haian", "xihugang-zhibo", None)),
        ("BL-HY-001-1T", ("banlan-haian", None, None)),
        ("XD-YG-001-400", ("xiaodao-xiajiucai", None, None)),
    ]
    straw = ProductVariant.objects.filter(
        product__brand__slug="linhai-gongfu", product__category__slug="straw-weaving"
    ).first()
    cases.append((straw.sku, ("linhai-gongfu", None, "handicrafts")))
    noodles = ProductVariant.objects.filter(
        product__brand__slug="linhai-gongfu",
        product__category__slug="noodles-and-pastries",
    ).first()
    cases.append((noodles.sku, ("linhai-gongfu", None, None)))
    for sku, scope in cases:
        product = ProductVariant.objects.select_related("product").get(sku=sku).product
        terms = book.terms_for(
            brand_id=product.brand_id,
            workshop_id=product.workshop_id,
            category_id=product.category_id,
            day=day,
        )
        assert terms.agreement_id == by_scope[scope].pk, sku


def test_every_demo_organisation_and_the_host_has_a_party_with_a_bank(loaded_demo):
    assert loaded_demo.summary.created["parties"] == len(revenue_data.PAYOUT_ACCOUNTS)
    for (kind, key), bank in revenue_data.PAYOUT_ACCOUNTS.items():
        party = _party(kind, key)
        if bank is None:
            assert party.payout_method is None
            continue
        assert party.payout_method == "bank", party
        assert party.bank_account_number == bank["bank_account_number"]
        assert party.bank_name == bank["bank_name"]
        party.full_clean()
    banlan = _party("brand", "banlan-haian")
    assert banlan.bank_account_name == "象山县黄避岙乡强村富民发展有限公司"
    village = _party("village", "xiangshan-gaoni")
    assert village.bank_account_name == "象山县黄避岙乡高泥村股份经济合作社"
    host = _party("host", "host_xiaomei")
    assert (host.name, host.bank_account_name) == ("小美", "郑小美")
    unpaid = Party.objects.filter(stripe_account_id="", bank_account_number="").exclude(
        kind=PartyKind.PLATFORM
    )
    assert list(unpaid) == [_party("workshop", UNPAID_WORKSHOP)]


def test_without_stripe_the_demo_says_the_brand_is_paid_by_bank(loaded_demo, settings):
    settings.STRIPE_SECRET_KEY = ""
    before = revenue_snapshot()
    loader = _Loader(None)

    connect_stripe(loader, _banlan())

    assert revenue_snapshot() == before
    assert _party("brand", "banlan-haian").payout_method == "bank"
    [note] = loader.summary.notes
    assert "Stripe 未配置" in note and "is paid by bank transfer" in note


# Reruns -----------------------------------------------------------------------


def test_a_second_run_changes_no_agreement_party_or_account(loaded_demo):
    before = revenue_snapshot()
    summary = demo_load()
    assert summary.total_created == 0
    assert summary.total_updated == 0
    assert revenue_snapshot() == before


def test_a_rerun_keeps_payout_details_an_operator_changed(loaded_demo):
    huangyu = _party("workshop", "huangbiao-huangyu")
    Party.objects.filter(pk=huangyu.pk).update(
        stripe_account_id="acct_1OperatorSet", bank_account_number="62220000000000001"
    )
    unpaid = _party("workshop", UNPAID_WORKSHOP)
    Party.objects.filter(pk=unpaid.pk).update(
        bank_account_name="蚂蚁岛渔嫂鱼干工坊",
        bank_name="浙江舟山普陀农村商业银行蚂蚁岛支行",
        bank_account_number="6222000000000099",
    )
    before = revenue_snapshot()

    summary = demo_load()

    assert summary.total_created == 0 and summary.total_updated == 0
    assert revenue_snapshot() == before


def test_a_rerun_fills_in_details_that_were_cleared_and_restores_a_lost_party(
    loaded_demo,
):
    village = _party("village", "mayidao-houao")
    Party.objects.filter(pk=village.pk).update(bank_account_number="")
    brand = Brand.objects.get(slug="dongcheng-caideng")
    Account.objects.filter(party__brand=brand).delete()
    Party.objects.filter(brand=brand).delete()

    summary = demo_load()

    assert summary.created == {"parties": 1}
    assert summary.updated == {"parties": 1}
    village.refresh_from_db()
    expected = revenue_data.PAYOUT_ACCOUNTS[("village", "mayidao-houao")]
    assert village.bank_account_number == expected["bank_account_number"]
    assert _party("brand", "dongcheng-caideng").payout_method == "bank"


def test_an_agreement_in_force_is_left_as_it_is(loaded_demo):
    agreement = ShareAgreement.objects.get(
        brand__slug="banlan-haian", workshop=None, category=None
    )
    ShareAgreement.objects.filter(pk=agreement.pk).update(note="运营备注")
    summary = demo_load()
    assert summary.total_updated == 0
    agreement.refresh_from_db()
    assert agreement.note == "运营备注"


# Stripe (optional) ------------------------------------------------------------


def _banlan():
    return Brand.objects.get(slug=revenue_data.STRIPE_CONNECTED_BRAND)


@pytest.mark.usefixtures("stripe_settings")
def test_with_stripe_one_brand_gets_a_connected_account_once(loaded_demo):
    loader = _Loader(None)
    connect_stripe(loader, _banlan())

    party = _party("brand", "banlan-haian")
    assert party.stripe_account_id.startswith("acct_")
    assert party.payout_method == "stripe"
    assert party.bank_account_number  # kept as well
    assert loader.summary.updated == {"parties": 1} and not loader.summary.notes

    again = _Loader(None)
    connect_stripe(again, _banlan())
    party.refresh_from_db()
    assert again.summary.updated == {} and not again.summary.notes
    assert _party("brand", "banlan-haian").stripe_account_id == party.stripe_account_id


@pytest.mark.usefixtures("stripe_settings")
def test_an_account_the_stand_in_forgot_is_replaced(loaded_demo):
    Party.objects.filter(brand=_banlan()).update(stripe_account_id="acct_gone0000")
    loader = _Loader(None)
    connect_stripe(loader, _banlan())
    account_id = _party("brand", "banlan-haian").stripe_account_id
    assert account_id.startswith("acct_") and account_id != "acct_gone0000"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_stripe_leaves_the_bank_account_and_says_so(loaded_demo, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_unreachable"
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{_closed_port()}"
    before = revenue_snapshot()
    loader = _Loader(None)

    connect_stripe(loader, _banlan())

    assert revenue_snapshot() == before
    assert _party("brand", "banlan-haian").payout_method == "bank"
    [note] = loader.summary.notes
    assert "Stripe 暂时无法连接（APIConnectionError）" in note
    assert "Stripe cannot be reached (APIConnectionError)" in note
    assert "is paid by bank transfer" in note


# In use -----------------------------------------------------------------------


@pytest.mark.usefixtures("stripe_settings")
def test_demo_orders_split_by_its_agreements_and_the_unpaid_party_is_skipped(
    loaded_demo, client
):
    operator = get_user_model().objects.get(username="operator")
    orders = [
        paid_order(client, [(ProductVariant.objects.get(sku=sku), 2)], user=make_user())
        for sku in ("BL-ZB-001-JD", "XD-YG-001-400")
    ]
    for order in orders:
        assert order_split(order=order)

    override = ShareAgreement.objects.get(workshop__slug="xihugang-zhibo")
    line_share = Share.objects.get(
        order=orders[0], role="workshop", order_line__isnull=False
    )
    assert line_share.agreement == override
    # No host sold it: the override gives the host's 15 % to the workshop.
    assert line_share.amount_fen == 2 * 19800 * (6000 + 1500) // 10_000

    batch = payout_batch_propose(user=operator, threshold_fen=1)

    unpaid = _party("workshop", UNPAID_WORKSHOP)
    assert [s["party"] for s in batch.skipped] == [unpaid.pk]
    assert "没有收款方式" in batch.skipped[0]["reason"]
    paid_parties = set(batch.payouts.values_list("party_id", flat=True))
    assert _party("workshop", "xihugang-zhibo").pk in paid_parties
    assert _party("village", "mayidao-houao").pk in paid_parties
    assert set(batch.payouts.values_list("method", flat=True)) == {"bank"}
