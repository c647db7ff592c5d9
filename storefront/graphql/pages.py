"""Saleor's pages over the shop's stories: each active brand's story and
each village's page.

A page is not a row of its own, so its id and slug say which row it shows:
`Page:<2 × brand pk>` / slug `brand-<brand slug>` for a brand's story and
`Page:<2 × village pk + 1>` / slug `village-<village slug>` for a village.
Two page types: `brand-story` (PageType:1) and `village` (PageType:2)."""

from dataclasses import dataclass

import graphene
from graphene import relay
from graphql_relay import to_global_id

from brands.models import Brand, Village

from . import attributes as attrs
from .catalog_filters import GlobalIDFilterInput, StringFilterInput, pks
from .catalog_types import (
    Rows,
    SaleorConnection,
    Translation,
    page_args,
    translation_of,
)
from .channels import check_channel
from .ids import decode_id
from .languages import LanguageCodeEnum
from .pagination import paginate
from .richtext import editorjs_from_text, plain_text
from .scalars import OrderDirection, PositiveInt

BRAND_PAGE_TYPE, VILLAGE_PAGE_TYPE = 1, 2
PAGE_TYPES = {
    BRAND_PAGE_TYPE: ("brand-story", "品牌故事 Brand story"),
    VILLAGE_PAGE_TYPE: ("village", "村庄 Village"),
}


@dataclass
class PageRow:
    row: object  # a Brand or a Village

    @property
    def is_brand(self) -> bool:
        return isinstance(self.row, Brand)

    @property
    def pk(self) -> int:
        return 2 * self.row.pk + (0 if self.is_brand else 1)

    @property
    def slug(self) -> str:
        return f"{'brand' if self.is_brand else 'village'}-{self.row.slug}"

    @property
    def page_type(self) -> int:
        return BRAND_PAGE_TYPE if self.is_brand else VILLAGE_PAGE_TYPE

    def values(self) -> list:
        """Its attributes: a brand story names its brand (as a collection
        reference) and region; a village page its township and county."""
        row = self.row
        if self.is_brand:
            plain = [("region", "地区", "Region", row.region)]
            plain.append(
                ("operator", "运营主体", "Operator", row.operator_organisation)
            )
        else:
            plain = [
                ("township", "乡镇", "Township", row.township),
                ("county", "县(市、区)", "County", row.county),
                ("city", "市", "City", row.get_city_display()),
                (
                    "collective",
                    "村集体",
                    "Village collective",
                    row.collective_organisation,
                ),
            ]
        return [
            attrs.ValueDef(
                attrs.AttributeDef(slug, name, name_en, "PLAIN_TEXT", "PAGE_TYPE"),
                str(text),
                f"{self.pk}_{slug}",
            )
            for slug, name, name_en, text in plain
            if text
        ]


class PageType(graphene.ObjectType):
    class Meta:
        interfaces = (relay.Node,)

    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    has_pages = graphene.Boolean()

    @classmethod
    def get_node(cls, info, id):
        return page_type(int(id)) if int(id) in PAGE_TYPES else None

    def resolve_id(self, info):
        return self.pk


def page_type(pk: int) -> PageType:
    slug, name = PAGE_TYPES[pk]
    found = PageType(name=name, slug=slug, has_pages=True)
    found.pk = pk
    return found


class PageTranslation(Translation, graphene.ObjectType):
    seo_title = graphene.String()
    seo_description = graphene.String()
    slug = graphene.String()
    title = graphene.String()
    content = graphene.JSONString()
    content_json = graphene.JSONString()


def _brand_assigned(row):
    reference = attrs.AssignedSingleCollectionReferenceAttribute()
    reference.attribute = attrs.AttributeDef(
        "brand", "品牌", "Brand", "SINGLE_REFERENCE", "PAGE_TYPE"
    )
    reference.value = row.row
    return reference


