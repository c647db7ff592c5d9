"""Product.search_text copies the names of the product's brand, workshop,
origin village and category. Renaming any of them in the admin rebuilds it
(brands.services → hooks.organisation_changed → the catalog; a category
through catalog.services), and the cached search pages go with the old
names: the shop finds the new name and no longer the old one."""

import json

import pytest
from django import forms
from django.urls import reverse

from brands.models import Brand, Village, Workshop
from storefront.catalog.models import Category, Product
from storefront.catalog.services import category_create
from tests.factories import (
    make_brand,
    make_product,
    make_user,
    make_village,
    make_workshop,
)

pytestmark = pytest.mark.django_db

SEARCH = reverse("web:search")
PRODUCTS = """query ($q: String) {
  products(first: 10, filter: {search: $q}) { edges { node { name } } }
}"""


@pytest.fixture
def product(db):
    brand = make_brand(name="斑斓海岸", name_en="Banlan Coast")
    village = make_village(name="东门村", name_en="Dongmen")
    workshop = make_workshop(brands=[brand], village=village, name="黄避岙工坊")
    category = category_create(name="海鲜", name_en="Seafood")
    return make_product(
        brand=brand, workshop=workshop, category=category, name="活黄鱼"
    )


def _page_finds(client, q) -> bool:
    response = client.get(SEARCH, {"q": q})
    assert response.status_code == 200
    page = response.context and response.context.get("page_obj")
    if page is not None:
        return "活黄鱼" in [p.name for p in page.object_list]
    # Served from the page cache: no context, only the page.
    return "活黄鱼" in response.content.decode()


def _graphql_finds(client, q) -> bool:
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": PRODUCTS, "variables": {"q": q}}),
        content_type="application/json",
    )
    edges = response.json()["data"]["products"]["edges"]
    return [edge["node"]["name"] for edge in edges] == ["活黄鱼"]


def _finds(client, q) -> bool:
    page, api = _page_finds(client, q), _graphql_finds(client, q)
    assert page == api, q
    return page


def _form_data(form) -> dict:
    """What the admin's change form would post back unchanged."""
    data = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.FileField):
            continue  # no upload: the file stays as it is
        value = form.initial.get(name, field.initial)
        if callable(value):
            value = value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, (list, tuple)):
            data[name] = [getattr(item, "pk", item) for item in value]
        else:
            data[name] = "" if value is None else value
    return data


def _rename_in_admin(client, obj, **names):
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    data = _form_data(client.get(url).context["adminform"].form)
    data.update(names)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


@pytest.mark.parametrize(
    ("model", "old", "new"),
    [
        (Brand, "斑斓海岸", "碧海蓝湾"),
        (Workshop, "黄避岙工坊", "石浦渔工坊"),
        (Village, "东门村", "南田村"),
        (Category, "海鲜", "鲜活水产"),
    ],
)
def test_a_rename_in_the_admin_is_what_search_finds(client, product, model, old, new):
    assert _finds(client, old)  # and the page is now cached under the old name
    assert not _finds(client, new)
    client.force_login(make_user(staff=True))
    _rename_in_admin(client, model.objects.get(name=old), name=new)
    client.logout()

    assert _finds(client, new)
    assert not _finds(client, old)


def test_english_names_and_pinyin_follow_too(client, product):
    client.force_login(make_user(staff=True))
    _rename_in_admin(client, product.brand, name="碧海蓝湾", name_en="Azure Bay")
    client.logout()

    assert _finds(client, "azure bay")
    assert not _finds(client, "banlan")
    text = Product.objects.get(pk=product.pk).search_text
    assert "碧海蓝湾" in text and "斑斓海岸" not in text


def test_other_edits_leave_search_text_alone(client, product):
    before = Product.objects.get(pk=product.pk).search_text
    client.force_login(make_user(staff=True))
    _rename_in_admin(client, product.workshop, story="新的故事")
    assert Product.objects.get(pk=product.pk).search_text == before
