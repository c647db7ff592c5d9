"""Payout batches over GraphQL: operators see every batch and payout; a
party's people only the batches paying that party, and in them only its
payouts; signed-out readers are refused. Batches are proposed, approved and
paid through revenue.payouts, bank transfers marked paid by an operator and
Stripe transfers sent to the session's localstripe (Connect stand-in)."""

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from brands.models import Role
from revenue.models import Party
from revenue.payouts import (
    payout_batch_approve,
    payout_batch_cancel,
    payout_batch_propose,
    payout_mark_paid,
    transfer_group,
)
from storefront.payments import gateway
from tests.factories import grant, make_user
from tests.storefront.graphql.test_revenue_balance import (
    BALANCE,
    gid,
    login,
    make_place,
    owed_in_ledger,
    refusal,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

BATCHES = """query($status: PayoutBatchStatus, $first: Int, $after: String) {
  payoutBatches(status: $status, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node {
      id number status proposedAt approvedAt completedAt thresholdFen
      totalFen total { amount: fractionalAmount }
      payouts {
        party { id kind name } amountFen amount { amount: fractionalAmount } method
          status
        paidAt stripeTransferId bankReference bankAccountMasked
      }
    } }
  }
}"""
PAYEES = ("workshop", "village", "brand", "host")


def bank_details(place, prefix: str) -> None:
    for n, kind in enumerate(PAYEES):
        Party.objects.filter(pk=place.parties[kind].pk).update(
            bank_account_name=f"{kind} 收款人",
            bank_name="象山农商银行",
            bank_account_number=f"{prefix}{n:04d}",
        )


def batches(gql, **variables) -> list[dict]:
    body = gql(BATCHES, variables)
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["payoutBatches"]["edges"]]


def payees(batch: dict) -> set[str]:
    return {payout["party"]["id"] for payout in batch["payouts"]}


@pytest.fixture
def operator():
    return make_user(staff=True)


@pytest.fixture
def world(client, operator):
    """Place `a`'s payees in the first batch, `b`'s in the second (they had
    no payout method when the first was proposed)."""
    a, b = make_place(client), make_place(client)
    bank_details(a, "62284801")
    first = payout_batch_propose(user=operator, threshold_fen=1)
    bank_details(b, "62284802")
    second = payout_batch_propose(user=operator, threshold_fen=1)
    return a, b, first, second


def test_operators_see_every_batch_and_payout(client, gql, operator, world):
    a, b, first, second = world
    login(client, operator)
    seen = batches(gql)
    assert [batch["id"] for batch in seen] == [
        to_global_id("PayoutBatch", second.pk),
        to_global_id("PayoutBatch", first.pk),
    ]
    assert seen[1]["number"] == str(first)
    assert payees(seen[1]) == {gid(a.parties[k]) for k in PAYEES}
    assert payees(seen[0]) == {gid(b.parties[k]) for k in PAYEES}
    for batch, place in ((seen[1], a), (seen[0], b)):
        assert batch["status"] == "PROPOSED"
        assert batch["thresholdFen"] == 1
        assert batch["approvedAt"] is None
        amounts = {p["party"]["id"]: p["amountFen"] for p in batch["payouts"]}
        assert amounts == {
            gid(place.parties[k]): owed_in_ledger(place.parties[k]) for k in PAYEES
        }
        assert batch["totalFen"] == sum(amounts.values()) == 8358 + 1194 + 1194 + 597
        assert batch["total"]["amount"] == batch["totalFen"]
        assert {p["method"] for p in batch["payouts"]} == {"BANK"}
        assert {p["status"] for p in batch["payouts"]} == {"PENDING"}