class Page(graphene.ObjectType):
    class Meta:
        interfaces = (relay.Node,)

    assigned_attribute = graphene.Field(
        attrs.AssignedAttribute, slug=graphene.String(required=True)
    )
    assigned_attributes = graphene.List(
        graphene.NonNull(attrs.AssignedAttribute),
        required=True,
        limit=graphene.Argument(PositiveInt, default_value=100),
    )
    seo_title = graphene.String()
    seo_description = graphene.String()
    title = graphene.String(required=True)
    content = graphene.JSONString()
    published_at = graphene.DateTime()
    is_published = graphene.Boolean(required=True)
    slug = graphene.String(required=True)
    page_type = graphene.Field(PageType, required=True)
    created = graphene.DateTime(required=True)
    content_json = graphene.JSONString(required=True)
    translation = graphene.Field(
        PageTranslation,
        language_code=graphene.Argument(LanguageCodeEnum, required=True),
    )
    attribute = graphene.Field(
        attrs.SelectedAttribute, slug=graphene.String(required=True)
    )
    attributes = graphene.List(graphene.NonNull(attrs.SelectedAttribute), required=True)

    @classmethod
    def get_node(cls, info, id):
        return page_by_pk(int(id))

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, PageRow)

    def resolve_id(self, info):
        return self.pk

    def _assigned(self):
        found = [_brand_assigned(self)] if self.is_brand else []
        return found + [attrs.assigned(v) for v in self.values()]

    def resolve_assigned_attribute(self, info, slug):
        return next((a for a in Page._assigned(self) if a.attribute.slug == slug), None)

    def resolve_assigned_attributes(self, info, limit=100):
        return Page._assigned(self)[:limit]

    def resolve_seo_title(self, info):
        return None

    def resolve_seo_description(self, info):
        return plain_text(self.row.story) or None

    def resolve_title(self, info):
        return self.row.name

    def resolve_content(self, info):
        return editorjs_from_text(self.row.story, self.row.updated_at)

    def resolve_content_json(self, info):
        return editorjs_from_text(self.row.story, self.row.updated_at) or {}

    def resolve_published_at(self, info):
        return self.row.created_at

    def resolve_is_published(self, info):
        return not self.is_brand or self.row.is_active

    def resolve_page_type(self, info):
        return page_type(self.page_type)

    def resolve_created(self, info):
        return self.row.created_at

    def resolve_translation(self, info, language_code):
        return translation_of(
            PageTranslation,
            "PageTranslation",
            self.pk,
            language_code,
            title=self.row.name_en,
            slug=None,
        )

    def resolve_attribute(self, info, slug):
        return next(
            (a for a in attrs.selected(self.values()) if a.attribute.slug == slug),
            None,
        )

    def resolve_attributes(self, info):
        return attrs.selected(self.values())


class PageCountableConnection(SaleorConnection):
    class Meta:
        node = Page
        strict_types = True


def all_pages() -> list[PageRow]:
    brands = Brand.objects.filter(is_active=True).order_by("name", "pk")
    villages = Village.objects.order_by("name", "pk")
    return [PageRow(b) for b in brands] + [PageRow(v) for v in villages]


