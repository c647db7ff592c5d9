"""Builders for the validate/plan/apply tests: drafts as normalise would make
them, without a file.

    rows = sheet(
        draft("P1", variant("P1-A", 1280, 10), variant("P1-B", 2280, 5)),
        draft("P2", variant("P2-A", 990), name="虾皮", brand="斑斓海岸"),
    )

`sheet` numbers the rows as a file would (header = row 1)."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from brands.models import Brand, BrandStandard, BrandStandardRule, RuleKind, Workshop
from catalog_import.types import ImageRef, ProductDraft, VariantDraft
from storefront.catalog.models import Category
from tests.factories import make_brand, make_workshop


def variant(
    sku: str,
    price_fen: int | None = 1280,
    stock: int | None = 10,
    *,
    row: int = 0,
    name: str = "",
    options: dict | None = None,
    compare_at_price_fen: int | None = None,
    weight_grams: int | None = None,
    barcode: str = "",
) -> VariantDraft:
    return VariantDraft(
        row=row,
        sku=sku,
        name=name,
        options=dict(options or {}),
        price_fen=price_fen,
        compare_at_price_fen=compare_at_price_fen,
        stock=stock,
        weight_grams=weight_grams,
        barcode=barcode,
    )


def draft(
    code: str,
    *variants: VariantDraft,
    images: tuple[str, ...] = (),
    **fields,
) -> ProductDraft:
    """A product draft; without variants, one variant "<code>-1" at ¥12.80.
    `fields` are ProductDraft.fields (name defaults to 商品<code>)."""
    fields.setdefault("name", f"商品{code}")
    product = ProductDraft(
        product_code=code,
        first_row=0,
        fields=fields,
        variants=list(variants) or [variant(f"{code}-1")],
    )
    product.images = [
        ImageRef(row=0, column="images", source=source, position=i)
        for i, source in enumerate(images)
    ]
    return number([product])[0]


def number(drafts: list[ProductDraft], *, start: int = 2) -> list[ProductDraft]:
    """Give each variant its own row, in order, as a file would."""
    row = start
    for product in drafts:
        product.first_row = row
        product.rows = []
        for item in product.variants:
            item.row = row
            product.rows.append(row)
            row += 1
        if not product.variants:
            product.rows.append(row)
            row += 1
        for image in product.images:
            image.row = product.first_row
    return drafts


def sheet(*drafts: ProductDraft) -> list[ProductDraft]:
    return number(list(drafts))


def problems(drafts: list[ProductDraft]) -> list[tuple[str, int | None, str]]:
    """(code, row, column) of every problem, in row order."""
    found = [(str(p.code), p.row, p.column) for d in drafts for p in d.problems]
    return sorted(found, key=lambda p: (p[1] or 0, p[0], p[2]))


def codes(product: ProductDraft) -> list[str]:
    return [str(p.code) for p in product.problems]


@dataclass
class Shop:
    brand: Brand
    workshop: Workshop
    category: Category


def make_shop(**brand_fields) -> Shop:
    """A brand, a workshop selling only under it, and a category 海鲜."""
    brand = make_brand(**brand_fields)
    workshop = make_workshop(brands=[brand])
    category, _ = Category.objects.get_or_create(
        slug="seafood", defaults={"name": "海鲜", "name_en": "Seafood"}
    )
    return Shop(brand=brand, workshop=workshop, category=category)


GB7718_FIELDS = ("ingredients", "net_content", "shelf_life", "storage_conditions")


def gb7718_standard(brand: Brand, *, category_slugs=()) -> BrandStandard:
    """Prepackaged food (GB 7718): the label facts are required, the SC
    licence is required and is SC + 14 digits, net content names a unit."""
    standard = BrandStandard.objects.create(
        brand=brand,
        code="gb7718",
        name="预包装食品标签 GB 7718",
        category_slugs=list(category_slugs),
    )
    for field in (*GB7718_FIELDS, "producer", "sc_licence"):
        BrandStandardRule.objects.create(
            standard=standard,
            field=field,
            kind=RuleKind.REQUIRED,
            message_zh=f"须填写{field}",
            message_en=f"{field} is required",
        )
    BrandStandardRule.objects.create(
        standard=standard,
        field="sc_licence",
        kind=RuleKind.PATTERN,
        argument=r"SC\d{14}",
        message_zh="生产许可证编号格式为 SC 加 14 位数字",
        message_en="SC licence is SC + 14 digits",
    )
    BrandStandardRule.objects.create(
        standard=standard,
        field="net_content",
        kind=RuleKind.PATTERN,
        argument=r"\d+(\.\d+)?\s*(克|千克|g|kg|毫升|升|ml|L)",
        message_zh="净含量须带单位",
        message_en="Net content needs a unit",
    )
    return standard


def food_fields(**overrides) -> dict[str, str]:
    """The GB 7718 label facts, all filled in correctly."""
    return {
        "ingredients": "大黄鱼、食用盐",
        "net_content": "500克",
        "shelf_life": "12个月",
        "storage_conditions": "-18℃冷冻保存",
        "producer": "象山县黄避岙乡海鲜工坊",
        "sc_licence": "SC11233022500123",
        **overrides,
    }


# A platform operator (active staff): may write every product, and asks the
# database nothing, so these tests count only the import's own queries.
PLATFORM = get_user_model()(username="platform-operator", is_staff=True)


def plan_for(drafts: list[ProductDraft], workshop, **options):
    """validate + make_plan, as the pipeline runs them."""
    from catalog_import.plan import make_plan
    from catalog_import.validate import validate

    options.setdefault("actor", PLATFORM)
    validate(drafts, workshop=workshop)
    return make_plan(drafts, workshop=workshop, **options)


def import_drafts(drafts: list[ProductDraft], workshop, **options) -> dict[str, int]:
    """validate + make_plan + apply_plan; the counts."""
    from catalog_import.apply import apply_plan

    archive = options.pop("archive_missing", False)
    actor = options.setdefault("actor", PLATFORM)
    plan = plan_for(drafts, workshop, archive_missing=archive, actor=actor)
    return apply_plan(plan, workshop=workshop, **options)