def test_a_party_sees_only_its_batches_and_payouts(client, gql, world):
    a, b, first, second = world
    people = []
    for place in (a, b):
        treasurer, manager, brand_operator = make_user(), make_user(), make_user()
        grant(treasurer, Role.VILLAGE_TREASURER, place.parties["village"].village)
        grant(manager, Role.WORKSHOP_MANAGER, place.parties["workshop"].workshop)
        grant(brand_operator, Role.BRAND_OPERATOR, place.parties["brand"].brand)
        people += [
            (treasurer, place, "village"),
            (manager, place, "workshop"),
            (brand_operator, place, "brand"),
            (place.host, place, "host"),
        ]
    for user, place, kind in people:
        login(client, user)
        [batch] = batches(gql)
        assert batch["id"] == to_global_id(
            "PayoutBatch", (first if place is a else second).pk
        )
        [payout] = batch["payouts"]
        party = place.parties[kind]
        assert payout["party"]["id"] == gid(party)
        # The total is of what is shown: other parties' money stays hidden.
        assert batch["totalFen"] == payout["amountFen"] == owed_in_ledger(party)


def test_people_without_a_party_see_nothing(client, gql, world):
    a, *_ = world
    for user in (make_user(), a.order.user):
        login(client, user)
        body = gql(BATCHES)
        assert "errors" not in body
        assert body["data"]["payoutBatches"]["totalCount"] == 0
        assert body["data"]["payoutBatches"]["edges"] == []
    login(client, None)
    error = refusal(gql(BATCHES), "payoutBatches")
    assert error["code"] == "PERMISSION_DENIED"
    assert error["message"] == "没有权限 / You do not have permission to do this"


def test_paid_payouts_and_status_filter(client, gql, operator, world):
    a, b, first, second = world
    payout_batch_approve(batch=first, user=operator)
    village = a.parties["village"]
    payout = first.payouts.get(party=village)
    payout_mark_paid(payout=payout, user=operator, bank_reference="ZJ-20261129-01")

    treasurer = make_user()
    grant(treasurer, Role.VILLAGE_TREASURER, village.village)
    login(client, treasurer)
    [batch] = batches(gql)
    assert batch["status"] == "APPROVED" and batch["approvedAt"]
    [shown] = batch["payouts"]
    assert shown["status"] == "PAID" and shown["paidAt"]
    assert shown["bankReference"] == "ZJ-20261129-01"
    assert shown["stripeTransferId"] is None
    assert shown["bankAccountMasked"] is None
    assert batches(gql, status="PROPOSED") == []
    balance = gql(BALANCE, {"party": gid(village)})["data"]["ledgerBalance"]
    assert (balance["owedFen"], balance["paidOutFen"]) == (0, 1194)

    for other in first.payouts.exclude(party=village):
        payout_mark_paid(payout=other, user=operator, bank_reference="ZJ-2")
    login(client, operator)
    [completed] = batches(gql, status="COMPLETED")
    assert completed["id"] == to_global_id("PayoutBatch", first.pk)
    assert completed["completedAt"]
    assert {p["status"] for p in completed["payouts"]} == {"PAID"}
    [proposed] = batches(gql, status="PROPOSED")
    assert proposed["id"] == to_global_id("PayoutBatch", second.pk)


def test_bank_accounts_are_masked_for_operators_and_hidden_from_others(
    client, gql, operator, world
):
    a, *_ = world
    login(client, operator)
    response = client.post(
        "/graphql/",
        json.dumps({"query": BATCHES}),
        content_type="application/json",
    )
    masked = {
        p["bankAccountMasked"]
        for node in response.json()["data"]["payoutBatches"]["edges"]
        for p in node["node"]["payouts"]
    }
    assert masked == {f"****{n:04d}" for n in range(len(PAYEES))}
    login(client, a.host)
    response = client.post(
        "/graphql/", json.dumps({"query": BATCHES}), content_type="application/json"
    )
    assert "X-Page-Cache" not in response
    [batch] = response.json()["data"]["payoutBatches"]["edges"]
    assert batch["node"]["payouts"][0]["bankAccountMasked"] is None
    assert b"62284801" not in response.content


