"""A party's monthly statement agrees with the ledger to the fen: opening,
every share, refund, fee and payout, closing; months are Shanghai months."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db.models import Sum

from brands.models import Brand, Village, Workshop
from revenue.agreements import agreement_create
from revenue.errors import RevenueError, RevenueErrorCode
from revenue.ledger import Posting, ledger_post_many, ledger_reverse
from revenue.models import (
    AccountKind,
    EntryKind,
    JournalEntry,
    Party,
    PartyKind,
    Payout,
    PayoutBatch,
    Share,
)
from revenue.parties import accounts_for, party_get_or_create
from revenue.payouts import (
    payout_batch_approve,
    payout_batch_propose,
    payout_mark_paid,
)
from revenue.selectors import party_balance
from revenue.statements import (
    TIMEZONE,
    month_start,
    next_month,
    parse_month,
    party_statement,
)
from storefront.catalog.models import ProductVariant
from storefront.payments.refunds import order_refund
from tests.factories import make_brand, make_user, make_village, make_workshop
from tests.shop_helpers import make_variant, paid_order

pytestmark = pytest.mark.django_db


# Shared with the page and figure tests ------------------------------------


@dataclass
class SplitShop:
    operator: object
    brand: Brand
    village: Village
    workshop: Workshop
    variant: ProductVariant


def split_shop(
    *, fee_bearer: str = "platform", price_fen: int = 1280, shipping_fen: int = 0
) -> SplitShop:
    """A brand with its own agreement (workshop 70 %, village 12 %, brand
    10 %, host 5 % — to the village without a host —, platform 3 %) and one
    product of a workshop in a new village."""
    operator = make_user(staff=True)
    brand = make_brand()
    village = make_village()
    workshop = make_workshop(
        brands=[brand],
        village=village,
        shipping_fee_fen=shipping_fen,
        free_shipping_threshold_fen=None,
    )
    agreement_create(
        user=operator,
        effective_from=date(2020, 1, 1),
        allow_past=True,
        brand=brand,
        workshop_bp=7000,
        village_bp=1200,
        brand_bp=1000,
        host_bp=500,
        platform_bp=300,
        fee_bearer=fee_bearer,
    )
    variant = make_variant(price_fen, 100, workshop=workshop, brand=brand)
    return SplitShop(operator, brand, village, workshop, variant)


def pay(client, capture, variant, quantity):
    """A paid order, split by the task its payment queued."""
    with capture(execute=True):
        return paid_order(client, [(variant, quantity)], user=make_user())


def party_of(kind, target) -> Party:
    return party_get_or_create(kind=kind, target=target)


def dated_payout(party: Party, amount_fen: int, when: datetime, reference: str):
    """A bank payout posted at `when`: the ledger's one way to date an entry."""
    batch = PayoutBatch.objects.create(threshold_fen=1)
    payout = Payout.objects.create(
        batch=batch,
        party=party,
        amount_fen=amount_fen,
        method="bank",
        status="paid",
        bank_reference=reference,
        paid_at=when,
    )
    payable = accounts_for([party.pk], AccountKind.PAYABLE)[party.pk]
    paid_out = accounts_for([party.pk], AccountKind.PAID_OUT)[party.pk]
    posting = Posting(kind=EntryKind.PAYOUT, payout_id=payout.pk)
    posting.add(payable, amount_fen)
    posting.add(paid_out, -amount_fen)
    ledger_post_many([posting], posted_at=when)
    return payout


def month_of(moment: datetime) -> date:
    local = moment.astimezone(TIMEZONE)
    return date(local.year, local.month, 1)


# parse_month ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11", date(2026, 11, 1)),
        ("2026-01", date(2026, 1, 1)),
        ("2025-12", date(2025, 12, 1)),
    ],
)
def test_parse_month_reads_year_and_month(text, expected):
    assert parse_month(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-13",
        "2026-00",
        "26-1",
        "2026-1",
        "abcd",
        "",
        "2026-11-01",
        " 2026-11",
        "2026-11\n",
        "2026/11",
        "２０２６-１１",  # full-width digits
        "0000-01",
        "9999-12",
        "2" * 10_000,
        "2026-11" * 1_000,
        None,
    ],
)
def test_parse_month_refuses_anything_else(text):
    with pytest.raises(RevenueError) as caught:
        parse_month(text)
    assert caught.value.code == RevenueErrorCode.INVALID_MONTH
    assert caught.value.field == "month"
    assert "YYYY-MM" in caught.value.message


