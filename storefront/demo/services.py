"""Loading the demo shop: brands, villages, workshops, categories, brand
standards, products with variants, stock and drawn pictures, one user per
role, share agreements and parties (revenue.py), and the demo host's link
and live session (links.py).

Idempotent. Every row is found by a natural key (slug; workshop + product code;
workshop + SKU; brand + standard code; username; user + role + target). A row
that exists gets the data's values back where they differ, and counts as
updated; a second run over an unchanged database writes nothing. What the shop
changes in the course of business is left alone once created: stock levels,
slugs, passwords, a product's pictures once it has any, and brands a workshop
was given besides the demo ones.
"""

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import models, transaction

from brands.models import (
    Brand,
    BrandStandard,
    BrandStandardRule,
    Membership,
    Village,
    Workshop,
)
from storefront.catalog import services as catalog
from storefront.catalog.cache import catalog_changed
from storefront.catalog.models import AfterSalesKind, Category, Product, ProductVariant
from storefront.core.html import sanitize_html

from . import data
from .artwork import brand_logo, product_picture
from .links import KINDS as LINK_KINDS
from .links import load_links
from .revenue import load_revenue

# Kinds of rows, in loading order, with the labels the summary prints.
KINDS = {
    "brands": "品牌 brands",
    "brand_logos": "品牌标志 brand logos",
    "villages": "村 villages",
    "workshops": "工坊 workshops",
    "categories": "分类 categories",
    "standards": "品牌标准 brand standards",
    "standard_rules": "标准规则 standard rules",
    "products": "商品 products",
    "variants": "规格 variants",
    "images": "商品图片 product images",
    "users": "用户 users",
    "memberships": "角色 memberships",
    **LINK_KINDS,
    "agreements": "分账协议 share agreements",
    "parties": "分账方 parties",
}

LABEL_FIELDS = (
    "ingredients",
    "net_content",
    "shelf_life",
    "storage_conditions",
    "producer",
    "sc_licence",
)


@dataclass
class DemoSummary:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    # What the operator should know (a step skipped, and why).
    notes: list[str] = field(default_factory=list)

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def total_updated(self) -> int:
        return sum(self.updated.values())

    def lines(self) -> list[str]:
        return [
            f"{label}: 新建 created {self.created[kind]}, "
            f"更新 updated {self.updated[kind]}"
            for kind, label in KINDS.items()
        ]


def demo_load(*, stdout: TextIO | None = None) -> DemoSummary:
    """Write the demo shop in one transaction and say what changed."""
    started = time.perf_counter()
    loader = _Loader(stdout)
    with transaction.atomic():
        loader.run()
        catalog_changed()
    loader.summary.seconds = time.perf_counter() - started
    return loader.summary


def _changed_fields(instance: models.Model, values: dict[str, Any]) -> list[str]:
    """Set `values` on `instance`; return the names of those that differed."""
    changed = []
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