def test_a_stripe_payout_shows_its_transfer(
    client, gql, operator, django_capture_on_commit_callbacks
):
    place = make_place(client)
    host = place.parties["host"]
    account = gateway.create_connected_account(
        email="host@example.com",
        metadata={"party": str(host.pk)},
        idempotency_key=f"test-{uuid.uuid4()}",
    )
    Party.objects.filter(pk=host.pk).update(stripe_account_id=account.id)
    batch = payout_batch_propose(user=operator, threshold_fen=1)
    with django_capture_on_commit_callbacks(execute=True):
        payout_batch_approve(batch=batch, user=operator)

    login(client, place.host)
    [shown] = batches(gql)
    [payout] = shown["payouts"]
    assert payout["method"] == "STRIPE"
    assert payout["status"] == "PAID"
    assert payout["stripeTransferId"].startswith("tr_")
    assert payout["amountFen"] == 597
    group = transfer_group(batch.payouts.get())
    [transfer] = gateway.find_transfers(transfer_group=group)
    assert transfer.id == payout["stripeTransferId"]
    assert transfer.destination == account.id
    assert shown["status"] == "COMPLETED"


def test_batches_page(client, gql, operator, world):
    login(client, operator)
    body = gql(BATCHES, {"first": 1})["data"]["payoutBatches"]
    assert body["totalCount"] == 2 and body["pageInfo"]["hasNextPage"]
    rest = gql(BATCHES, {"first": 1000, "after": body["pageInfo"]["endCursor"]})
    rest = rest["data"]["payoutBatches"]
    assert len(rest["edges"]) == 1 and not rest["pageInfo"]["hasNextPage"]
    assert rest["edges"][0]["node"]["id"] != body["edges"][0]["node"]["id"]


def test_node_reaches_a_batch_only_through_its_parties(client, gql, world):
    a, b, first, second = world
    query = """query($id: ID!) { node(id: $id) { id ... on PayoutBatch {
      payouts { party { id } } } } }"""
    treasurer = make_user()
    grant(treasurer, Role.VILLAGE_TREASURER, a.parties["village"].village)
    login(client, treasurer)
    node = gql(query, {"id": to_global_id("PayoutBatch", first.pk)})["data"]["node"]
    assert node["payouts"] == [{"party": {"id": gid(a.parties["village"])}}]
    other = gql(query, {"id": to_global_id("PayoutBatch", second.pk)})
    assert other["data"]["node"] is None
    login(client, None)
    anonymous = gql(query, {"id": to_global_id("PayoutBatch", first.pk)})
    assert anonymous["data"]["node"] is None


def _queries(gql, variables=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        body = gql(BATCHES, variables or {})
    assert "errors" not in body
    return len(captured)


def test_batches_query_count_does_not_grow(client, gql, operator):
    """Session, user, batches, their payouts with parties, the total; a
    member's memberships on top. However many batches and payouts."""
    place = make_place(client)
    bank_details(place, "62284803")
    treasurer = make_user()
    grant(treasurer, Role.VILLAGE_TREASURER, place.parties["village"].village)

    payout_batch_cancel(
        batch=payout_batch_propose(user=operator, threshold_fen=1), user=operator
    )
    login(client, operator)
    few = _queries(gql)
    login(client, treasurer)
    few_member = _queries(gql)

    for _ in range(5):
        payout_batch_cancel(
            batch=payout_batch_propose(user=operator, threshold_fen=1), user=operator
        )
    login(client, operator)
    many = _queries(gql)
    assert len(batches(gql)) == 6
    assert sum(len(b["payouts"]) for b in batches(gql)) == 6 * len(PAYEES)
    login(client, treasurer)
    many_member = _queries(gql)
    assert len(batches(gql)) == 6

    assert many == few <= 5
    assert many_member == few_member <= 6
    statuses = {
        (batch["status"], payout["status"])
        for batch in batches(gql)
        for payout in batch["payouts"]
    }
    assert statuses == {("CANCELLED", "CANCELLED")}
