"""Issue 13, "Import that helps": a template whose sample row imports on the
demo and whose XLSX offers the valid categories and brands; one brand chosen
for a whole Shopify export whose Vendor is not ours (portal, CLI, GraphQL),
refused when it is not the workshop's or not the user's; a plan whose diff
names every field apply writes; links to the products an apply wrote."""

import io
import json
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from brands.models import Role, Workshop
from catalog_import import columns, selectors, services
from catalog_import.errors import ImportErrorCode as Code
from catalog_import.errors import ImportJobError, ImportJobErrorCode
from catalog_import.models import ImportJob, ImportMode, ImportStatus
from catalog_import.pipeline import run_import
from storefront.catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductVariant,
    Stock,
)
from tests.catalog_import.jobs_helpers import catalogue_csv, catalogue_rows, upload
from tests.catalog_import.test_graphql_import import _gql, _multipart, _signed_in
from tests.factories import (
    grant,
    make_brand,
    make_product,
    make_user,
    make_workshop,
    png_bytes,
)

pytestmark = pytest.mark.django_db

HOME = "/workshop/import/"
SHOPIFY_HEADERS = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Type",
    "Option1 Name",
    "Option1 Value",
    "Variant SKU",
    "Variant Price",
    "Variant Inventory Qty",
]


def _shopify(vendor: str = "Old Shop Ltd", products: int = 2) -> bytes:
    rows = [
        [
            f"dried-fish-{n}",
            f"黄鱼鲞{n}",
            "<p>晒干的黄鱼</p>",
            vendor,
            "",
            "Size",
            "250g",
            f"DF-{n}",
            "58.00",
            "10",
        ]
        for n in range(1, products + 1)
    ]
    return catalogue_csv(rows, headers=SHOPIFY_HEADERS)


def _run(workshop, actor, content: bytes, *, name="goods.csv", dry_run=True, **kw):
    return run_import(
        workshop=workshop,
        actor=actor,
        name=name,
        fileobj=io.BytesIO(content),
        dry_run=dry_run,
        fetch_remote=False,
        **kw,
    )


@pytest.fixture
def world():
    """Workshop W sells under brands A and B; its manager may use both. Brand
    C is another workshop's. An operator of A alone may not create B's."""
    brand_a = make_brand(name="斑斓海岸", slug="banlan")
    brand_b = make_brand(name="小岛下酒菜", slug="xiaodao")
    brand_c = make_brand(name="东塍彩灯", slug="dongcheng")
    workshop = make_workshop(brands=[brand_a, brand_b], slug="dongmen")
    other = make_workshop(brands=[brand_c], slug="hepu")
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, workshop)
    operator_a = make_user()
    grant(operator_a, Role.BRAND_OPERATOR, brand_a)
    return {
        "A": brand_a,
        "B": brand_b,
        "C": brand_c,
        "workshop": workshop,
        "other": other,
        "manager": manager,
        "operator_a": operator_a,
    }


# 1. The template --------------------------------------------------------------


@pytest.fixture
def demo():
    from storefront.demo.services import demo_load

    demo_load()
    workshop = Workshop.objects.get(slug="huangbiao-huangyu")
    user = get_user_model().objects.get(username="workshop_huangyu")
    return workshop, user


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_demo_workshops_template_imports_as_it_is(demo, fmt):
    workshop, user = demo
    client = Client()
    client.force_login(user)

    response = client.get(f"/workshop/import/template.{fmt}")

    assert response.status_code == 200
    dry = _run(workshop, user, response.content, name=f"template.{fmt}")
    assert dry.file_error is None
    assert [p.as_dict() for p in dry.problems] == []
    assert dry.counts["created"] == 1
    applied = _run(workshop, user, response.content, name=f"t.{fmt}", dry_run=False)
    assert applied.errors == [] and applied.counts["created"] == 1
    product = Product.objects.get(workshop=workshop, product_code="HY-001")
    assert product.brand in workshop.brands.all()
    assert product.category is not None
    assert product.is_published is False  # a sample never goes on sale by itself
    assert product.variants.count() == 2


