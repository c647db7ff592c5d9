"""The workshop's parcel list cut into pages: the page is chosen on parcel
ids and then read whole, so the pages together are the selector's list in
its order, each parcel once, and each parcel's links (reversed once a page)
are the ones `reverse` gives for it."""

import re

import pytest
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from storefront.orders.models import FulfillmentStatus
from storefront.orders.selectors import fulfillments_of_workshop
from tests.storefront.web import test_workshop_portal as portal_tests
from tests.storefront.web.test_workshop_portal import _write_parcel, signed_in

portal = portal_tests.portal  # the portal pages' fixture: workshops, roles, an order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


def _pk_order(response) -> list[int]:
    return [parcel.pk for parcel in response.context["parcels"]]


@pytest.mark.parametrize("status", ["", "to_ship"])
def test_the_pages_together_are_the_whole_list_in_order(client, portal, status):
    island, mussels = portal["island"], portal["mussels"]
    for n in range(50):  # 41 to ship, 51 in all: three pages either way
        _write_parcel(
            island,
            mussels,
            n,
            status=FulfillmentStatus.SHIPPED if n % 5 == 0 else "pending",
        )
    signed_in(client, portal["users"]["manager"])
    url = reverse("workshop:orders") + f"?status={status}&page="
    pages = [client.get(url + str(n)) for n in (1, 2, 3)]

    expected = list(
        fulfillments_of_workshop(
            island, status=FulfillmentStatus.PENDING if status else None
        ).values_list("pk", flat=True)
    )
    listed = [pk for page in pages for pk in _pk_order(page)]
    assert listed == expected
    assert [len(_pk_order(page)) for page in pages][:2] == [20, 20]
    assert pages[0].context["page"].paginator.count == len(expected)
    # Past the last page: the last page, as Paginator.get_page answers.
    assert _pk_order(client.get(url + "99")) == _pk_order(pages[2])
    assert _pk_order(client.get(url + "abc")) == _pk_order(pages[0])


def test_each_parcel_links_to_its_own_pages(client, portal):
    island, mussels = portal["island"], portal["mussels"]
    shipped = _write_parcel(island, mussels, 3, status=FulfillmentStatus.SHIPPED)
    signed_in(client, portal["users"]["manager"])
    page = client.get(reverse("workshop:orders")).content.decode()

    articles = re.findall(r"<article .*?</article>", page, flags=re.S)
    assert len(articles) == 2
    for article, parcel in zip(
        articles, [portal["parcel"], shipped.fulfillments.get()], strict=True
    ):
        for name in ("packing", "label"):
            assert f'href="{reverse(f"workshop:{name}", args=[parcel.pk])}"' in article
        action = "ship" if parcel.status == FulfillmentStatus.PENDING else "correct"
        assert f'href="{reverse(f"workshop:{action}", args=[parcel.pk])}"' in article
        order = parcel.order
        # As the template's `date:"Y-m-d H:i"` filter showed it, in local time.
        paid = date_filter(timezone.localtime(order.paid_at), "Y-m-d H:i")
        assert f"Paid</span> {paid}</p>" in article
        address = f"{order.province}{order.city}{order.district}{order.street_address}"
        assert f"<br>{escape(address)}</p>" in article


def test_a_brand_operator_gets_the_printables_but_no_ship_links(client, portal):
    signed_in(client, portal["users"]["brand_operator"])
    page = client.get(reverse("workshop:orders") + "?workshop=island")
    html = page.content.decode()
    parcel = portal["parcel"]
    assert reverse("workshop:packing", args=[parcel.pk]) in html
    assert reverse("workshop:ship", args=[parcel.pk]) not in html


def test_no_parcel_matching_is_said_without_reading_parcels(
    client, portal, django_assert_max_num_queries
):
    signed_in(client, portal["users"]["manager"])
    client.get(reverse("workshop:orders"))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("workshop:orders") + "?q=NO-SUCH-ORDER")
    assert response.context["parcels"] == []
    assert "No parcels match" in response.content.decode()
