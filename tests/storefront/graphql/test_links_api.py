"""GraphQL for livestream hosts: hostLinkCreate, hostLinks, liveSessionCreate,
liveSessionPin and liveSession, tried by every role."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_relay import to_global_id

from brands.models import Role
from storefront.graphql.view import is_public_catalogue_query
from storefront.links import services
from storefront.links.models import HostLink, LiveSession
from tests.factories import grant, make_product, make_user
from tests.storefront.links.live_world import make_world

pytestmark = pytest.mark.django_db

CREATE_LINK = """
mutation ($input: HostLinkCreateInput!) {
  hostLinkCreate(input: $input) {
    hostLink { id code url targetUrl target clicks label utmSource hostName
               brand { slug } product { slug } liveSession { title } }
    errors { field code message }
  }
}"""

HOST_LINKS = """
query ($first: Int, $after: String) {
  hostLinks(first: $first, after: $after) {
    totalCount
    edges { cursor node { code hostName } }
    pageInfo { hasNextPage endCursor }
  }
}"""

CREATE_SESSION = """
mutation ($input: LiveSessionCreateInput!) {
  liveSessionCreate(input: $input) {
    liveSession { id title featuredProducts { slug } }
    errors { field code message }
  }
}"""

PIN = """
mutation ($session: ID!, $product: ID) {
  liveSessionPin(session: $session, product: $product) {
    liveSession { pinnedProduct { slug } pinnedAt }
    errors { field code message }
  }
}"""

SESSION = """
query ($id: ID!) {
  liveSession(id: $id) {
    title hostName isLive url startsAt endsAt
    brand { slug }
    pinnedProduct { slug name
      pricing { priceRange { start { gross { amount fractionalAmount } } } } }
    featuredProducts { slug }
    figures { views clicks orders gmvFen gmv { formatted } }
  }
}"""


def gid(kind, obj):
    return to_global_id(kind, obj.pk)


def product_input(world, **extra):
    return {"target": "PRODUCT", "product": gid("Product", world.products[0]), **extra}


def test_host_creates_a_product_link(client, gql):
    world = make_world()
    client.force_login(world.host)
    body = gql(
        CREATE_LINK,
        {
            "input": product_input(
                world,
                liveSession=gid("LiveSession", world.session),
                label="晚场",
                utmSource="douyin",
            )
        },
    )
    payload = body["data"]["hostLinkCreate"]
    assert payload["errors"] == []
    link = payload["hostLink"]
    stored = HostLink.objects.get()
    assert link["code"] == stored.code
    assert link["url"] == f"{settings.SITE_URL}/l/{stored.code}"
    assert link["targetUrl"].endswith(f"/products/{world.products[0].slug}/")
    assert link["target"] == "PRODUCT"
    assert link["clicks"] == 0
    assert (link["label"], link["utmSource"]) == ("晚场", "douyin")
    assert link["brand"]["slug"] == world.brand.slug
    assert link["product"]["slug"] == world.products[0].slug
    assert link["liveSession"]["title"] == world.session.title
    assert stored.live_session == world.session


def test_host_not_approved_for_the_brand_cannot_create_links(client, gql):
    world = make_world(with_session=False)
    client.force_login(world.host)
    body = gql(
        CREATE_LINK,
        {
            "input": {
                "target": "PRODUCT",
                "product": gid("Product", world.other_products[0]),
            }
        },
    )
    payload = body["data"]["hostLinkCreate"]
    assert payload["hostLink"] is None
    assert payload["errors"][0]["code"] == "NOT_APPROVED_FOR_BRAND"
    assert payload["errors"][0]["field"] == "brand"
    assert "/" in payload["errors"][0]["message"]
    assert not HostLink.objects.exists()


def test_link_bad_input_is_reported_by_field(client, gql):
    world = make_world()
    hidden = make_product(brand=world.brand, published=False)
    client.force_login(world.host)
    cases = [
        (
            {"target": "PRODUCT", "product": gid("Product", hidden)},
            "PRODUCT_NOT_PUBLISHED",
            "product",
        ),
        ({"target": "PRODUCT", "product": "bm9wZQ=="}, "NOT_FOUND", "product"),
        (
            {"target": "PRODUCT", "product": gid("Brand", world.brand)},
            "NOT_FOUND",
            "product",
        ),
        ({"target": "BRAND"}, "INVALID_TARGET", "brand"),
        (product_input(world, utmSource="x" * 101), "INVALID_UTM", "utmSource"),
        # A NUL is refused at the API's edge, before the domain's own check.
        (product_input(world, utmCampaign="a\u0000b"), "INVALID", "utmCampaign"),
        (
            product_input(
                world, expiresAt=(timezone.now() - timedelta(hours=1)).isoformat()
            ),
            "INVALID_TIMES",
            "expiresAt",
        ),
    ]
    for link_input, code, field in cases:
        errors = gql(CREATE_LINK, {"input": link_input})["data"]["hostLinkCreate"][
            "errors"
        ]
        assert [(e["code"], e["field"]) for e in errors] == [(code, field)], link_input
    other_host = make_user()
    grant(other_host, Role.LIVESTREAM_HOST, world.brand)
    client.force_login(other_host)
    errors = gql(
        CREATE_LINK,
        {
            "input": {
                "target": "LIVE_SESSION",
                "liveSession": gid("LiveSession", world.session),
            }
        },
    )["data"]["hostLinkCreate"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [
        ("PERMISSION_DENIED", "liveSession")
    ]
    assert not HostLink.objects.exists()


def test_signed_out_cannot_create(gql):
    world = make_world(with_session=False)
    errors = gql(CREATE_LINK, {"input": product_input(world)})["data"][
        "hostLinkCreate"
    ]["errors"]
    assert errors[0]["code"] == "PERMISSION_DENIED"


def test_host_links_lists_by_role(client, gql):
    world = make_world(with_session=False)
    mine = [
        services.host_link_create(user=world.host, target="brand", brand=world.brand)
        for _ in range(3)
    ]
    other_host = make_user()
    grant(other_host, Role.LIVESTREAM_HOST, world.brand)
    grant(other_host, Role.LIVESTREAM_HOST, world.other_brand)
    theirs = services.host_link_create(
        user=other_host, target="brand", brand=world.brand
    )
    elsewhere = services.host_link_create(
        user=other_host, target="brand", brand=world.other_brand
    )

    def codes(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        data = gql(HOST_LINKS, {"first": 10})["data"]["hostLinks"]
        return {edge["node"]["code"] for edge in data["edges"]}

    assert codes(world.host) == {link.code for link in mine}
    assert codes(other_host) == {theirs.code, elsewhere.code}
    assert codes(world.operator) == {link.code for link in mine} | {theirs.code}
    assert codes(make_user(staff=True)) == {
        link.code for link in [*mine, theirs, elsewhere]
    }
    assert codes(None) == set()

    client.force_login(world.host)
    first = gql(HOST_LINKS, {"first": 2})["data"]["hostLinks"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    rest = gql(HOST_LINKS, {"first": 2, "after": first["pageInfo"]["endCursor"]})
    assert len(rest["data"]["hostLinks"]["edges"]) == 1


def test_host_links_query_count_does_not_grow_with_links(client, gql):
    world = make_world()
    client.force_login(world.host)
    query = """{ hostLinks(first: 50) { edges { node {
        code url targetUrl hostName brand { slug } liveSession { title } } } } }"""
    services.host_link_create(
        user=world.host, target="live_session", live_session=world.session
    )
    with CaptureQueriesContext(connection) as one:
        gql(query)
    for _ in range(5):
        services.host_link_create(
            user=world.host, target="live_session", live_session=world.session
        )
    with CaptureQueriesContext(connection) as six:
        body = gql(query)
    assert len(body["data"]["hostLinks"]["edges"]) == 6
    assert len(six) == len(one)


def test_node_does_not_reveal_another_hosts_link(client, gql):
    world = make_world(with_session=False)
    link = services.host_link_create(user=world.host, target="brand", brand=world.brand)
    query = "query ($id: ID!) { node(id: $id) { ... on HostLink { code } } }"
    other = make_user()
    grant(other, Role.LIVESTREAM_HOST, world.brand)
    client.force_login(other)
    assert gql(query, {"id": gid("HostLink", link)})["data"]["node"] is None
    client.force_login(world.host)
    assert (
        gql(query, {"id": gid("HostLink", link)})["data"]["node"]["code"] == link.code
    )


def test_live_session_create_and_bad_input(client, gql):
    world = make_world(with_session=False)
    client.force_login(world.host)
    starts = timezone.now() + timedelta(hours=1)
    good = {
        "brand": gid("Brand", world.brand),
        "title": "今晚八点 黄鱼专场",
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=2)).isoformat(),
        "products": [
            gid("Product", world.products[1]),
            gid("Product", world.products[0]),
        ],
    }
    payload = gql(CREATE_SESSION, {"input": good})["data"]["liveSessionCreate"]
    assert payload["errors"] == []
    assert [p["slug"] for p in payload["liveSession"]["featuredProducts"]] == [
        world.products[1].slug,
        world.products[0].slug,
    ]
    hidden = make_product(brand=world.brand, published=False)
    cases = [
        ({"endsAt": starts.isoformat()}, "INVALID_TIMES", "endsAt"),
        ({"title": " "}, "INVALID_TEXT", "title"),
        ({"products": [gid("Product", hidden)]}, "PRODUCT_NOT_PUBLISHED", "products.0"),
        (
            {
                "products": [
                    gid("Product", world.products[0]),
                    gid("Product", world.other_products[0]),
                ]
            },
            "WRONG_BRAND",
            "products.1",
        ),
        ({"products": ["junk"]}, "NOT_FOUND", "products.0"),
        ({"brand": gid("Brand", world.other_brand)}, "NOT_APPROVED_FOR_BRAND", "brand"),
    ]
    for change, code, field in cases:
        errors = gql(CREATE_SESSION, {"input": {**good, **change}})["data"][
            "liveSessionCreate"
        ]["errors"]
        assert [(e["code"], e["field"]) for e in errors] == [(code, field)], change
    assert LiveSession.objects.count() == 1


def test_pin_unpin_and_refusals(client, gql):
    world = make_world()
    session_id = gid("LiveSession", world.session)
    client.force_login(world.host)
    pinned = gql(
        PIN, {"session": session_id, "product": gid("Product", world.products[1])}
    )
    payload = pinned["data"]["liveSessionPin"]
    assert payload["errors"] == []
    assert payload["liveSession"]["pinnedProduct"]["slug"] == world.products[1].slug

    hidden = world.products[0]
    hidden.is_published = False
    hidden.save()
    for product, code in (
        (gid("Product", hidden), "PRODUCT_NOT_PUBLISHED"),
        (gid("Product", make_product(brand=world.brand)), "NOT_FEATURED"),
        ("bad", "NOT_FOUND"),
    ):
        errors = gql(PIN, {"session": session_id, "product": product})["data"][
            "liveSessionPin"
        ]["errors"]
        assert [(e["code"], e["field"]) for e in errors] == [(code, "product")]
    world.session.refresh_from_db()
    assert world.session.pinned_product == world.products[1]

    other_host = make_user()
    grant(other_host, Role.LIVESTREAM_HOST, world.brand)
    client.force_login(other_host)
    errors = gql(PIN, {"session": session_id, "product": None})["data"][
        "liveSessionPin"
    ]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [
        ("PERMISSION_DENIED", "session")
    ]
    errors = gql(PIN, {"session": "nope"})["data"]["liveSessionPin"]["errors"]
    assert errors[0]["code"] == "NOT_FOUND"

    client.force_login(world.operator)
    unpinned = gql(PIN, {"session": session_id, "product": None})["data"][
        "liveSessionPin"
    ]
    assert unpinned["errors"] == [] and unpinned["liveSession"]["pinnedProduct"] is None


def test_live_session_is_public_but_figures_are_not(client, gql):
    world = make_world()
    services.live_session_pin(
        user=world.host, session=world.session, product=world.products[2]
    )
    link = services.host_link_create(
        user=world.host, target="live_session", live_session=world.session
    )
    HostLink.objects.filter(pk=link.pk).update(clicks=4)
    variables = {"id": gid("LiveSession", world.session)}

    public = gql(SESSION, variables)["data"]["liveSession"]
    assert public["title"] == world.session.title
    assert public["hostName"] == world.host.username
    assert public["isLive"] is True
    assert public["url"].endswith(f"/live/{world.session.pk}/")
    assert public["pinnedProduct"]["slug"] == world.products[2].slug
    start = public["pinnedProduct"]["pricing"]["priceRange"]["start"]["gross"]
    assert start == {"amount": 14.8, "fractionalAmount": 1480}
    assert [p["slug"] for p in public["featuredProducts"]] == [
        p.slug for p in world.products
    ]
    assert public["figures"] is None

    other_host = make_user()
    grant(other_host, Role.LIVESTREAM_HOST, world.brand)
    other_operator = make_user()
    grant(other_operator, Role.BRAND_OPERATOR, world.other_brand)
    for outsider in (other_host, other_operator):
        client.force_login(outsider)
        assert gql(SESSION, variables)["data"]["liveSession"]["figures"] is None

    for insider in (world.host, world.operator, make_user(staff=True)):
        client.force_login(insider)
        figures = gql(SESSION, variables)["data"]["liveSession"]["figures"]
        assert figures == {
            "views": 0,
            "clicks": 4,
            "orders": 0,
            "gmvFen": 0,
            "gmv": {"formatted": "¥0.00"},
        }

    assert gql(SESSION, {"id": "junk"})["data"]["liveSession"] is None


def test_live_session_queries_are_never_cached():
    import json

    for query in (SESSION, HOST_LINKS, '{ liveSession(id: "x") { title } }'):
        assert not is_public_catalogue_query(json.dumps({"query": query}).encode())


def test_live_session_hides_an_unpublished_pinned_product(gql):
    world = make_world()
    services.live_session_pin(
        user=world.host, session=world.session, product=world.products[0]
    )
    world.products[0].is_published = False
    world.products[0].save()
    data = gql(SESSION, {"id": gid("LiveSession", world.session)})["data"][
        "liveSession"
    ]
    assert data["pinnedProduct"] is None
    assert world.products[0].slug not in {p["slug"] for p in data["featuredProducts"]}