def test_the_xlsx_template_lists_categories_and_brands_in_drop_downs(world):
    workshop, manager = world["workshop"], world["manager"]
    Category.objects.create(slug="dried-seafood", name="干货")
    Category.objects.create(slug="gan-huo-2", name="干货")  # a name twice: by slug
    client = Client()
    client.force_login(manager)

    response = client.get(f"/workshop/import/template.xlsx?workshop={workshop.slug}")

    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "商品"  # the import reads the first sheet
    lists = book[columns.LISTS_SHEET]
    categories = [row[0] for row in lists.iter_rows(min_row=2, values_only=True)]
    brands = [row[1] for row in lists.iter_rows(min_row=2, values_only=True)]
    assert set(categories) >= {"dried-seafood", "gan-huo-2"}
    assert {b for b in brands if b} == {"小岛下酒菜", "斑斓海岸"}
    sheet = book["商品"]
    by_column = {
        str(v.sqref).split(":")[0].rstrip("0123456789"): v
        for v in sheet.data_validations.dataValidation
    }
    category_letter = sheet.cell(
        row=1, column=columns.TEMPLATE_HEADERS.index("分类") + 1
    ).column_letter
    brand_letter = sheet.cell(
        row=1, column=columns.TEMPLATE_HEADERS.index("品牌") + 1
    ).column_letter
    assert by_column[category_letter].type == "list"
    assert columns.LISTS_SHEET in by_column[category_letter].formula1
    assert by_column[brand_letter].formula1.endswith("$B$2:$B$3")
    header = [c.value for c in sheet[1]]
    sample = dict(zip(header, [c.value for c in sheet[2]], strict=False))
    assert sample["品牌"] in {"斑斓海岸", "小岛下酒菜"}
    assert sample["分类"] in categories


def test_the_template_offers_only_brands_the_user_may_create(world):
    choices = selectors.template_choices(world["workshop"], world["operator_a"])
    assert choices.brands == ["斑斓海岸"] and choices.sample_brand == "斑斓海岸"


def test_the_import_page_lists_categories_brands_and_the_brand_select(world):
    Category.objects.create(slug="dried-seafood", name="干货")
    client = Client()
    client.force_login(world["manager"])

    html = client.get(HOME).content.decode()

    assert '<span class="import-category">干货</span>' in html
    assert '<span class="import-brand">斑斓海岸</span>' in html
    assert '<span class="import-brand">小岛下酒菜</span>' in html
    assert "东塍彩灯" not in html  # another workshop's brand
    assert 'name="brand"' in html and "整个文件使用的品牌" in html


def test_the_cli_writes_a_workshops_template(world, tmp_path):
    target = tmp_path / "t.xlsx"
    call_command("import_catalog", "--template", str(target), "--workshop", "dongmen")
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["商品", columns.LISTS_SHEET]


# 2. One brand for a whole Shopify export -------------------------------------


def test_an_unknown_vendor_is_an_error_that_says_a_brand_may_be_chosen(world):
    result = _run(world["workshop"], world["manager"], _shopify())

    assert [p.code for p in result.errors] == [Code.UNKNOWN_BRAND] * 2
    message = result.errors[0].as_dict()["message"]
    assert "上传时可为整个文件选择本工坊的一个品牌" in message
    assert "choose one of the workshop's brands for the whole file" in message
    assert result.counts["created"] == 0


def test_a_chosen_brand_replaces_the_vendor_with_one_warning(world):
    workshop, brand = world["workshop"], world["B"]

    result = _run(
        workshop, world["manager"], _shopify(), dry_run=False, brand_override=brand
    )

    assert result.errors == []
    assert [p.code for p in result.warnings] == [Code.BRAND_REPLACED]
    warning = result.warnings[0].as_dict()["message"]
    assert "Old Shop Ltd → 小岛下酒菜" in warning and "brand chosen" in warning
    assert result.counts["created"] == 2
    assert set(
        Product.objects.filter(workshop=workshop).values_list("brand", flat=True)
    ) == {brand.pk}
    again = _run(workshop, world["manager"], _shopify(), brand_override=brand)
    assert again.counts["unchanged"] == 2 and again.errors == []


