"""Revenue over GraphQL: who may see a party, its balance straight from the
ledger, and the parties a viewer may see. Orders are real: paid at the
session's localstripe, marked paid by their signed webhook and split by
revenue.order_split.order_split under the platform-default agreement
(workshop 70 %, village 10 %, brand 10 %, host 5 %, platform 5 % less the
processor's fee)."""

import json
from dataclasses import dataclass, field

import pytest
from django.db.models import Sum
from graphql_relay import to_global_id

from brands.models import Membership, Role
from brands.permissions import Action, user_can
from revenue.models import Account, AccountKind, Party, PartyKind, Share, ShareRole
from revenue.order_split import order_split
from revenue.parties import party_get_or_create
from storefront.orders.models import Order
from storefront.payments.refunds import order_refund
from tests.factories import (
    grant,
    make_brand,
    make_user,
    make_village,
    make_workshop,
)
from tests.shop_helpers import make_variant, paid_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

KINDS = ("workshop", "village", "brand", "host", "platform")


@dataclass
class Place:
    """A brand, village and workshop, one real order of 3 × ¥39.80 sold by
    `host`, split; `parties` by kind, the platform's included."""

    order: Order
    host: object
    parties: dict = field(default_factory=dict)


def split_order(client, *, host=None, items=((3980, 3),), place=None):
    """A paid order at a new brand/village/workshop (or `place`'s), sold by
    `host`, split into the ledger."""
    if place is None:
        brand, village = make_brand(), make_village()
        workshop = make_workshop(brands=[brand], village=village)
    else:
        workshop = place.parties["workshop"].workshop
        brand = place.parties["brand"].brand
    lines = [
        (make_variant(price, 10, workshop=workshop, brand=brand), qty)
        for price, qty in items
    ]
    order = paid_order(client, lines, user=make_user())
    if host is not None:
        # The host sells the brand: its commission is paid on these lines.
        if not Membership.objects.filter(
            user=host, role=Role.LIVESTREAM_HOST, brand=brand
        ).exists():
            grant(host, Role.LIVESTREAM_HOST, brand)
        Order.objects.filter(pk=order.pk).update(host=host)
        order.refresh_from_db()
    assert order_split(order=order) is True
    return order


def make_place(client) -> Place:
    host = make_user()
    order = split_order(client, host=host)
    line = order.lines.select_related("workshop__village", "brand").first()
    targets = {
        "workshop": line.workshop,
        "village": line.workshop.village,
        "brand": line.brand,
        "host": host,
        "platform": None,
    }
    parties = {
        kind: party_get_or_create(kind=kind, target=target)
        for kind, target in targets.items()
    }
    return Place(order=order, host=host, parties=parties)


def gid(party) -> str:
    return to_global_id("Party", party.pk)


def owed_in_ledger(party) -> int:
    account = Account.objects.filter(party=party, kind=AccountKind.PAYABLE).first()
    return -account.balance_fen if account else 0


def viewers(place: Place, other: Place) -> dict:
    """Every role, each against `place`; None is anonymous."""
    treasurer, other_treasurer = make_user(), make_user()
    grant(treasurer, Role.VILLAGE_TREASURER, place.parties["village"].village)
    grant(other_treasurer, Role.VILLAGE_TREASURER, other.parties["village"].village)
    manager, brand_operator = make_user(), make_user()
    grant(manager, Role.WORKSHOP_MANAGER, place.parties["workshop"].workshop)
    grant(brand_operator, Role.BRAND_OPERATOR, place.parties["brand"].brand)
    # A host of the brand is not its operator: it sees only its own party.
    grant(other.host, Role.LIVESTREAM_HOST, place.parties["brand"].brand)
    return {
        "operator": make_user(staff=True),
        "treasurer": treasurer,
        "other_treasurer": other_treasurer,
        "workshop_manager": manager,
        "brand_operator": brand_operator,
        "host": place.host,
        "other_host": other.host,
        "customer": place.order.user,
        "anonymous": None,
    }


# What each role may see of `place`.
ALLOWED = {
    "operator": set(KINDS),
    "treasurer": {"village"},
    "other_treasurer": set(),
    "workshop_manager": {"workshop"},
    "brand_operator": {"brand"},
    "host": {"host"},
    "other_host": set(),
    "customer": set(),
    "anonymous": set(),
}


def login(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)


def refusal(body, field_name: str) -> dict:
    """The one error of a refused field, whose data is null."""
    assert body["data"][field_name] is None, body
    [error] = body["errors"]
    assert error["path"] == [field_name]
    return {
        "code": error["extensions"]["code"],
        "field": error["extensions"]["field"],
        "message": error["message"],
    }


BALANCE = """query($party: ID!) {
  ledgerBalance(party: $party) {
    party { id kind name payoutMethod bankAccountMasked }
    owedFen paidOutFen earnedFen
    owed { amount: fractionalAmount currency formatted } paidOut {
      amount: fractionalAmount } earned { amount: fractionalAmount }
  }
}"""
MY_PARTIES = """query($kind: PartyKind, $first: Int, $after: String) {
  myParties(kind: $kind, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id kind name } }
  }
}"""