# Statements of real split orders -------------------------------------------


@pytest.mark.usefixtures("stripe_settings")
def test_statement_lists_sales_refund_fee_and_payout_and_matches_the_ledger(
    client, django_capture_on_commit_callbacks
):
    shop = split_shop(fee_bearer="workshop", shipping_fen=800)
    first = pay(client, django_capture_on_commit_callbacks, shop.variant, 3)
    second = pay(client, django_capture_on_commit_callbacks, shop.variant, 2)
    refund = order_refund(order=first, user=shop.operator, amount_fen=1001)
    village = party_of(PartyKind.VILLAGE, shop.village)
    Party.objects.filter(pk=village.pk).update(
        bank_account_name="测试村股份经济合作社",
        bank_name="象山农商银行",
        bank_account_number="6228480012345678",
    )
    batch = payout_batch_propose(user=shop.operator, threshold_fen=1)
    batch = payout_batch_approve(batch=batch, user=shop.operator)
    payout = batch.payouts.get(party=village)
    payout_mark_paid(payout=payout, user=shop.operator, bank_reference="BR-2026-001")
    month = month_of(first.paid_at)

    statement = party_statement(party=village, month=month)

    # 3 × ¥12.80 = ¥38.40; the village has 12 % + the host's 5 %: 17 % is
    # ¥6.528, ¥6.53 by largest remainder. 2 × ¥12.80: ¥4.352 → ¥4.35.
    sales = [line for line in statement.lines if line.kind == "sale"]
    assert [
        (s.order_number, s.quantity, s.line_total_fen, s.amount_fen) for s in sales
    ] == [
        (first.number, 3, 3840, 653),
        (second.number, 2, 2560, 435),
    ]
    product = shop.variant.product
    assert sales[0].product_name == f"{product.name} {shop.variant.name}"
    refund_share = Share.objects.filter(entry__refund=refund, party=village).aggregate(
        total=Sum("amount_fen")
    )["total"]
    [refund_line] = [line for line in statement.lines if line.kind == "refund"]
    assert refund_line.amount_fen == refund_share < 0
    assert refund_line.order_number == first.number
    assert refund_line.quantity == 3
    # Our refund number, never the processor's refund id.
    assert refund_line.reference == f"R-{refund.pk}"
    assert refund.stripe_refund_id.startswith("re_")
    assert refund_line.workshop_name == sales[0].workshop_name == shop.workshop.name
    [payout_line] = statement.payouts
    payout.refresh_from_db()
    assert payout_line.amount_fen == -payout.amount_fen
    assert payout.amount_fen == 653 + 435 + refund_share
    assert payout_line.reference == f"PB-{batch.pk:05d} BR-2026-001"
    assert payout_line.order_number == "" and payout_line.product_name == ""
    assert [line.kind for line in statement.lines] == [
        "sale",
        "sale",
        "refund",
        "payout",
    ]
    assert statement.opening_owed_fen == 0
    assert statement.sales_fen == 1088
    assert statement.refunds_fen == refund_share
    assert statement.fees_fen == 0
    assert statement.payouts_fen == -payout.amount_fen
    assert statement.closing_owed_fen == 0 == party_balance(village).owed_fen

    # The workshop bears the processor's fee; every party's statement closes
    # on its balance.
    workshop = party_of(PartyKind.WORKSHOP, shop.workshop)
    workshop_statement = party_statement(party=workshop, month=month)
    fees = [line for line in workshop_statement.lines if line.kind == "fee"]
    # One fee line per order (its line's and its parcel's parts together).
    assert len(fees) == 2 and all(line.amount_fen < 0 for line in fees)
    shipping = [x for x in workshop_statement.lines if x.kind == "shipping"]
    assert [(line.order_number, line.amount_fen) for line in shipping] == [
        (first.number, 800),
        (second.number, 800),
    ]
    assert workshop_statement.sales_fen == sum(
        line.amount_fen
        for line in workshop_statement.lines
        if line.kind in ("sale", "shipping")
    )
    assert all(line.product_name == "" and line.quantity is None for line in fees)
    assert workshop_statement.fees_fen == sum(line.amount_fen for line in fees)
    for party in Party.objects.all():
        st = party_statement(party=party, month=month)
        assert st.closing_owed_fen == party_balance(party).owed_fen, party
        assert st.closing_owed_fen == (
            st.opening_owed_fen
            + st.sales_fen
            + st.refunds_fen
            + st.fees_fen
            + st.payouts_fen
        )
        assert st.closing_owed_fen == st.opening_owed_fen + sum(
            line.amount_fen for line in st.lines
        )
        posted_at = [line.posted_at for line in st.lines]
        assert posted_at == sorted(posted_at)


