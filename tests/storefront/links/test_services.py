"""storefront.links.services: every write a host, a brand operator or a
platform operator makes, and every bad input refused with a field."""

import secrets
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from brands.models import Membership, Role
from brands.permissions import Action, user_can
from storefront.links import services
from storefront.links.errors import LinkError, LinkErrorCode
from storefront.links.models import (
    ApplicationStatus,
    HostLink,
    HostProfile,
    LinkTarget,
    LiveSession,
)
from tests.factories import grant, make_brand, make_product, make_user
from tests.storefront.links.live_world import make_session, make_world

pytestmark = pytest.mark.django_db


def refused(code, field, fn, **kwargs):
    with pytest.raises(LinkError) as caught:
        fn(**kwargs)
    assert (caught.value.code, caught.value.field) == (code, field)
    assert " / " in caught.value.message
    return caught.value


# host_link_create


def test_host_creates_product_brand_and_session_links():
    world = make_world()
    product_link = services.host_link_create(
        user=world.host,
        target="product",
        product=world.products[0],
        live_session=world.session,
        label="  直播间  ",
        utm={"source": "douyin", "campaign": "晚间专场"},
    )
    assert product_link.brand == world.brand
    assert product_link.label == "直播间"
    assert (product_link.utm_source, product_link.utm_campaign) == (
        "douyin",
        "晚间专场",
    )
    assert product_link.utm_medium == ""
    assert len(product_link.code) == 10
    brand_link = services.host_link_create(
        user=world.host, target=LinkTarget.BRAND, brand=world.brand
    )
    session_link = services.host_link_create(
        user=world.host, target="live_session", live_session=world.session
    )
    assert session_link.brand == world.brand
    codes = {product_link.code, brand_link.code, session_link.code}
    assert len(codes) == 3
    assert HostLink.objects.filter(host=world.host).count() == 3


def test_link_code_collision_is_retried(monkeypatch):
    world = make_world(with_session=False)
    first = services.host_link_create(
        user=world.host, target="brand", brand=world.brand
    )
    # Only the randomness is replaced: the first new code repeats the existing
    # one, the second is fresh; the database's unique index does the rest.
    letters = iter(list(first.code) + list("k" * 10))
    monkeypatch.setattr(secrets, "choice", lambda alphabet: next(letters))
    second = services.host_link_create(
        user=world.host, target="brand", brand=world.brand
    )
    assert second.code == "k" * 10
    assert HostLink.objects.count() == 2


def test_host_not_approved_for_the_brand_cannot_link():
    world = make_world(with_session=False)
    stranger = make_user()
    refused(
        LinkErrorCode.NOT_APPROVED_FOR_BRAND,
        "brand",
        services.host_link_create,
        user=stranger,
        target="product",
        product=world.products[0],
    )
    refused(
        LinkErrorCode.NOT_APPROVED_FOR_BRAND,
        "brand",
        services.host_link_create,
        user=world.host,
        target="product",
        product=world.other_products[0],
    )
    refused(
        LinkErrorCode.NOT_APPROVED_FOR_BRAND,
        "brand",
        services.host_link_create,
        user=AnonymousUser(),
        target="brand",
        brand=world.brand,
    )
    # A brand operator is not a host of the brand.
    refused(
        LinkErrorCode.NOT_APPROVED_FOR_BRAND,
        "brand",
        services.host_link_create,
        user=world.operator,
        target="brand",
        brand=world.brand,
    )
    assert not HostLink.objects.exists()


def test_unpublished_product_cannot_be_linked():
    world = make_world(with_session=False)
    hidden = make_product(brand=world.brand, published=False)
    refused(
        LinkErrorCode.PRODUCT_NOT_PUBLISHED,
        "product",
        services.host_link_create,
        user=world.host,
        target="product",
        product=hidden,
    )