@pytest.fixture
def place(client):
    return make_place(client)


@pytest.fixture
def other(client):
    return make_place(client)


def test_each_role_sees_only_its_own_party(client, gql, place, other):
    people = viewers(place, other)
    for role, user in people.items():
        login(client, user)
        for kind in KINDS:
            party = place.parties[kind]
            body = gql(BALANCE, {"party": gid(party)})
            assert (kind in ALLOWED[role]) == user_can(
                user, Action.VIEW_PARTY_ACCOUNTS, party
            ), (role, kind)
            if kind in ALLOWED[role]:
                balance = body["data"]["ledgerBalance"]
                assert "errors" not in body, (role, kind)
                assert balance["party"]["id"] == gid(party)
                assert balance["owedFen"] == owed_in_ledger(party) > 0
            else:
                error = refusal(body, "ledgerBalance")
                assert error["code"] == "PERMISSION_DENIED", (role, kind)
                assert (
                    error["message"]
                    == "没有权限 / You do not have permission to do this"
                )
                assert "owedFen" not in json.dumps(body)


def test_balance_figures_are_the_ledger(client, gql, place):
    login(client, make_user(staff=True))
    paid = place.order.paid_fen
    assert paid == 11940
    fee = -Share.objects.get(order=place.order, role=ShareRole.FEE).amount_fen
    expected = {
        "workshop": 8358,
        "village": 1194,
        "brand": 1194,
        "host": 597,
        "platform": 597 - fee,
    }
    owed = {}
    for kind in KINDS:
        party = place.parties[kind]
        balance = gql(BALANCE, {"party": gid(party)})["data"]["ledgerBalance"]
        owed[kind] = balance["owedFen"]
        shares = Share.objects.filter(party=party).aggregate(s=Sum("amount_fen"))["s"]
        assert balance["owedFen"] == owed_in_ledger(party) == shares
        assert balance["paidOutFen"] == 0
        assert balance["earnedFen"] == balance["owedFen"]
        assert balance["owed"]["amount"] == balance["owedFen"]
        assert balance["party"]["kind"] == kind.upper()
        assert balance["party"]["name"] == party.name
    assert owed == expected
    clearing = Account.objects.get(kind=AccountKind.CLEARING).balance_fen
    assert sum(owed.values()) == paid - fee == clearing
    workshop = gql(BALANCE, {"party": gid(place.parties["workshop"])})
    assert workshop["data"]["ledgerBalance"]["owed"] == {
        "amount": 8358,
        "currency": "CNY",
        "formatted": "¥83.58",
    }


def test_a_refund_shows_at_once_and_is_never_cached(client, gql, place):
    """The next read after a refund has the new figure: balances are answered
    fresh, to the signed-out refusal too (public catalogue answers are the
    only cached ones)."""
    village = place.parties["village"]
    treasurer = make_user()
    grant(treasurer, Role.VILLAGE_TREASURER, village.village)
    payload = json.dumps({"query": BALANCE, "variables": {"party": gid(village)}})

    def read():
        response = client.post("/graphql/", payload, content_type="application/json")
        assert "X-Page-Cache" not in response
        return response.json()

    assert refusal(read(), "ledgerBalance")["code"] == "PERMISSION_DENIED"
    assert refusal(read(), "ledgerBalance")["code"] == "PERMISSION_DENIED"
    client.force_login(treasurer)
    assert read()["data"]["ledgerBalance"]["owedFen"] == 1194
    order_refund(order=place.order, user=make_user(staff=True), amount_fen=3980)
    after = read()["data"]["ledgerBalance"]
    assert after["owedFen"] == owed_in_ledger(village) == 1194 - 398
    assert after["earnedFen"] == 796


def test_revenue_fields_are_not_cacheable_catalogue_fields():
    from config.schema import schema
    from storefront.graphql.view import PUBLIC_CATALOGUE_FIELDS

    revenue = {"myParties", "ledgerBalance", "statements", "payoutBatches"}
    assert revenue <= set(schema.graphql_schema.query_type.fields)
    assert not revenue & PUBLIC_CATALOGUE_FIELDS


def test_bank_account_is_masked_and_shown_to_operators_only(client, gql, place):
    village = place.parties["village"]
    Party.objects.filter(pk=village.pk).update(
        bank_account_name="测试村股份经济合作社",
        bank_name="象山农商银行",
        bank_account_number="6228480123456789",
    )
    login(client, make_user(staff=True))
    response = client.post(
        "/graphql/",
        json.dumps({"query": BALANCE, "variables": {"party": gid(village)}}),
        content_type="application/json",
    )
    party = response.json()["data"]["ledgerBalance"]["party"]
    assert party["payoutMethod"] == "BANK"
    assert party["bankAccountMasked"] == "****6789"
    assert b"6228480123456789" not in response.content

    treasurer = make_user()
    grant(treasurer, Role.VILLAGE_TREASURER, village.village)
    login(client, treasurer)
    party = gql(BALANCE, {"party": gid(village)})["data"]["ledgerBalance"]["party"]
    assert party["payoutMethod"] == "BANK"
    assert party["bankAccountMasked"] is None