def test_a_vendor_that_is_another_workshops_brand_is_replaced_too(world):
    result = _run(
        world["workshop"],
        world["manager"],
        _shopify(vendor="东塍彩灯"),
        brand_override=world["A"],
    )
    assert result.errors == [] and result.counts["created"] == 2
    assert [p.code for p in result.warnings] == [Code.BRAND_REPLACED]


def test_a_chosen_brand_leaves_known_vendors_alone(world):
    """An override for a file whose brands are all the workshop's: a no-op."""
    workshop, manager = world["workshop"], world["manager"]
    content = _shopify(vendor="斑斓海岸")

    without = _run(workshop, manager, content)
    with_override = _run(workshop, manager, content, brand_override=world["B"])

    assert with_override.problems == [] == without.problems
    assert with_override.plan == without.plan
    assert with_override.plan[0]["changes"]["brand"] == [None, "斑斓海岸"]


def test_a_gbk_csv_still_imports_with_or_without_a_chosen_brand(world):
    workshop, manager = world["workshop"], world["manager"]
    rows = catalogue_rows(world["A"], products=2, variants=1)
    text = catalogue_csv(rows).decode("utf-8-sig")
    gbk = text.encode("gbk")

    plain = _run(workshop, manager, gbk)
    chosen = _run(workshop, manager, gbk, brand_override=world["B"], dry_run=False)

    assert plain.problems == [] and plain.counts["created"] == 2
    assert chosen.problems == [] and chosen.counts["created"] == 2
    names = set(Product.objects.values_list("name", flat=True))
    assert names == {"测试黄鱼鲞1", "测试黄鱼鲞2"}
    assert set(Product.objects.values_list("brand", flat=True)) == {world["A"].pk}


@pytest.mark.parametrize("which", ["other_workshops", "not_the_users"])
def test_a_brand_the_user_may_not_use_is_refused_and_nothing_stored(world, which):
    user = world["manager"] if which == "other_workshops" else world["operator_a"]
    brand = world["C"] if which == "other_workshops" else world["B"]

    with pytest.raises(ImportJobError) as refused:
        services.import_job_create(
            user=user,
            workshop=world["workshop"],
            upload=upload(_shopify()),
            mode=ImportMode.DRY_RUN,
            brand=brand,
        )

    assert refused.value.code == ImportJobErrorCode.BRAND_NOT_ALLOWED
    assert refused.value.field == "brand"
    assert "所选品牌不是该工坊的品牌" in refused.value.message
    assert "not one of this workshop's brands" in refused.value.message
    assert not ImportJob.objects.exists()