def test_product_of_another_brand_or_session_is_refused():
    world = make_world()
    refused(
        LinkErrorCode.WRONG_BRAND,
        "brand",
        services.host_link_create,
        user=world.host,
        target="product",
        product=world.products[0],
        brand=world.other_brand,
    )
    grant(world.host, Role.LIVESTREAM_HOST, world.other_brand)
    refused(
        LinkErrorCode.WRONG_BRAND,
        "product",
        services.host_link_create,
        user=world.host,
        target="product",
        product=world.other_products[0],
        live_session=world.session,
    )


def test_target_must_match_its_object():
    world = make_world()
    cases = [
        ({"target": "product"}, "product"),
        ({"target": "live_session"}, "live_session"),
        (
            {
                "target": "live_session",
                "live_session": world.session,
                "product": world.products[0],
            },
            "live_session",
        ),
        ({"target": "brand"}, "brand"),
        (
            {"target": "brand", "brand": world.brand, "product": world.products[0]},
            "brand",
        ),
        ({"target": "village", "brand": world.brand}, "target"),
    ]
    for kwargs, field in cases:
        refused(
            LinkErrorCode.INVALID_TARGET,
            field,
            services.host_link_create,
            user=world.host,
            **kwargs,
        )


def test_live_session_of_another_host_cannot_be_linked():
    world = make_world()
    other_host = make_user()
    grant(other_host, Role.LIVESTREAM_HOST, world.brand)
    refused(
        LinkErrorCode.PERMISSION_DENIED,
        "live_session",
        services.host_link_create,
        user=other_host,
        target="live_session",
        live_session=world.session,
    )


@pytest.mark.parametrize(
    "utm,field",
    [
        ({"source": "x" * 101}, "utm_source"),
        ({"medium": "wechat\x00"}, "utm_medium"),
        ({"campaign": "a\nb"}, "utm_campaign"),
        ({"content": "\x7f"}, "utm_content"),
        ({"content": 42}, "utm_content"),
        ({"term": "shoes"}, "utm_term"),
    ],
)
def test_bad_utm_is_refused(utm, field):
    world = make_world(with_session=False)
    refused(
        LinkErrorCode.INVALID_UTM,
        field,
        services.host_link_create,
        user=world.host,
        target="brand",
        brand=world.brand,
        utm=utm,
    )


def test_utm_of_exactly_100_characters_is_kept():
    world = make_world(with_session=False)
    link = services.host_link_create(
        user=world.host, target="brand", brand=world.brand, utm={"source": "渠" * 100}
    )
    assert link.utm_source == "渠" * 100


def test_bad_label_and_past_expiry_are_refused():
    world = make_world(with_session=False)
    for label in ("x" * 81, "tab\there"):
        refused(
            LinkErrorCode.INVALID_TEXT,
            "label",
            services.host_link_create,
            user=world.host,
            target="brand",
            brand=world.brand,
            label=label,
        )
    refused(
        LinkErrorCode.INVALID_TIMES,
        "expires_at",
        services.host_link_create,
        user=world.host,
        target="brand",
        brand=world.brand,
        expires_at=timezone.now() - timedelta(seconds=1),
    )


# host_link_revoke


def test_revoke_by_host_or_brand_operator_but_not_another_host():
    world = make_world(with_session=False)
    link = services.host_link_create(user=world.host, target="brand", brand=world.brand)
    other_host = make_user()
    grant(other_host, Role.LIVESTREAM_HOST, world.brand)
    refused(
        LinkErrorCode.PERMISSION_DENIED,
        "link",
        services.host_link_revoke,
        user=other_host,
        link=link,
    )
    revoked = services.host_link_revoke(user=world.operator, link=link)
    assert revoked.revoked_at is not None
    again = services.host_link_revoke(user=world.host, link=link)
    assert again.revoked_at == revoked.revoked_at


# live_session_create


def test_live_session_features_products_in_order():
    world = make_world(with_session=False)
    ordered = [world.products[2], world.products[0], world.products[2]]
    session = make_session(world, products=ordered)
    featured = list(session.featured.values_list("product_id", "position"))
    assert featured == [(world.products[2].pk, 0), (world.products[0].pk, 1)]
    assert session.host == world.host
    assert session.pinned_product is None