@pytest.mark.usefixtures("stripe_settings")
def test_opening_and_closing_carry_across_months(
    client, django_capture_on_commit_callbacks
):
    shop = split_shop()
    order = pay(client, django_capture_on_commit_callbacks, shop.variant, 3)
    village = party_of(PartyKind.VILLAGE, shop.village)
    month = month_of(order.paid_at)
    following = next_month(month)
    # A payout early next month, posted with its own date (entries are never
    # updated, so the date is given when posting).
    dated_payout(village, 500, month_start(following) + timedelta(days=2), "BR-7")

    before = party_statement(party=village, month=date(2019, 12, 1))
    this = party_statement(party=village, month=month)
    after = party_statement(party=village, month=following)

    assert (before.opening_owed_fen, before.lines, before.closing_owed_fen) == (
        0,
        [],
        0,
    )
    assert this.opening_owed_fen == 0
    assert this.closing_owed_fen == 653
    assert after.opening_owed_fen == 653
    assert [(line.kind, line.amount_fen) for line in after.lines] == [("payout", -500)]
    assert after.closing_owed_fen == 153 == party_balance(village).owed_fen
    later = party_statement(party=village, month=next_month(following))
    assert (later.opening_owed_fen, later.lines) == (153, [])


def test_months_are_calendar_months_in_shanghai():
    village = party_of(PartyKind.VILLAGE, make_village())
    # 23:59:59 on 31 January and 00:00 on 1 February, Beijing time.
    january = datetime(2025, 1, 31, 15, 59, 59, tzinfo=UTC)
    february = datetime(2025, 1, 31, 16, 0, 0, tzinfo=UTC)
    dated_payout(village, 300, january, "BR-1")
    dated_payout(village, 200, february, "BR-2")

    jan = party_statement(party=village, month=date(2025, 1, 1))
    feb = party_statement(party=village, month=date(2025, 2, 1))

    assert [line.reference.split()[-1] for line in jan.lines] == ["BR-1"]
    assert jan.opening_owed_fen == 0 and jan.closing_owed_fen == -300
    assert [line.reference.split()[-1] for line in feb.lines] == ["BR-2"]
    assert feb.opening_owed_fen == -300 and feb.closing_owed_fen == -500
    assert feb.payouts_fen == -200
    assert feb.closing_owed_fen == party_balance(village).owed_fen
    # Any day of the month asks for the whole month.
    assert party_statement(party=village, month=date(2025, 2, 17)) == feb


@pytest.mark.usefixtures("stripe_settings")
def test_a_correcting_reversal_reads_as_what_it_takes_back(
    client, django_capture_on_commit_callbacks
):
    shop = split_shop()
    order = pay(client, django_capture_on_commit_callbacks, shop.variant, 3)
    village = party_of(PartyKind.VILLAGE, shop.village)
    sale = JournalEntry.objects.get(order=order, kind=EntryKind.SALE)
    payout = dated_payout(village, 100, sale.posted_at, "BR-9")
    ledger_reverse(entry=payout.journal_entries.get(), memo="test correction")

    statement = party_statement(party=village, month=month_of(order.paid_at))

    kinds = [(line.kind, line.amount_fen) for line in statement.lines]
    assert kinds == [("sale", 653), ("payout", -100), ("payout", 100)]
    assert statement.lines[2].correction and not statement.lines[1].correction
    assert statement.lines[2].reference.endswith("BR-9")
    assert statement.closing_owed_fen == 653 == party_balance(village).owed_fen


@pytest.mark.usefixtures("stripe_settings")
@pytest.mark.parametrize("orders", [1, 6])
def test_a_statement_takes_three_queries_however_many_lines(
    client, django_capture_on_commit_callbacks, django_assert_num_queries, orders
):
    shop = split_shop(fee_bearer="village")
    for _ in range(orders):
        last = pay(client, django_capture_on_commit_callbacks, shop.variant, 1)
    village = party_of(PartyKind.VILLAGE, shop.village)
    dated_payout(village, 50, last.paid_at, "BR-3")

    with django_assert_num_queries(3):
        statement = party_statement(party=village, month=month_of(last.paid_at))

    assert len(statement.lines) == 2 * orders + 1  # a share and a fee each
    assert statement.closing_owed_fen == party_balance(village).owed_fen