def page_by_pk(pk: int) -> PageRow | None:
    if pk % 2 == 0:
        brand = Brand.objects.filter(pk=pk // 2, is_active=True).first()
        return PageRow(brand) if brand else None
    village = Village.objects.filter(pk=pk // 2).first()
    return PageRow(village) if village else None


def page_by_slug(slug: str) -> PageRow | None:
    kind, _, row_slug = (slug or "").partition("-")
    if kind == "brand":
        brand = Brand.objects.filter(slug=row_slug, is_active=True).first()
        return PageRow(brand) if brand else None
    if kind == "village":
        village = Village.objects.filter(slug=row_slug).first()
        return PageRow(village) if village else None
    return None


PageSortField = graphene.Enum(
    "PageSortField",
    [("TITLE", "TITLE"), ("SLUG", "SLUG"), ("CREATED_AT", "CREATED_AT")],
)


class PageSortingInput(graphene.InputObjectType):
    direction = graphene.Field(OrderDirection, required=True)
    field = graphene.Field(PageSortField, required=True)


class PageFilterInput(graphene.InputObjectType):
    search = graphene.String()
    page_types = graphene.List(graphene.NonNull(graphene.ID))
    ids = graphene.List(graphene.NonNull(graphene.ID))
    slugs = graphene.List(graphene.NonNull(graphene.String))


class PageWhereInput(graphene.InputObjectType):
    ids = graphene.List(graphene.NonNull(graphene.ID))
    slug = graphene.Field(StringFilterInput)
    page_type = graphene.Field(GlobalIDFilterInput)
    AND = graphene.List(graphene.NonNull(lambda: PageWhereInput), name="AND")
    OR = graphene.List(graphene.NonNull(lambda: PageWhereInput), name="OR")


def _matches_where(page: PageRow, where) -> bool:
    if where.get("ids") is not None and page.pk not in pks(where["ids"], "Page", "ids"):
        return False
    slug = where.get("slug") or {}
    if slug.get("eq") is not None and page.slug != slug["eq"]:
        return False
    if slug.get("one_of") is not None and page.slug not in slug["one_of"]:
        return False
    kind = where.get("page_type") or {}
    wanted = [kind["eq"]] if kind.get("eq") else list(kind.get("one_of") or [])
    if wanted and page.page_type not in pks(wanted, "PageType", "pageType"):
        return False
    if any(not _matches_where(page, part) for part in where.get("AND") or []):
        return False
    ors = where.get("OR")
    return not ors or any(_matches_where(page, part) for part in ors)


def _matches_filter(page: PageRow, spec) -> bool:
    if spec.get("ids") is not None and page.pk not in pks(spec["ids"], "Page", "ids"):
        return False
    if spec.get("slugs") is not None and page.slug not in spec["slugs"]:
        return False
    if spec.get("page_types"):
        if page.page_type not in pks(spec["page_types"], "PageType", "pageTypes"):
            return False
    term = (spec.get("search") or "").strip().lower()
    text = f"{page.slug} {page.row.name} {page.row.name_en} {page.row.story}".lower()
    return not term or term in text


def _sort(pages: list[PageRow], sort_by) -> list[PageRow]:
    if not sort_by:
        return pages
    field = getattr(sort_by["field"], "value", sort_by["field"])
    key = {
        "SLUG": lambda p: p.slug,
        "CREATED_AT": lambda p: p.row.created_at,
    }.get(field, lambda p: p.row.name)
    descending = getattr(sort_by["direction"], "value", "") == "DESC"
    return sorted(pages, key=key, reverse=descending)


class PageQuery(graphene.ObjectType):
    page = graphene.Field(
        Page,
        id=graphene.ID(),
        slug=graphene.String(),
        slug_language_code=graphene.Argument(LanguageCodeEnum),
        channel=graphene.String(),
    )
    pages = relay.ConnectionField(
        PageCountableConnection,
        sort_by=PageSortingInput(),
        filter=PageFilterInput(),
        search=graphene.String(),
        where=PageWhereInput(),
        channel=graphene.String(),
    )

    def resolve_page(
        self, info, id=None, slug=None, slug_language_code=None, channel=None
    ):
        check_channel(channel)
        if id is not None:
            pk = decode_id(id, "Page")
            return page_by_pk(pk) if pk is not None else None
        return page_by_slug(slug) if slug is not None else None

    def resolve_pages(
        self,
        info,
        sort_by=None,
        filter=None,
        search=None,
        where=None,
        channel=None,
        **kw,
    ):
        check_channel(channel)
        found = all_pages()
        spec = dict(filter or {})
        if search:
            spec["search"] = search
        found = [p for p in found if _matches_filter(p, spec)]
        if where:
            found = [p for p in found if _matches_where(p, where)]
        return paginate(
            Rows(_sort(found, sort_by)), PageCountableConnection, **page_args(kw)
        )


def page_global_id(page: PageRow) -> str:
    return to_global_id("Page", page.pk)
