"""Monthly statements over GraphQL: the same people as balances may read
them, their figures are the ledger's, and a bad month names the `month`
field in Chinese and English."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from brands.models import Role
from revenue.models import Party
from revenue.payouts import (
    payout_batch_approve,
    payout_batch_propose,
    payout_mark_paid,
)
from revenue.statements import next_month, previous_month
from storefront.payments.refunds import order_refund
from tests.factories import grant, make_user
from tests.storefront.graphql.test_revenue_balance import (
    BALANCE,
    gid,
    login,
    make_place,
    owed_in_ledger,
    refusal,
    split_order,
)

# "This month" is read here and in the shop: at noon, it is the same month.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("stripe_settings", "midday"),
]

STATEMENT = """query($party: ID!, $month: String!, $first: Int, $after: String) {
  statements(party: $party, month: $month) {
    party { id kind }
    month
    openingOwedFen salesFen refundsFen feesFen payoutsFen closingOwedFen
    openingOwed { amount: fractionalAmount } closingOwed { amount: fractionalAmount
      formatted }
    lines(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node {
        postedAt kind orderNumber productName quantity lineTotalFen
        amountFen amount { amount: fractionalAmount } reference
      } }
    }
  }
}"""


def this_month() -> date:
    today = timezone.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    return today.replace(day=1)


def label(month: date) -> str:
    return month.strftime("%Y-%m")


def statement(gql, party, month: date, **page):
    body = gql(STATEMENT, {"party": gid(party), "month": label(month), **page})
    assert "errors" not in body, body
    return body["data"]["statements"]


@pytest.fixture
def place(client):
    return make_place(client)


@pytest.fixture
def treasurer(place):
    user = make_user()
    grant(user, Role.VILLAGE_TREASURER, place.parties["village"].village)
    return user


def test_the_month_of_a_sale(client, gql, place, treasurer):
    login(client, treasurer)
    village = place.parties["village"]
    month = statement(gql, village, this_month())
    assert month["party"] == {"id": gid(village), "kind": "VILLAGE"}
    assert month["month"] == label(this_month())
    assert month["openingOwedFen"] == 0
    assert month["salesFen"] == 1194
    assert (month["refundsFen"], month["feesFen"], month["payoutsFen"]) == (0, 0, 0)
    assert month["closingOwedFen"] == 1194 == owed_in_ledger(village)
    assert month["closingOwed"] == {"amount": 1194, "formatted": "¥11.94"}
    [line] = [edge["node"] for edge in month["lines"]["edges"]]
    order_line = place.order.lines.get()
    assert line["kind"] == "SALE"
    assert line["orderNumber"] == place.order.number
    assert order_line.product_name in line["productName"]
    assert line["quantity"] == 3
    assert line["lineTotalFen"] == 11940
    assert line["amountFen"] == line["amount"]["amount"] == 1194


def test_the_platform_bears_the_fee_in_its_statement(client, gql, place):
    login(client, make_user(staff=True))
    platform = place.parties["platform"]
    month = statement(gql, platform, this_month())
    kinds = sorted(edge["node"]["kind"] for edge in month["lines"]["edges"])
    assert kinds == ["FEE", "SALE"]
    assert month["feesFen"] < 0
    assert month["salesFen"] == 597
    assert month["closingOwedFen"] == 597 + month["feesFen"]
    assert month["closingOwedFen"] == owed_in_ledger(platform)


def test_refund_and_payout_lines_agree_with_the_balance(client, gql, place):
    operator = make_user(staff=True)
    workshop = place.parties["workshop"]
    order_refund(order=place.order, user=operator, amount_fen=3980)
    Party.objects.filter(pk=workshop.pk).update(
        bank_account_name="测试工坊",
        bank_name="象山农商银行",
        bank_account_number="6228480000001234",
    )
    batch = payout_batch_propose(user=operator, threshold_fen=1)
    payout_batch_approve(batch=batch, user=operator)
    payout = batch.payouts.get(party=workshop)
    payout_mark_paid(payout=payout, user=operator, bank_reference="BANK-REF-77")

    login(client, operator)
    month = statement(gql, workshop, this_month())
    lines = [edge["node"] for edge in month["lines"]["edges"]]
    assert [line["kind"] for line in lines] == ["SALE", "REFUND", "PAYOUT"]
    assert month["salesFen"] == 8358
    assert month["refundsFen"] == -2786 == lines[1]["amountFen"]
    assert month["payoutsFen"] == -(8358 - 2786) == lines[2]["amountFen"]
    assert "BANK-REF-77" in lines[2]["reference"]
    assert month["closingOwedFen"] == 0
    balance = gql(BALANCE, {"party": gid(workshop)})["data"]["ledgerBalance"]
    assert balance["owedFen"] == month["closingOwedFen"]
    assert balance["paidOutFen"] == 8358 - 2786


def test_other_months_open_and_close_on_the_ledger(client, gql, place, treasurer):
    login(client, treasurer)
    village = place.parties["village"]
    before = statement(gql, village, previous_month(this_month()))
    assert before["lines"]["totalCount"] == 0
    assert before["openingOwedFen"] == before["closingOwedFen"] == 0
    after = statement(gql, village, next_month(this_month()))
    assert after["lines"]["edges"] == []
    assert after["openingOwedFen"] == after["closingOwedFen"] == 1194


def test_statement_lines_page(client, gql, place):
    # Under ¥99 the parcel pays shipping, which goes to the workshop.
    order = split_order(client, items=((1000, 1), (2000, 1), (3000, 1)), place=place)
    assert order.shipping_fen > 0
    login(client, make_user(staff=True))
    workshop = place.parties["workshop"]
    first = statement(gql, workshop, this_month(), first=2)
    assert first["lines"]["totalCount"] == 5
    assert first["lines"]["pageInfo"]["hasNextPage"] is True
    rest = statement(
        gql,
        workshop,
        this_month(),
        first=1000,
        after=first["lines"]["pageInfo"]["endCursor"],
    )
    assert rest["lines"]["pageInfo"]["hasNextPage"] is False
    lines = [e["node"] for e in first["lines"]["edges"] + rest["lines"]["edges"]]
    assert [line["orderNumber"] for line in lines] == [place.order.number] + [
        order.number
    ] * 4
    assert sorted(line["kind"] for line in lines) == ["SALE"] * 4 + ["SHIPPING"]
    shipping = next(line for line in lines if line["kind"] == "SHIPPING")
    assert shipping["amountFen"] == order.shipping_fen
    assert sum(line["amountFen"] for line in lines) == first["salesFen"]
    assert first["closingOwedFen"] == owed_in_ledger(workshop)


@pytest.mark.parametrize(
    "bad",
    ["2026-13", "2026-00", "2026-1", "26-11", "2026/11", "2026-11-01", "", "十一月"],
)
def test_a_bad_month_names_the_month_field(client, gql, place, treasurer, bad):
    login(client, treasurer)
    body = gql(STATEMENT, {"party": gid(place.parties["village"]), "month": bad})
    assert refusal(body, "statements") == {
        "code": "INVALID_MONTH",
        "field": "month",
        "message": "月份格式应为 YYYY-MM / The month must look like YYYY-MM",
    }


def test_permission_is_checked_before_the_month(client, gql, place):
    """Someone refused learns nothing, not even that the month was wrong."""
    login(client, place.order.user)
    body = gql(STATEMENT, {"party": gid(place.parties["village"]), "month": "x"})
    assert refusal(body, "statements")["code"] == "PERMISSION_DENIED"


def test_who_may_read_a_statement(client, gql, place, treasurer):
    other = make_place(client)
    month = label(this_month())
    cases = [
        (treasurer, "village", True),
        (treasurer, "workshop", False),
        (place.host, "host", True),
        (other.host, "host", False),
        (None, "village", False),
        (make_user(staff=True), "brand", True),
    ]
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, place.parties["workshop"].workshop)
    brand_operator = make_user()
    grant(brand_operator, Role.BRAND_OPERATOR, place.parties["brand"].brand)
    cases += [
        (manager, "workshop", True),
        (manager, "village", False),
        (brand_operator, "brand", True),
        (brand_operator, "platform", False),
    ]
    for user, kind, allowed in cases:
        login(client, user)
        party = place.parties[kind]
        body = gql(STATEMENT, {"party": gid(party), "month": month})
        if allowed:
            closing = body["data"]["statements"]["closingOwedFen"]
            assert closing == owed_in_ledger(party), (user, kind)
        else:
            error = refusal(body, "statements")
            assert error["code"] == "PERMISSION_DENIED", (user, kind)


def test_a_bad_party_id_is_not_found(client, gql, place):
    login(client, make_user(staff=True))
    body = gql(STATEMENT, {"party": "Party:1", "month": label(this_month())})
    assert refusal(body, "statements")["code"] == "NOT_FOUND"


def test_statement_query_count_does_not_grow_with_lines(client, gql, place):
    login(client, make_user(staff=True))
    variables = {"party": gid(place.parties["workshop"]), "month": label(this_month())}

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            body = gql(STATEMENT, variables)
        assert "errors" not in body
        return len(captured), body["data"]["statements"]["lines"]["totalCount"]

    few = count()
    split_order(client, items=((1000, 2), (2000, 1), (3000, 1)), place=place)
    many = count()
    # Session, user, the party, and the statement's own three reads.
    assert many[1] > few[1]
    assert many[0] == few[0] <= 6