def test_the_portal_refuses_another_workshops_brand_on_the_form(world):
    client = Client()
    client.force_login(world["manager"])
    response = client.post(
        HOME,
        {
            "workshop": world["workshop"].pk,
            "file": SimpleUploadedFile("s.csv", _shopify(), content_type="text/csv"),
            "brand": world["C"].pk,
        },
    )
    assert response.status_code == 400
    assert "所选品牌不是该工坊的品牌" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_portal_keeps_the_chosen_brand_through_apply(
    world, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(world["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            HOME,
            {
                "workshop": world["workshop"].pk,
                "file": SimpleUploadedFile(
                    "s.csv", _shopify(), content_type="text/csv"
                ),
                "brand": world["B"].pk,
            },
        )
    assert response.status_code == 302
    dry = ImportJob.objects.get()
    assert dry.brand_override == world["B"] and dry.status == ImportStatus.DONE
    assert (dry.error_count, dry.warning_count, dry.created_count) == (0, 1, 2)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/workshop/import/{dry.pk}/apply/")
    applied = ImportJob.objects.get(mode=ImportMode.APPLY)
    assert applied.brand_override == world["B"]
    assert applied.created_count == 2 and applied.error_count == 0

    # 4. The result page links to the products written.
    html = client.get(f"/workshop/import/{applied.pk}/").content.decode()
    assert 'id="written"' in html
    for product in Product.objects.filter(workshop=world["workshop"]):
        assert f'href="/products/{product.slug}/"' in html
        assert f"/admin/catalog/product/{product.pk}/change/" not in html  # not staff


def test_the_cli_takes_a_brand_for_the_file_and_refuses_another_workshops(
    world, tmp_path
):
    path = tmp_path / "shopify.csv"
    path.write_bytes(_shopify())
    manager = world["manager"].get_username()
    with pytest.raises(CommandError) as refused:
        call_command(
            "import_catalog",
            "--workshop",
            "dongmen",
            str(path),
            "--as",
            manager,
            "--brand",
            "dongcheng",
        )
    assert "不是该工坊的品牌" in str(refused.value) and "dongcheng" in str(
        refused.value
    )
    with pytest.raises(CommandError):
        call_command(
            "import_catalog",
            "--workshop",
            "dongmen",
            str(path),
            "--as",
            manager,
            "--brand",
            "no-such-brand",
        )

    out = io.StringIO()
    call_command(
        "import_catalog",
        "--workshop",
        "dongmen",
        str(path),
        "--as",
        manager,
        "--brand",
        "xiaodao",
        "--no-fetch",
        stdout=out,
    )

    text = out.getvalue()
    assert "新增 created 2" in text and "brand_replaced" in text
    for product in Product.objects.filter(workshop=world["workshop"]):
        assert product.brand == world["B"]
        assert f"/products/{product.slug}/" in text
        assert f"/admin/catalog/product/{product.pk}/change/" in text


GQL_CREATE = """
mutation Create($workshop: String!, $file: Upload!, $brand: String) {
  catalogImportCreate(workshop: $workshop, file: $file, brand: $brand) {
    job { id brandSlug }
    errors { field code message }
  }
}
"""

GQL_JOB = """
query Job($id: ID!) {
  importJob(id: $id) {
    status createdCount errorCount warningCount brandSlug
    plan(first: 10) { edges { node { action productCode written productUrl
      changes { field old new } variants { sku isNew changes { field new } } } } }
  }
}
"""

GQL_APPLY = """
mutation Apply($job: ID!) {
  catalogImportApply(job: $job) { job { id } errors { code } }
}
"""


def _gql_upload(client, token, workshop, brand):
    file = SimpleUploadedFile("s.csv", _shopify(), content_type="text/csv")
    return _multipart(
        client,
        GQL_CREATE,
        {"workshop": workshop.slug, "file": None, "brand": brand},
        {"0": ("variables.file", file)},
        HTTP_X_CSRFTOKEN=token,
    ).json()["data"]["catalogImportCreate"]


@pytest.mark.parametrize("brand", ["dongcheng", "no-such-brand"])
def test_graphql_refuses_a_brand_not_the_workshops(world, brand):
    client, token = _signed_in(world["manager"])
    body = _gql_upload(client, token, world["workshop"], brand)
    assert body["job"] is None
    assert body["errors"][0]["code"] == "BRAND_NOT_ALLOWED"
    assert body["errors"][0]["field"] == "brand"
    assert not ImportJob.objects.exists()


def test_graphql_takes_a_brand_and_links_the_written_products(
    world, django_capture_on_commit_callbacks
):
    client, token = _signed_in(world["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        body = _gql_upload(client, token, world["workshop"], "xiaodao")
    assert body["errors"] == [] and body["job"]["brandSlug"] == "xiaodao"
    job_id = body["job"]["id"]
    dry = _gql(client, GQL_JOB, {"id": job_id}, token)["data"]["importJob"]
    assert (dry["createdCount"], dry["errorCount"], dry["warningCount"]) == (2, 0, 1)
    node = dry["plan"]["edges"][0]["node"]
    assert node["written"] is False and node["productUrl"] is None
    changes = {c["field"]: json.loads(c["new"]) for c in node["changes"]}
    assert changes["brand"] == "小岛下酒菜" and changes["name"] == "黄鱼鲞1"
    (variant,) = node["variants"]
    assert {c["field"] for c in variant["changes"]} >= {"price_fen", "stock", "options"}

    with django_capture_on_commit_callbacks(execute=True):
        applied = _gql(client, GQL_APPLY, {"job": job_id}, token)
    apply_id = applied["data"]["catalogImportApply"]["job"]["id"]
    done = _gql(client, GQL_JOB, {"id": apply_id}, token)["data"]["importJob"]
    assert done["createdCount"] == 2 and done["brandSlug"] == "xiaodao"
    paths = {e["node"]["productUrl"].split("/", 3)[3] for e in done["plan"]["edges"]}
    slugs = Product.objects.values_list("slug", flat=True)
    assert paths == {f"products/{slug}/" for slug in slugs}


# 3. The diff names every field apply writes -----------------------------------

FULL_HEADERS = [
    "商品编码", "商品名称", "英文名称", "规格", "SKU", "价格(元)", "划线价(元)",
    "库存", "重量(克)", "分类", "品牌", "描述", "配料", "净含量", "保质期",
    "储存条件", "生产者", "生产许可证编号", "图片", "上架", "选项1名称", "选项1值",
]  # fmt: skip
# What apply writes that is bookkeeping, not the file's data: never in a diff.
NOT_DATA = {
    Product: {"id", "slug", "search_text", "created_at", "updated_at",
              "workshop_id", "origin_village_id", "product_code"},
    ProductVariant: {"id", "product_id", "workshop_id", "sku", "sort_order"},
    Stock: {"id", "variant_id", "quantity_reserved"},
}  # fmt: skip
DIFF_NAME = {"brand_id": "brand", "category_id": "category", "quantity": "stock"}


def _row(code, name, sku, price, *, brand, category, image="", **extra):
    values = {
        "商品编码": code, "商品名称": name, "英文名称": f"{name} EN", "规格": "大",
        "SKU": sku, "价格(元)": price, "划线价(元)": "99.00", "库存": "7",
        "重量(克)": "300", "分类": category, "品牌": brand, "描述": "<p>好</p>",
        "配料": "黄鱼", "净含量": "250克", "保质期": "6个月", "储存条件": "冷冻",
        "生产者": "某合作社", "生产许可证编号": "SC12233090200012",
        "图片": image, "上架": "是", "选项1名称": "规格", "选项1值": "大",
    }  # fmt: skip
    values.update(extra)
    return [values[h] for h in FULL_HEADERS]


def _snapshot(workshop) -> dict:
    """Every data field of the workshop's products, variants and stock, and
    each product's photo count, by product code and SKU."""
    state = {}
    for product in Product.objects.filter(workshop=workshop):
        values = {
            f.attname: getattr(product, f.attname)
            for f in Product._meta.concrete_fields
            if f.attname not in NOT_DATA[Product]
        }
        values["images"] = ProductImage.objects.filter(product=product).count()
        variants = {}
        for variant in ProductVariant.objects.filter(product=product):
            data = {
                f.attname: getattr(variant, f.attname)
                for f in ProductVariant._meta.concrete_fields
                if f.attname not in NOT_DATA[ProductVariant]
            }
            stock = Stock.objects.filter(variant=variant).first()
            data["quantity"] = stock.quantity if stock else None
            variants[variant.sku] = data
        state[product.product_code] = (values, variants)
    return state


def _default(name: str):
    for model in (Product, ProductVariant, Stock):
        for field in model._meta.concrete_fields:
            if field.attname == name:
                return field.get_default()
    return None


def _written(before: dict, after: dict) -> dict[str, set[str]]:
    """The diff names of the fields that differ (a new object: every field
    that is not its model's default or empty)."""

    def changed(old: dict | None, new: dict) -> set[str]:
        names = set()
        for name, value in new.items():
            if old is None:
                if value in (None, "", {}, []) or value == _default(name):
                    continue
            elif old.get(name) == value:
                continue
            names.add(DIFF_NAME.get(name, name))
        return names

    written = {}
    for code, (values, variants) in after.items():
        old_values, old_variants = before.get(code, (None, {}))
        written[code] = changed(old_values, values)
        for sku, data in variants.items():
            fields = changed(old_variants.get(sku), data)
            if fields:
                written[f"{code}/{sku}"] = fields
    return {key: names for key, names in written.items() if names}


def _diffed(plan: list[dict]) -> dict[str, set[str]]:
    diffed = {}
    for entry in plan:
        code = entry["product_code"]
        if entry["changes"]:
            diffed[code] = set(entry["changes"])
        for sku, changes in entry["variant_changes"].items():
            diffed[f"{code}/{sku}"] = set(changes)
        for sku, values in entry["new_variants"].items():
            diffed[f"{code}/{sku}"] = set(values)
    return diffed


def test_the_diff_names_every_field_apply_writes(world):
    workshop, manager = world["workshop"], world["manager"]
    Category.objects.create(slug="dried-seafood", name="干货")
    Category.objects.create(slug="live-seafood", name="活鲜")
    existing = make_product(
        brand=world["A"],
        workshop=workshop,
        product_code="OLD-1",
        name="旧名字",
        variants=((1000, 3),),
        ingredients="黄鱼",
        net_content="250克",
        shelf_life="6个月",
        storage_conditions="冷冻",
        producer="某合作社",
        sc_licence="SC12233090200012",
    )
    old_sku = existing.variants.get().sku
    rows = [
        # An update of every field, a new variant, and a photo.
        _row("OLD-1", "新名字", old_sku, "12.50", brand="小岛下酒菜", category="活鲜",
             image="a.png", 上架="否"),
        _row("OLD-1", "", "OLD-1-NEW", "20.00", brand="", category="",
             选项1值="小", 规格="小"),
        # A new product with a photo.
        _row("NEW-1", "新商品", "NEW-1-A", "30.00", brand="斑斓海岸",
             category="干货", image="b.png"),
    ]  # fmt: skip
    sheet = catalogue_csv(rows, headers=FULL_HEADERS)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("goods.csv", sheet)
        zf.writestr("a.png", png_bytes(colour=(10, 20, 30)))
        zf.writestr("b.png", png_bytes(colour=(30, 20, 10)))
    content = archive.getvalue()

    dry = _run(workshop, manager, content, name="goods.zip")
    assert dry.errors == [], [p.as_dict() for p in dry.errors]
    before = _snapshot(workshop)
    applied = _run(workshop, manager, content, name="goods.zip", dry_run=False)
    assert applied.errors == []
    written = _written(before, _snapshot(workshop))

    assert _diffed(dry.plan) == written
    # and the apply's own report says the same
    assert _diffed(applied.plan) == written
    assert {"images", "brand", "category", "is_published"} <= written["OLD-1"]
    assert written["NEW-1"] >= {"name", "brand", "category", "images", "sc_licence"}
    new_variant = dry.plan[0]["new_variants"]["OLD-1-NEW"]
    assert new_variant["price_fen"] == 2000 and new_variant["options"] == {"规格": "小"}
    assert Decimal(new_variant["weight_grams"]) == 300


def test_a_second_run_of_the_same_zip_shows_no_photo_as_new(world):
    workshop, manager = world["workshop"], world["manager"]
    rows = [_row("P-1", "商品", "P-1-A", "30.00", brand="斑斓海岸", category="",
                 image="a.png")]  # fmt: skip
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("goods.csv", catalogue_csv(rows, headers=FULL_HEADERS))
        zf.writestr("a.png", png_bytes())
    _run(workshop, manager, archive.getvalue(), name="g.zip", dry_run=False)

    again = _run(workshop, manager, archive.getvalue(), name="g.zip")

    assert again.counts["unchanged"] == 1
    assert again.plan[0]["action"] == "unchanged"
    assert "images" not in again.plan[0]["changes"]


def test_the_portal_plan_shows_a_new_products_fields(world):
    from catalog_import.plan_display import plan_rows

    result = _run(world["workshop"], world["manager"], _shopify(products=1),
                  brand_override=world["A"])  # fmt: skip
    (row,) = plan_rows(result.plan)
    assert {c.field: c.new for c in row.changes}.items() >= {
        "name": "黄鱼鲞1",
        "brand": "斑斓海岸",
        "is_published": True,
    }.items()
    (variant,) = row.variants
    assert variant.is_new and {c.field for c in variant.changes} >= {"price_fen"}
