"""The operator admin for parties (only where their money goes is edited) and
the read-only ledger: accounts, journal entries and shares.

The ledger rows come from real paid orders split by the services (localstripe
and signed webhooks, tests/shop_helpers.py)."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from brands.models import Role
from revenue.models import (
    Account,
    AccountKind,
    JournalEntry,
    JournalLine,
    Party,
    PartyKind,
    Share,
)
from revenue.order_split import order_split
from revenue.parties import party_get_or_create
from storefront.core.money import format_fen
from storefront.payments.refunds import order_refund
from tests.factories import grant, make_brand, make_user, make_workshop
from tests.shop_helpers import make_variant, paid_order

pytestmark = pytest.mark.django_db

LEDGER_MODELS = [Account, JournalEntry, Share]
ALL_MODELS = [Party, *LEDGER_MODELS]
BANK = {
    "bank_account_name": "象山县黄避岙乡高泥村股份经济合作社",
    "bank_name": "浙江象山农村商业银行黄避岙支行",
    "bank_account_number": "6222021202041234567",
}
INCOMPLETE = "银行账户须填齐开户名、开户行和账号，或全部留空"
BAD_NUMBER = "银行账号只能是 8–30 位数字 / The account number must be 8–30 digits"
BAD_ACCT = "Stripe 收款账户应形如 acct_"


def _url(model, view, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


@pytest.fixture
def operator(db):
    return make_user(staff=True)


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def workshop(db):
    return make_workshop(brands=[make_brand()], name="塔头旺鱼鲞共富工坊")


@pytest.fixture
def party(workshop):
    return party_get_or_create(kind=PartyKind.WORKSHOP, target=workshop)


def _sold(client, *, price_fen=12800, quantity=2, workshop=None):
    """A paid order, split by the revenue service."""
    variant = make_variant(price_fen, 10, workshop=workshop)
    order = paid_order(client, [(variant, quantity)], user=make_user())
    order_split(order=order)
    return order


def _change(client, party, **fields):
    """Post the party's change page as the browser would, with `fields` typed
    over what the page shows."""
    page = client.get(_url(Party, "change", party.pk))
    assert page.status_code == 200
    data = {}
    form = page.context["adminform"].form
    for name in form.fields:
        value = form.initial.get(name)
        data[name] = "" if value is None else value
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(
            {
                f"{formset.prefix}-{key}": value
                for key, value in formset.management_form.initial.items()
            }
        )
        for sub in formset.forms:
            data[f"{sub.prefix}-id"] = sub.instance.pk
            data[f"{sub.prefix}-party"] = party.pk
    data.update(fields)
    return client.post(_url(Party, "change", party.pk), data)


def _errors(response) -> dict:
    assert response.status_code == 200, response
    form = response.context["adminform"].form
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def _payout_details(party) -> dict:
    return (
        Party.objects.filter(pk=party.pk)
        .values("stripe_account_id", *BANK, "kind", "name", "workshop_id")
        .get()
    )


# Parties ----------------------------------------------------------------------


@pytest.mark.usefixtures("stripe_settings")
def test_party_list_shows_kind_name_payout_method_and_what_is_owed(
    operator_client, workshop
):
    order = _sold(operator_client, workshop=workshop)
    party = Party.objects.get(workshop=workshop)
    Party.objects.filter(pk=party.pk).update(**BANK)
    owed = -Account.objects.get(party=party, kind=AccountKind.PAYABLE).balance_fen
    assert owed > 0

    response = operator_client.get(
        _url(Party, "changelist"), {"kind__exact": PartyKind.WORKSHOP}
    )

    assert response.status_code == 200
    rows = {row.pk: row for row in response.context["cl"].result_list}
    model_admin = admin.site._registry[Party]
    assert model_admin.owed(rows[party.pk]) == format_fen(owed)
    assert model_admin.payout_method_label(rows[party.pk]) == "银行转账 bank"
    text = response.content.decode()
    assert "塔头旺鱼鲞共富工坊" in text and format_fen(owed) in text
    assert "工坊 workshop" in text

    column = response.context["cl"].list_display.index("owed")
    by_owed = operator_client.get(_url(Party, "changelist"), {"o": f"-{column}"})
    owed_column = [row._owed for row in by_owed.context["cl"].result_list]
    assert owed_column == sorted(owed_column, reverse=True)
    assert owed_column[0] == owed  # the workshop earns the most

    village = Party.objects.get(village=workshop.village)
    assert model_admin.payout_method_label(
        model_admin.get_queryset(None).get(pk=village.pk)
    ) == ("未设置 none")
    assert order.number


@pytest.mark.parametrize(
    ("method", "expected"), [("stripe", {"s"}), ("bank", {"b"}), ("none", {"n"})]
)
def test_payout_method_filter(operator_client, method, expected):
    made = {
        "s": make_brand(name="甲品牌"),
        "b": make_brand(name="乙品牌"),
        "n": make_brand(name="丙品牌"),
    }
    parties = {k: party_get_or_create(kind="brand", target=b) for k, b in made.items()}
    Party.objects.filter(pk=parties["s"].pk).update(stripe_account_id="acct_1A")
    Party.objects.filter(pk=parties["b"].pk).update(**BANK)
    Party.objects.filter(pk=parties["n"].pk).update(bank_name="只有开户行")

    response = operator_client.get(
        _url(Party, "changelist"), {"payout": method, "kind__exact": "brand"}
    )

    shown = {row.pk for row in response.context["cl"].result_list}
    assert shown == {parties[k].pk for k in expected}


def test_operator_sets_bank_details_spaces_removed(operator_client, party):
    response = _change(
        operator_client,
        party,
        **{**BANK, "bank_account_number": "6222 0212 0204 1234 567"},
    )
    assert response.status_code == 302, _errors(response)
    party.refresh_from_db()
    assert party.bank_account_number == "6222021202041234567"
    assert party.payout_method == "bank"


def test_operator_sets_a_stripe_account_and_clears_it_again(operator_client, party):
    assert (
        _change(operator_client, party, stripe_account_id="acct_1Nv0FG2eZ").status_code
        == 302
    )
    party.refresh_from_db()
    assert party.payout_method == "stripe"
    assert _change(operator_client, party, stripe_account_id="").status_code == 302
    party.refresh_from_db()
    assert party.payout_method is None


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"stripe_account_id": "acc_123"}, {"stripe_account_id": BAD_ACCT}),
        ({"stripe_account_id": "acct_"}, {"stripe_account_id": BAD_ACCT}),
        ({"stripe_account_id": "acct_12-3"}, {"stripe_account_id": BAD_ACCT}),
        ({"stripe_account_id": "ba_123"}, {"stripe_account_id": BAD_ACCT}),
        (
            {**BANK, "bank_account_number": "6222-0212-0204"},
            {"bank_account_number": BAD_NUMBER},
        ),
        (
            {**BANK, "bank_account_number": "62220212O2041234"},
            {"bank_account_number": BAD_NUMBER},
        ),
        (
            {**BANK, "bank_account_number": "1234567"},
            {"bank_account_number": BAD_NUMBER},
        ),
        (
            {**BANK, "bank_account_number": "1" * 31},
            {"bank_account_number": BAD_NUMBER},
        ),
        (
            {"bank_account_name": BANK["bank_account_name"]},
            {"bank_name": INCOMPLETE, "bank_account_number": INCOMPLETE},
        ),
        (
            {"bank_name": BANK["bank_name"], "bank_account_number": "62220212"},
            {"bank_account_name": INCOMPLETE},
        ),
        (
            {"bank_account_number": "abc"},
            {
                "bank_account_number": BAD_NUMBER,
                "bank_account_name": INCOMPLETE,
                "bank_name": INCOMPLETE,
            },
        ),
    ],
)
def test_bad_payout_details_are_refused_and_nothing_is_written(
    operator_client, party, fields, errors
):
    before = _payout_details(party)

    shown = _errors(_change(operator_client, party, **fields))

    for field, message in errors.items():
        assert any(message in e for e in shown.get(field, [])), (field, shown)
    assert set(shown) == set(errors)
    assert _payout_details(party) == before


def test_kind_name_and_target_cannot_be_changed(operator_client, party):
    other = make_workshop(brands=[make_brand()])
    response = _change(
        operator_client,
        party,
        kind="brand",
        name="改名",
        workshop=other.pk,
        brand=make_brand().pk,
        **BANK,
    )
    assert response.status_code == 302
    after = _payout_details(party)
    assert (after["kind"], after["name"], after["workshop_id"]) == (
        "workshop",
        party.name,
        party.workshop_id,
    )
    assert after["bank_account_number"] == BANK["bank_account_number"]


@pytest.mark.usefixtures("stripe_settings")
def test_change_page_shows_balance_accounts_and_links(operator_client, workshop):
    _sold(operator_client, workshop=workshop)
    party = Party.objects.get(workshop=workshop)

    response = operator_client.get(_url(Party, "change", party.pk))

    assert response.status_code == 200
    text = response.content.decode()
    inline = response.context["inline_admin_formsets"][0]
    kinds = {form.instance.kind for form in inline.formset.forms}
    assert kinds == {AccountKind.PAYABLE}
    assert f"?party__id__exact={party.pk}" in text
    assert reverse("admin:brands_workshop_change", args=[workshop.pk]) in text
    assert response.context["has_delete_permission"] is False
    for name in ("kind", "name"):
        assert f'name="{name}"' not in text
    shares = operator_client.get(
        _url(Share, "changelist"), {"party__id__exact": party.pk}
    )
    assert shares.status_code == 200
    assert {s.party_id for s in shares.context["cl"].result_list} == {party.pk}


def test_parties_are_not_added_or_deleted_here(operator_client, party):
    assert operator_client.get(_url(Party, "add")).status_code == 403
    assert (
        operator_client.post(
            _url(Party, "delete", party.pk), {"post": "yes"}
        ).status_code
        == 403
    )
    assert Party.objects.filter(pk=party.pk).exists()


# The ledger, read-only --------------------------------------------------------


@pytest.fixture
def ledger(client, operator):
    """Two split orders, one partly refunded."""
    first = _sold(client)
    second = _sold(client, price_fen=5600, quantity=1)
    order_refund(order=second, user=operator, amount_fen=1000)
    return first, second


@pytest.mark.usefixtures("stripe_settings")
@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_lists_cost_the_same_queries_however_many_rows(operator_client, model):
    _sold(operator_client)
    url = _url(model, "changelist")
    with CaptureQueriesContext(connection) as before:
        assert operator_client.get(url).status_code == 200
    _sold(operator_client, price_fen=990)
    _sold(operator_client, price_fen=4500, quantity=3)
    with CaptureQueriesContext(connection) as after:
        response = operator_client.get(url)
    assert response.context["cl"].result_count >= 3
    assert len(after) == len(before), [q["sql"] for q in after.captured_queries]


@pytest.mark.usefixtures("stripe_settings")
def test_search_by_order_number(operator_client, ledger):
    first, second = ledger
    for model in (JournalEntry, Share):
        response = operator_client.get(_url(model, "changelist"), {"q": second.number})
        rows = response.context["cl"].result_list
        assert rows and {row.order_id for row in rows} == {second.pk}, model
    kinds = {
        e.kind
        for e in operator_client.get(
            _url(JournalEntry, "changelist"), {"q": second.number}
        )
        .context["cl"]
        .result_list
    }
    assert kinds == {"sale", "refund"}


@pytest.mark.usefixtures("stripe_settings")
@pytest.mark.parametrize(
    ("model", "query", "check"),
    [
        (Account, {"kind__exact": "payable"}, lambda a: a.kind == "payable"),
        (
            Account,
            {"party__kind__exact": "village"},
            lambda a: a.party.kind == "village",
        ),
        (JournalEntry, {"kind__exact": "refund"}, lambda e: e.kind == "refund"),
        (
            JournalEntry,
            {"lines__account__party__kind__exact": "brand"},
            lambda e: e.lines.filter(account__party__kind="brand").exists(),
        ),
        (Share, {"role__exact": "fee"}, lambda s: s.amount_fen < 0),
        (
            Share,
            {"party__kind__exact": "workshop"},
            lambda s: s.party.kind == "workshop",
        ),
    ],
)
def test_ledger_filters(operator_client, ledger, model, query, check):
    response = operator_client.get(_url(model, "changelist"), query)
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows and all(check(row) for row in rows)
    assert len({row.pk for row in rows}) == len(rows)


@pytest.mark.usefixtures("stripe_settings")
def test_journal_entry_page_shows_its_lines_and_nothing_is_editable(
    operator_client, ledger
):
    entry = JournalEntry.objects.filter(kind="sale").first()
    response = operator_client.get(_url(JournalEntry, "change", entry.pk))
    assert response.status_code == 200
    lines = response.context["inline_admin_formsets"][0].formset.forms
    assert {f.instance.pk for f in lines} == set(
        JournalLine.objects.filter(entry=entry).values_list("pk", flat=True)
    )
    assert response.context["has_change_permission"] is False
    text = response.content.decode()
    assert entry.order.number in text


@pytest.mark.usefixtures("stripe_settings")
@pytest.mark.parametrize("model", LEDGER_MODELS, ids=lambda m: m.__name__)
def test_ledger_rows_are_never_added_changed_or_deleted(operator_client, ledger, model):
    row = model.objects.first()
    before = list(model.objects.order_by("pk").values())
    assert operator_client.get(_url(model, "change", row.pk)).status_code == 200
    assert operator_client.get(_url(model, "add")).status_code == 403
    assert operator_client.post(_url(model, "change", row.pk), {}).status_code == 403
    assert (
        operator_client.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code
        == 403
    )
    page = operator_client.get(_url(model, "changelist")).content.decode()
    assert "delete_selected" not in page
    assert list(model.objects.order_by("pk").values()) == before


# Who may ----------------------------------------------------------------------


def test_no_one_but_operators_reaches_the_revenue_admin(client, workshop, party):
    users = [
        (make_user(), Role.BRAND_OPERATOR, workshop.brands.first()),
        (make_user(), Role.WORKSHOP_MANAGER, workshop),
        (make_user(), Role.VILLAGE_TREASURER, workshop.village),
        (make_user(), Role.LIVESTREAM_HOST, workshop.brands.first()),
    ]
    host = make_user()
    host_party = party_get_or_create(kind=PartyKind.HOST, target=host)
    before = _payout_details(party)
    for user, role, target in users:
        grant(user, role, target)
    for user in [
        *(u for u, _, _ in users),
        host,
        make_user(staff=True, is_active=False),
    ]:
        client.force_login(user)
        for url in [
            reverse("admin:index"),
            *(_url(model, "changelist") for model in ALL_MODELS),
            _url(Party, "change", party.pk),
            _url(Party, "change", host_party.pk),
        ]:
            response = client.get(url)
            assert response.status_code == 302, (user, url)
            assert response.url.startswith(reverse("admin:login"))
        client.post(_url(Party, "change", party.pk), {**BANK})
        client.post(_url(Party, "change", host_party.pk), {**BANK})
    assert _payout_details(party) == before
    host_party.refresh_from_db()
    assert host_party.payout_method is None


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ({"staff": True}, True),
        ({"staff": True, "is_superuser": True}, True),
        ({"staff": False, "is_superuser": True}, False),
        ({"staff": True, "is_active": False}, False),
        ({"staff": False}, False),
    ],
)
def test_every_admin_and_inline_asks_the_permissions_module(rf, party, who, allowed):
    request = rf.get("/admin/")
    request.user = make_user(**who)
    for model in ALL_MODELS:
        model_admin = admin.site._registry[model]
        inlines = [inline(model, admin.site) for inline in model_admin.inlines]
        for checked in [model_admin, *inlines]:
            assert checked.has_module_permission(request) is allowed, checked
            assert checked.has_view_permission(request, None) is allowed, checked
    party_admin = admin.site._registry[Party]
    assert party_admin.has_change_permission(request, party) is allowed
    assert party_admin.has_add_permission(request) is False
    assert party_admin.has_delete_permission(request, party) is False