def test_a_party_without_payout_method_says_null(client, gql, place):
    login(client, place.host)
    party = gql(BALANCE, {"party": gid(place.parties["host"])})["data"]
    assert party["ledgerBalance"]["party"]["payoutMethod"] is None


@pytest.mark.parametrize(
    "bad",
    [
        "nope",
        "",
        "UGFydHk6",  # "Party:"
        "UGFydHk6YWJj",  # "Party:abc"
        "UGFydHk6LTE=",  # "Party:-1"
        "UGFydHk6MA==",  # "Party:0"
    ],
)
def test_a_malformed_party_id_is_not_found(client, gql, place, bad):
    for user in (make_user(staff=True), place.host):
        login(client, user)
        error = refusal(gql(BALANCE, {"party": bad}), "ledgerBalance")
        assert error == {
            "code": "NOT_FOUND",
            "field": "party",
            "message": "找不到该记录 / Not found",
        }


def test_an_id_of_another_type_is_not_found(client, gql, place):
    login(client, make_user(staff=True))
    for wrong in (
        to_global_id("Order", place.order.pk),
        to_global_id("Village", place.parties["village"].village_id),
    ):
        error = refusal(gql(BALANCE, {"party": wrong}), "ledgerBalance")
        assert (error["code"], error["field"]) == ("NOT_FOUND", "party")


def test_only_operators_learn_that_a_party_does_not_exist(client, gql, place):
    unknown = to_global_id("Party", Party.objects.order_by("-pk").first().pk + 100)
    login(client, make_user(staff=True))
    error = refusal(gql(BALANCE, {"party": unknown}), "ledgerBalance")
    assert (error["code"], error["field"]) == ("NOT_FOUND", "party")
    # To anyone else an unknown party and another's party read the same.
    login(client, place.host)
    for target in (unknown, gid(place.parties["village"])):
        error = refusal(gql(BALANCE, {"party": target}), "ledgerBalance")
        assert (error["code"], error["field"]) == ("PERMISSION_DENIED", "party")
    login(client, None)
    error = refusal(gql(BALANCE, {"party": "nope"}), "ledgerBalance")
    assert error["code"] == "PERMISSION_DENIED"


def test_my_parties_lists_what_each_role_may_see(client, gql, place, other):
    people = viewers(place, other)
    expected = {
        "treasurer": [place.parties["village"]],
        "other_treasurer": [other.parties["village"]],
        "workshop_manager": [place.parties["workshop"]],
        "brand_operator": [place.parties["brand"]],
        "host": [place.parties["host"]],
        "other_host": [other.parties["host"]],
        "customer": [],
        "anonymous": [],
    }
    everyone = list(Party.objects.all())
    assert len(everyone) == 9  # two places, one platform
    for role, user in people.items():
        login(client, user)
        body = gql(MY_PARTIES)
        assert "errors" not in body
        seen = {edge["node"]["id"] for edge in body["data"]["myParties"]["edges"]}
        allowed = {
            gid(p) for p in everyone if user_can(user, Action.VIEW_PARTY_ACCOUNTS, p)
        }
        assert seen == allowed, role
        wanted = everyone if role == "operator" else expected[role]
        assert seen == {gid(p) for p in wanted}, role


def test_my_parties_filters_by_kind_and_pages(client, gql, place, other):
    login(client, make_user(staff=True))
    body = gql(MY_PARTIES, {"kind": "VILLAGE"})["data"]["myParties"]
    assert body["totalCount"] == 2
    assert {e["node"]["kind"] for e in body["edges"]} == {"VILLAGE"}
    first = gql(MY_PARTIES, {"first": 4})["data"]["myParties"]
    assert first["totalCount"] == 9 and first["pageInfo"]["hasNextPage"]
    rest = gql(MY_PARTIES, {"first": 100, "after": first["pageInfo"]["endCursor"]})
    ids = [e["node"]["id"] for e in first["edges"] + rest["data"]["myParties"]["edges"]]
    assert len(ids) == len(set(ids)) == 9


def test_my_parties_pages_are_capped_at_100(client, gql):
    for _ in range(101):
        party_get_or_create(kind=PartyKind.VILLAGE, target=make_village())
    login(client, make_user(staff=True))
    body = gql(MY_PARTIES, {"first": 1000})["data"]["myParties"]
    assert len(body["edges"]) == 100
    assert body["pageInfo"]["hasNextPage"] is True
    assert body["totalCount"] == 101


def test_node_reaches_a_party_only_for_those_who_may_view_it(client, gql, place):
    query = "query($id: ID!) { node(id: $id) { id ... on Party { name } } }"
    village = place.parties["village"]
    login(client, place.host)
    assert gql(query, {"id": gid(village)})["data"]["node"] is None
    login(client, None)
    assert gql(query, {"id": gid(village)})["data"]["node"] is None
    treasurer = make_user()
    grant(treasurer, Role.VILLAGE_TREASURER, village.village)
    login(client, treasurer)
    node = gql(query, {"id": gid(village)})["data"]["node"]
    assert node == {"id": gid(village), "name": village.name}