def test_live_session_bad_input():
    world = make_world(with_session=False)
    now = timezone.now()
    base = {
        "user": world.host,
        "brand": world.brand,
        "title": "直播",
        "starts_at": now,
        "ends_at": now + timedelta(hours=1),
        "product_ids": [world.products[0].pk],
    }
    hidden = make_product(brand=world.brand, published=False)
    cases = [
        ({"user": make_user()}, LinkErrorCode.NOT_APPROVED_FOR_BRAND, "brand"),
        ({"ends_at": now}, LinkErrorCode.INVALID_TIMES, "ends_at"),
        (
            {"ends_at": now - timedelta(minutes=1)},
            LinkErrorCode.INVALID_TIMES,
            "ends_at",
        ),
        ({"title": "   "}, LinkErrorCode.INVALID_TEXT, "title"),
        ({"title": "x" * 121}, LinkErrorCode.INVALID_TEXT, "title"),
        ({"title": "a\x00b"}, LinkErrorCode.INVALID_TEXT, "title"),
        (
            {"product_ids": [world.products[0].pk, hidden.pk]},
            LinkErrorCode.PRODUCT_NOT_PUBLISHED,
            "product_ids.1",
        ),
        (
            {"product_ids": [world.other_products[0].pk]},
            LinkErrorCode.WRONG_BRAND,
            "product_ids.0",
        ),
        ({"product_ids": [10**12]}, LinkErrorCode.NOT_FOUND, "product_ids.0"),
        ({"product_ids": ["1"]}, LinkErrorCode.NOT_FOUND, "product_ids.0"),
        (
            {"product_ids": list(range(1, 52))},
            LinkErrorCode.INVALID_TARGET,
            "product_ids",
        ),
    ]
    for change, code, field in cases:
        refused(code, field, services.live_session_create, **{**base, **change})
    assert not LiveSession.objects.exists()


# live_session_pin


def test_host_pins_and_unpins_a_featured_product():
    world = make_world()
    pinned = services.live_session_pin(
        user=world.host, session=world.session, product=world.products[1]
    )
    assert pinned.pinned_product == world.products[1]
    assert pinned.pinned_at is not None
    unpinned = services.live_session_pin(user=world.operator, session=world.session)
    assert unpinned.pinned_product is None
    world.session.refresh_from_db()
    assert world.session.pinned_product_id is None


def test_pin_refused_for_unpublished_or_unfeatured_product():
    world = make_world()
    world.products[0].is_published = False
    world.products[0].save()
    refused(
        LinkErrorCode.PRODUCT_NOT_PUBLISHED,
        "product",
        services.live_session_pin,
        user=world.host,
        session=world.session,
        product=world.products[0],
    )
    extra = make_product(brand=world.brand)
    refused(
        LinkErrorCode.NOT_FEATURED,
        "product",
        services.live_session_pin,
        user=world.host,
        session=world.session,
        product=extra,
    )
    world.session.refresh_from_db()
    assert world.session.pinned_product is None


def test_pin_refused_for_another_host_and_for_a_host_no_longer_approved():
    world = make_world()
    other_host = make_user()
    grant(other_host, Role.LIVESTREAM_HOST, world.brand)
    kwargs = {"session": world.session, "product": world.products[0]}
    refused(
        LinkErrorCode.PERMISSION_DENIED,
        "session",
        services.live_session_pin,
        user=other_host,
        **kwargs,
    )
    Membership.objects.filter(user=world.host).delete()
    host = type(world.host).objects.get(pk=world.host.pk)
    refused(
        LinkErrorCode.PERMISSION_DENIED,
        "session",
        services.live_session_pin,
        user=host,
        **kwargs,
    )
    staff = make_user(staff=True)
    assert services.live_session_pin(user=staff, **kwargs).pinned_product_id


# host_apply / host_application_decide


