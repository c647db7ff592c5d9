"""Share agreements: a bad one is refused with its own error and nothing is
written; the most specific agreement in force on the day an order was paid
splits it; a new version never touches a split already posted."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from brands.models import Role
from revenue.agreements import AgreementBook, agreement_create, agreement_is_editable
from revenue.errors import RevenueError, RevenueErrorCode
from revenue.models import Share, ShareAgreement, ShareRole
from revenue.order_split import order_split
from storefront.catalog.services import category_create
from storefront.orders.models import Order
from tests.factories import grant, make_brand, make_user, make_workshop
from tests.revenue.split_helpers import (
    RATES,
    SINCE,
    assert_ledger_consistent,
    brand_agreement,
    make_scene,
    owed,
    share_table,
    unsplit_paid_order,
)

# "Today" is read here and in the shop: at noon, it is the same day.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("midday")]


@pytest.fixture
def operator():
    return make_user(staff=True)


@pytest.fixture
def brand():
    return make_brand()


def tomorrow():
    return timezone.localdate() + timedelta(days=1)


def refused(code, **kwargs) -> RevenueError:
    """agreement_create(**kwargs) fails with `code` and writes nothing."""
    before = ShareAgreement.objects.count()
    with pytest.raises(RevenueError) as raised:
        agreement_create(**kwargs)
    assert raised.value.code == code, raised.value.message
    assert ShareAgreement.objects.count() == before
    return raised.value


# --- bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    "rates",
    [
        {**RATES, "platform_bp": 400},  # 99 %
        {**RATES, "platform_bp": 600},  # 101 %
        {"workshop_bp": 7000, "village_bp": 1000, "brand_bp": 1000},  # rest left out
        dict.fromkeys(RATES, 0),
    ],
)
def test_rates_that_do_not_add_up_to_100_percent_are_refused(operator, brand, rates):
    error = refused(
        RevenueErrorCode.RATES_NOT_100_PERCENT,
        user=operator,
        brand=brand,
        effective_from=tomorrow(),
        **rates,
    )
    assert error.field == "rates"
    total = sum(rates.values()) / 100
    assert f"{total:g}%" in error.message
    assert "100 %" in error.message and "100%" in error.message


def test_the_sum_message_names_the_actual_total(operator, brand):
    error = refused(
        RevenueErrorCode.RATES_NOT_100_PERCENT,
        user=operator,
        brand=brand,
        effective_from=tomorrow(),
        **{**RATES, "platform_bp": 455},
    )
    assert "现在合计 99.55%" in error.message
    assert "they add up to 99.55%" in error.message


def rates(**changes):
    return {**RATES, **changes}


@pytest.mark.parametrize(
    ("field", "given"),
    [
        # Balanced by another rate: the sum alone would pass.
        ("village_bp", rates(workshop_bp=7001, village_bp=-1)),
        ("host_bp", rates(workshop_bp=7500, host_bp=-500)),
        (
            "workshop_bp",
            rates(
                workshop_bp=10001, village_bp=0, brand_bp=0, host_bp=0, platform_bp=-1
            ),
        ),
        ("workshop_bp", dict.fromkeys(RATES, 0) | {"workshop_bp": 10001}),
        ("platform_bp", dict.fromkeys(RATES, 0) | {"platform_bp": 20000}),
    ],
)
def test_a_negative_or_over_100_percent_rate_is_refused(operator, brand, field, given):
    error = refused(
        RevenueErrorCode.RATE_OUT_OF_RANGE,
        user=operator,
        brand=brand,
        effective_from=tomorrow(),
        **given,
    )
    assert error.field == field
    assert "0–10000" in error.message


@pytest.mark.parametrize("value", [7000.0, "7000", Decimal("7000"), True, None, 7000.5])
def test_a_rate_that_is_not_a_whole_number_of_basis_points_is_refused(
    operator, brand, value
):
    error = refused(
        RevenueErrorCode.RATE_OUT_OF_RANGE,
        user=operator,
        brand=brand,
        effective_from=tomorrow(),
        **{**RATES, "workshop_bp": value},
    )
    assert error.field == "workshop_bp"


def test_an_unknown_rate_is_a_programming_error(operator, brand):
    with pytest.raises(TypeError):
        agreement_create(
            user=operator, brand=brand, effective_from=tomorrow(), bonus_bp=1, **RATES
        )
    assert not ShareAgreement.objects.filter(brand=brand).exists()


def test_a_second_version_for_the_same_scope_and_day_is_refused(operator, brand):
    first = agreement_create(
        user=operator, brand=brand, effective_from=tomorrow(), **RATES
    )

    error = refused(
        RevenueErrorCode.AGREEMENT_OVERLAP,
        user=operator,
        brand=brand,
        effective_from=tomorrow(),
        **{**RATES, "workshop_bp": 6000, "platform_bp": 1500},
    )
    assert error.field == "effectiveFrom"
    assert ShareAgreement.objects.get(brand=brand) == first
    # Another day, or another scope on that day, is a version of its own.
    agreement_create(
        user=operator,
        brand=brand,
        effective_from=tomorrow() + timedelta(days=1),
        **RATES,
    )
    agreement_create(
        user=operator, brand=make_brand(), effective_from=tomorrow(), **RATES
    )


def test_a_second_platform_default_for_the_same_day_is_refused(operator):
    # The migration's default starts on 2026-01-01; a null brand is a scope.
    assert ShareAgreement.objects.filter(brand=None, effective_from=SINCE).exists()
    refused(
        RevenueErrorCode.AGREEMENT_OVERLAP,
        user=operator,
        effective_from=SINCE,
        allow_past=True,
        **RATES,
    )


def test_the_same_override_twice_on_one_day_is_refused(operator, brand):
    workshop = make_workshop(brands=[brand])
    category = category_create(name="海鲜")
    for scope in ({"workshop": workshop}, {"category": category}):
        agreement_create(
            user=operator, brand=brand, effective_from=tomorrow(), **scope, **RATES
        )
        refused(
            RevenueErrorCode.AGREEMENT_OVERLAP,
            user=operator,
            brand=brand,
            effective_from=tomorrow(),
            **scope,
            **RATES,
        )


def test_a_version_starting_in_the_past_is_refused(operator, brand):
    error = refused(
        RevenueErrorCode.AGREEMENT_BACKDATED,
        user=operator,
        brand=brand,
        effective_from=timezone.localdate() - timedelta(days=1),
        **RATES,
    )
    assert error.field == "effectiveFrom"
    assert "已支付的订单" in error.message and "keep their" in error.message


def test_a_version_starting_today_is_refused(operator, brand):
    """Orders paid this morning may not be split yet; a version starting
    today would reach back to them."""
    error = refused(
        RevenueErrorCode.AGREEMENT_BACKDATED,
        user=operator,
        brand=brand,
        effective_from=timezone.localdate(),
        **RATES,
    )
    assert "明天" in error.message and "tomorrow" in error.message


def test_a_version_may_start_tomorrow(operator, brand):
    agreement = agreement_create(
        user=operator, brand=brand, effective_from=tomorrow(), **RATES
    )
    assert agreement.created_by == operator
    assert agreement.rates == RATES


@pytest.mark.parametrize("scope", ["workshop", "category"])
def test_an_override_without_a_brand_is_refused(operator, scope):
    target = (
        make_workshop(brands=[make_brand()])
        if scope == "workshop"
        else category_create(name="干货")
    )
    error = refused(
        RevenueErrorCode.AGREEMENT_SCOPE,
        user=operator,
        effective_from=tomorrow(),
        **{scope: target},
        **RATES,
    )
    assert error.field == "brand"


def test_a_workshop_that_does_not_sell_the_brand_is_refused(operator, brand):
    elsewhere = make_workshop(brands=[make_brand()])
    error = refused(
        RevenueErrorCode.AGREEMENT_SCOPE,
        user=operator,
        brand=brand,
        workshop=elsewhere,
        effective_from=tomorrow(),
        **RATES,
    )
    assert error.field == "workshop"
    assert str(elsewhere) in error.message and str(brand) in error.message


@pytest.mark.parametrize("field", ["fee_bearer", "unattributed_host_share_to"])
@pytest.mark.parametrize("value", ["host", "nobody", ""])
def test_an_unknown_recipient_is_refused(operator, brand, field, value):
    # A host may be absent, so neither the fee nor an unattributed host
    # share can go to one.
    error = refused(
        RevenueErrorCode.INVALID_RECIPIENT,
        user=operator,
        brand=brand,
        effective_from=tomorrow(),
        **{field: value},
        **RATES,
    )
    assert error.field == field


def user_kinds(brand):
    plain = make_user()
    brand_operator = make_user()
    grant(brand_operator, Role.BRAND_OPERATOR, brand)
    inactive_staff = make_user(staff=True, is_active=False)
    return [AnonymousUser(), None, plain, brand_operator, inactive_staff]


def test_only_an_operator_may_create_an_agreement(brand):
    for user in user_kinds(brand):
        refused(
            RevenueErrorCode.PERMISSION_DENIED,
            user=user,
            brand=brand,
            effective_from=tomorrow(),
            **RATES,
        )


def test_permission_is_checked_before_anything_else(brand):
    # A non-operator learns nothing about the input, even when it is bad.
    refused(
        RevenueErrorCode.PERMISSION_DENIED,
        user=make_user(),
        brand=brand,
        effective_from=date(2020, 1, 1),
        workshop_bp=-1,
    )


def test_only_a_version_that_has_not_started_is_editable(operator, brand):
    today = agreement_create(
        user=operator,
        brand=brand,
        effective_from=timezone.localdate(),
        allow_past=True,
        **RATES,
    )
    later = agreement_create(
        user=operator, brand=brand, effective_from=tomorrow(), **RATES
    )
    assert not agreement_is_editable(today)
    assert agreement_is_editable(later)
    assert agreement_is_editable(ShareAgreement())


# --- which agreement applies -----------------------------------------------------


def rates_with(workshop_bp):
    return {**RATES, "workshop_bp": workshop_bp, "platform_bp": 7500 - workshop_bp}


def test_the_most_specific_agreement_wins(operator, brand):
    """workshop + category > workshop > category (nearest ancestor) >
    brand default > platform default."""
    workshop = make_workshop(brands=[brand])
    other_workshop = make_workshop(brands=[brand])
    food = category_create(name="食品")
    seafood = category_create(name="海鲜", parent=food)
    shrimp = category_create(name="虾", parent=seafood)

    def make(**scope):
        return brand_agreement(operator, brand, **scope).pk

    default = make()
    by_food = make(category=food)
    by_seafood = make(category=seafood)
    by_workshop = make(workshop=workshop)
    by_workshop_food = make(workshop=workshop, category=food)
    platform = ShareAgreement.objects.get(brand=None, effective_from=SINCE).pk

    book = AgreementBook()

    def applies(brand_id, workshop_id, category_id):
        return book.terms_for(
            brand_id=brand_id,
            workshop_id=workshop_id,
            category_id=category_id,
            day=timezone.localdate(),
        ).agreement_id

    assert applies(brand.pk, workshop.pk, shrimp.pk) == by_workshop_food
    assert applies(brand.pk, workshop.pk, food.pk) == by_workshop_food
    assert applies(brand.pk, workshop.pk, None) == by_workshop
    assert applies(brand.pk, other_workshop.pk, shrimp.pk) == by_seafood
    assert applies(brand.pk, other_workshop.pk, seafood.pk) == by_seafood
    assert applies(brand.pk, other_workshop.pk, food.pk) == by_food
    assert applies(brand.pk, other_workshop.pk, None) == default
    assert applies(make_brand().pk, workshop.pk, shrimp.pk) == platform
    # Another category (no ancestor with an override) takes the brand's.
    assert applies(brand.pk, other_workshop.pk, category_create(name="茶").pk) == (
        default
    )


def test_terms_carry_the_agreements_rates_and_recipients(operator, brand):
    agreement = brand_agreement(
        operator,
        brand,
        rates=rates_with(6000),
        unattributed_host_share_to="brand",
        fee_bearer="workshop",
    )
    terms = AgreementBook().terms_for(
        brand_id=brand.pk, workshop_id=None, category_id=None, day=SINCE
    )
    assert terms.agreement_id == agreement.pk
    assert terms.rates == (6000, 1000, 1000, 500, 1500)
    assert (terms.unattributed_host_share_to, terms.fee_bearer) == ("brand", "workshop")


def test_the_latest_version_started_by_the_day_applies(operator, brand):
    v1 = brand_agreement(operator, brand, effective_from=date(2026, 2, 1)).pk
    v2 = brand_agreement(operator, brand, effective_from=date(2026, 3, 1)).pk
    v3 = agreement_create(
        user=operator, brand=brand, effective_from=tomorrow(), **RATES
    ).pk
    platform = ShareAgreement.objects.get(brand=None, effective_from=SINCE).pk
    book = AgreementBook()

    def on(day):
        return book.terms_for(
            brand_id=brand.pk, workshop_id=None, category_id=None, day=day
        ).agreement_id

    assert on(date(2026, 1, 31)) == platform
    assert on(date(2026, 2, 1)) == v1
    assert on(date(2026, 2, 28)) == v1
    assert on(date(2026, 3, 1)) == v2
    assert on(timezone.localdate()) == v2
    assert on(tomorrow()) == v3


def test_no_agreement_at_all_before_the_platform_default(brand):
    with pytest.raises(RevenueError) as raised:
        AgreementBook().terms_for(
            brand_id=brand.pk,
            workshop_id=None,
            category_id=None,
            day=date(2025, 12, 31),
        )
    assert raised.value.code == RevenueErrorCode.AGREEMENT_MISSING


# --- by the day the order was paid -------------------------------------------------


@pytest.mark.usefixtures("stripe_settings")
def test_an_order_is_split_by_the_version_in_force_the_day_it_was_paid(client):
    scene = make_scene()  # 70 / 10 / 10 / 5 / 5 from 2026-01-01
    old = scene.brand.share_agreements.get()
    new = agreement_create(
        user=scene.operator,
        brand=scene.brand,
        effective_from=timezone.localdate(),
        allow_past=True,  # history: the version that began today
        **rates_with(5000),
    )
    variant = scene.variant(10000, scene.w2)  # free shipping
    yesterday = unsplit_paid_order(client, [(variant, 1)])
    today = unsplit_paid_order(client, [(variant, 1)])
    Order.objects.filter(pk=yesterday.pk).update(
        paid_at=timezone.now() - timedelta(days=1)
    )

    order_split(order=today)
    order_split(order=yesterday)

    def split_by(order):
        shares = Share.objects.filter(order=order).exclude(role=ShareRole.FEE)
        return (
            set(shares.values_list("agreement", flat=True)),
            shares.get(role=ShareRole.WORKSHOP).amount_fen,
        )

    assert split_by(yesterday) == ({old.pk}, 7000)
    assert split_by(today) == ({new.pk}, 5000)
    assert owed(scene.w2) == 12000
    assert_ledger_consistent()


@pytest.mark.usefixtures("stripe_settings")
def test_a_new_version_never_changes_a_split_already_posted(client):
    scene = make_scene()
    order = unsplit_paid_order(client, [(scene.variant(999, scene.w2), 1)])
    order_split(order=order)
    posted = share_table(order)
    balances = owed(scene.w2), owed(scene.v2), owed(scene.brand)

    newer = agreement_create(
        user=scene.operator,
        brand=scene.brand,
        effective_from=timezone.localdate(),
        allow_past=True,
        **rates_with(4000),
    )
    assert order_split(order=order) is False

    assert share_table(order) == posted
    assert (owed(scene.w2), owed(scene.v2), owed(scene.brand)) == balances
    assert not Share.objects.filter(agreement=newer).exists()
    assert_ledger_consistent()


@pytest.mark.usefixtures("stripe_settings")
def test_each_line_is_split_by_its_own_override(client):
    scene = make_scene()
    category = category_create(name="海鲜")
    by_workshop = brand_agreement(
        scene.operator, scene.brand, workshop=scene.w1, rates=rates_with(6000)
    )
    by_category = brand_agreement(
        scene.operator, scene.brand, category=category, rates=rates_with(5000)
    )
    default = scene.brand.share_agreements.get(workshop=None, category=None)
    w1_line = scene.variant(10000)
    seafood = scene.variant(10000, scene.w2, category=category)
    plain = scene.variant(10000, scene.w2)
    order = unsplit_paid_order(client, [(w1_line, 1), (seafood, 1), (plain, 1)])
    order_split(order=order)

    def workshop_share(variant):
        share = Share.objects.get(
            order=order, order_line__variant=variant, role=ShareRole.WORKSHOP
        )
        return share.agreement_id, share.amount_fen

    assert workshop_share(w1_line) == (by_workshop.pk, 6000)
    assert workshop_share(seafood) == (by_category.pk, 5000)
    assert workshop_share(plain) == (default.pk, 7000)
    assert_ledger_consistent()