class _Loader:
    def __init__(self, stdout: TextIO | None):
        self.stdout = stdout
        self.summary = DemoSummary()
        self.brands: dict[str, Brand] = {}
        self.villages: dict[str, Village] = {}
        self.workshops: dict[str, Workshop] = {}
        self.categories: dict[str, Category] = {}
        self.palettes: dict[str, str] = {}

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message + "\n")

    def note(self, message: str) -> None:
        self.summary.notes.append(message)

    def run(self) -> None:
        self.say("品牌、村与工坊 brands, villages and workshops …")
        self.load_brands()
        self.load_villages()
        self.load_workshops()
        self.say("分类与品牌标准 categories and brand standards …")
        self.load_categories()
        self.load_standards()
        self.say("商品、规格与图片 products, variants and pictures …")
        self.load_products()
        self.say("演示用户 demo users …")
        self.load_users()
        self.say("演示主播、链接与直播 demo host, link and live session …")
        load_links(self)
        self.say("分账协议与分账方 share agreements and parties …")
        load_revenue(self)

    def upsert(
        self,
        kind: str,
        model: type[models.Model],
        key: dict[str, Any],
        values: dict[str, Any],
        create: Callable[[], models.Model] | None = None,
    ) -> tuple[Any, str]:
        """The row with `key`, created (by `create`, or from key and values) or
        brought back to `values`; and which of "created", "updated" or
        "unchanged" happened."""
        instance = model._default_manager.filter(**key).first()
        if instance is None:
            if create is not None:
                instance = create()
            else:
                instance = model(**key, **values)
                instance.full_clean()
                instance.save()
            self.summary.created[kind] += 1
            return instance, "created"
        if _changed_fields(instance, values):
            instance.full_clean()
            instance.save()
            self.summary.updated[kind] += 1
            return instance, "updated"
        return instance, "unchanged"

    # Organisations ----------------------------------------------------------

    def load_brands(self) -> None:
        for row in data.BRANDS:
            values = {k: v for k, v in row.items() if k not in ("slug", "logo")}
            brand, _ = self.upsert("brands", Brand, {"slug": row["slug"]}, values)
            if not brand.logo:
                colour, motif = row["logo"]
                png = brand_logo(colour=colour, motif=motif)
                brand.logo.save(f"{row['slug']}.png", ContentFile(png), save=True)
                self.summary.created["brand_logos"] += 1
            self.brands[row["slug"]] = brand

    def load_villages(self) -> None:
        for row in data.VILLAGES:
            values = {k: v for k, v in row.items() if k != "slug"}
            village, _ = self.upsert("villages", Village, {"slug": row["slug"]}, values)
            self.villages[row["slug"]] = village

    def load_workshops(self) -> None:
        for row in data.WORKSHOPS:
            values = {
                k: v for k, v in row.items() if k not in ("slug", "village", "brands")
            }
            values["village_id"] = self.villages[row["village"]].pk
            workshop, outcome = self.upsert(
                "workshops", Workshop, {"slug": row["slug"]}, values
            )
            missing = [
                self.brands[slug]
                for slug in row["brands"]
                if not workshop.brands.filter(slug=slug).exists()
            ]
            if missing:
                workshop.brands.add(*missing)
                if outcome == "unchanged":
                    self.summary.updated["workshops"] += 1
            self.workshops[row["slug"]] = workshop

    # Categories and standards -----------------------------------------------

    def load_categories(self) -> None:
        for sort_order, row in enumerate(data.CATEGORIES):
            parent = self.categories.get(row["parent"]) if row["parent"] else None

            def create(row=row, parent=parent, sort_order=sort_order):
                category = catalog.category_create(
                    name=row["name"],
                    name_en=row["name_en"],
                    parent=parent,
                    sort_order=sort_order,
                    aftersales_kind=row.get("aftersales", AfterSalesKind.STANDARD),
                )
                if category.slug != row["slug"]:
                    raise ValueError(
                        f"demo category {row['name_en']!r} got slug "
                        f"{category.slug!r}, the data says {row['slug']!r}"
                    )
                return category

            values = {
                "name": row["name"],
                "name_en": row["name_en"],
                "parent_id": parent.pk if parent else None,
                "sort_order": sort_order,
                "aftersales_kind": row.get("aftersales", AfterSalesKind.STANDARD),
            }
            self.categories[row["slug"]], _ = self.upsert(
                "categories", Category, {"slug": row["slug"]}, values, create
            )
            self.palettes[row["slug"]] = row["palette"]

    def load_standards(self) -> None:
        for row in data.STANDARDS:
            standard, _ = self.upsert(
                "standards",
                BrandStandard,
                {"brand": self.brands[row["brand"]], "code": row["code"]},
                {
                    "name": row["name"],
                    "description": row["description"],
                    "category_slugs": list(row["category_slugs"]),
                    "is_active": True,
                },
            )
            for field_name, kind, argument, message_zh, message_en in row["rules"]:
                self.upsert(
                    "standard_rules",
                    BrandStandardRule,
                    {"standard": standard, "field": field_name, "kind": kind},
                    {
                        "argument": argument,
                        "message_zh": message_zh,
                        "message_en": message_en,
                    },
                )

    # Products ---------------------------------------------------------------

    def load_products(self) -> None:
        for row in data.PRODUCTS:
            product = self.load_product(row)
            for sort_order, variant in enumerate(row["variants"]):
                self.load_variant(product, row["code"], sort_order, variant)
            if not product.images.exists():
                self.add_pictures(product, row)

    def load_product(self, row: dict) -> Product:
        workshop = self.workshops[row["workshop"]]
        brand = self.brands[row["brand"]]
        category = self.categories[row["category"]]
        label = row.get("label", {})
        fields = {
            "name_en": row["name_en"],
            "description": sanitize_html(row["description"]),
            "is_published": row.get("published", True),
            "is_featured": row.get("featured", False),
            "attributes": dict(row.get("attributes", {})),
            **{name: label.get(name, "") for name in LABEL_FIELDS},
        }

        def create() -> Product:
            return catalog.product_create(
                workshop=workshop,
                brand=brand,
                product_code=row["code"],
                name=row["name"],
                category=category,
                **fields,
            )

        values = {
            "name": row["name"],
            "brand_id": brand.pk,
            "category_id": category.pk,
            **fields,
        }
        product, _ = self.upsert(
            "products",
            Product,
            {"workshop": workshop, "product_code": row["code"]},
            values,
            create,
        )
        return product

    def load_variant(
        self, product: Product, code: str, sort_order: int, variant: tuple
    ) -> ProductVariant:
        suffix, option, value, price_fen, compare_at, weight, stock = variant
        fields = {
            "name": value,
            "options": {option: value},
            "compare_at_price_fen": compare_at,
            "weight_grams": weight,
            "sort_order": sort_order,
        }
        sku = f"{code}-{suffix}"

        def create() -> ProductVariant:
            return catalog.variant_create(
                product=product,
                sku=sku,
                price_fen=price_fen,
                quantity=stock,
                **fields,
            )

        values = {"product_id": product.pk, "price_fen": price_fen, **fields}
        variant, _ = self.upsert(
            "variants",
            ProductVariant,
            {"workshop": product.workshop_id, "sku": sku},
            values,
            create,
        )
        return variant

    def add_pictures(self, product: Product, row: dict) -> None:
        palette = self.palettes[row["category"]]
        for index in range(row["images"]):
            picture = product_picture(
                motif=row["motif"],
                palette=palette,
                seed=f"{row['workshop']}/{row['code']}",
                index=index,
            )
            catalog.product_image_add(
                product=product,
                data=picture,
                alt=f"{row['name']} 示意插画 {index + 1}",
                sort_order=index,
            )
            self.summary.created["images"] += 1

    # Users ------------------------------------------------------------------

    def load_users(self) -> None:
        user_model = get_user_model()
        targets = {
            "brand": self.brands,
            "workshop": self.workshops,
            "village": self.villages,
        }
        password_hash = None
        for row in data.DEMO_USERS:
            user = user_model._default_manager.filter(username=row["username"]).first()
            if user is None:
                is_operator = row["role"] == "platform_operator"
                user = user_model(
                    username=row["username"],
                    first_name=row["first_name"],
                    email=f"{row['username']}@example.com",
                    is_staff=is_operator,
                    is_superuser=is_operator,
                )
                if password_hash is None:
                    user.set_password(data.DEMO_PASSWORD)
                    password_hash = user.password
                else:
                    # Hashing costs half a second; every demo user shares the
                    # one published demo password, so they share its hash too.
                    user.password = password_hash
                user.full_clean()
                user.save()
                self.summary.created["users"] += 1
            if row["target"] is None:
                continue
            kind, slug = row["target"]
            _, created = Membership.objects.get_or_create(
                user=user, role=row["role"], **{kind: targets[kind][slug]}
            )
            if created:
                self.summary.created["memberships"] += 1