def test_application_approved_makes_a_host_with_a_profile():
    brand = make_brand()
    operator = make_user()
    grant(operator, Role.BRAND_OPERATOR, brand)
    applicant = make_user("xiao_mei", first_name="小美")
    application = services.host_apply(user=applicant, brand=brand, note="我会直播")
    assert application.status == ApplicationStatus.PENDING
    assert not user_can(applicant, Action.LINK_PRODUCTS_OF_BRAND, brand)
    decided = services.host_application_decide(
        user=operator, application=application, approve=True
    )
    assert decided.status == ApplicationStatus.APPROVED
    assert decided.decided_by == operator and decided.decided_at is not None
    assert Membership.objects.filter(
        user=applicant, role=Role.LIVESTREAM_HOST, brand=brand
    ).exists()
    profile = HostProfile.objects.get(user=applicant)
    assert profile.display_name == "小美"
    assert profile.slug == "xiao-mei"
    fresh = type(applicant).objects.get(pk=applicant.pk)
    assert user_can(fresh, Action.LINK_PRODUCTS_OF_BRAND, brand)


def test_rejection_grants_nothing_and_deciding_twice_is_refused():
    brand = make_brand()
    operator = make_user()
    grant(operator, Role.BRAND_OPERATOR, brand)
    applicant = make_user()
    application = services.host_apply(user=applicant, brand=brand)
    services.host_application_decide(
        user=operator, application=application, approve=False
    )
    refused(
        LinkErrorCode.ALREADY_DECIDED,
        "application",
        services.host_application_decide,
        user=operator,
        application=application,
        approve=True,
    )
    assert not Membership.objects.filter(user=applicant).exists()
    assert not HostProfile.objects.filter(user=applicant).exists()
    # Rejected, they may apply again.
    assert services.host_apply(user=applicant, brand=brand).pk != application.pk


def test_non_operator_cannot_decide():
    brand = make_brand()
    other_operator = make_user()
    grant(other_operator, Role.BRAND_OPERATOR, make_brand())
    host = make_user()
    grant(host, Role.LIVESTREAM_HOST, brand)
    application = services.host_apply(user=make_user(), brand=brand)
    for user in (other_operator, host, AnonymousUser()):
        refused(
            LinkErrorCode.PERMISSION_DENIED,
            "application",
            services.host_application_decide,
            user=user,
            application=application,
            approve=True,
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING
    staff = make_user(staff=True)
    assert (
        services.host_application_decide(
            user=staff, application=application, approve=True
        ).status
        == ApplicationStatus.APPROVED
    )


def test_apply_bad_input():
    brand = make_brand()
    host = make_user()
    services.host_apply(user=host, brand=brand)
    refused(
        LinkErrorCode.ALREADY_APPLIED,
        "brand",
        services.host_apply,
        user=host,
        brand=brand,
    )
    approved = make_user()
    grant(approved, Role.LIVESTREAM_HOST, brand)
    refused(
        LinkErrorCode.ALREADY_APPLIED,
        "brand",
        services.host_apply,
        user=approved,
        brand=brand,
    )
    refused(
        LinkErrorCode.INVALID_TEXT,
        "note",
        services.host_apply,
        user=make_user(),
        brand=brand,
        note="x" * 201,
    )
    refused(
        LinkErrorCode.PERMISSION_DENIED,
        None,
        services.host_apply,
        user=AnonymousUser(),
        brand=brand,
    )
    closed = make_brand(is_active=False)
    refused(
        LinkErrorCode.NOT_FOUND,
        "brand",
        services.host_apply,
        user=make_user(),
        brand=closed,
    )


def test_profile_slug_does_not_collide():
    brand = make_brand()
    operator = make_user(staff=True)
    first, second = make_user(first_name="小美"), make_user(first_name="小美")
    for user in (first, second):
        application = services.host_apply(user=user, brand=brand)
        services.host_application_decide(
            user=operator, application=application, approve=True
        )
    slugs = set(HostProfile.objects.values_list("slug", flat=True))
    assert slugs == {"xiao-mei", "xiao-mei-2"}
