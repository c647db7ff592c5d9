"""Saleor's menus, built from the catalogue on each request (no menu tables):

- `navbar` (Menu:1): one item per active brand (its collection), then one
  per top-level category with its sub-categories as children;
- `footer` (Menu:2): three headings, 品牌 Brands (each brand's story page),
  村庄 Villages (each village's page) and 分类 Categories (top categories).

A menu item's id encodes what it points at, so it is stable while the rows
exist: `MenuItem:<menu pk × 10⁹ + kind × 10⁸ + pk>` with kind 1 = a
collection, 2 = a category, 3 = a page (the page's own pk), 4 = a heading."""

from dataclasses import dataclass, field

import graphene
from graphene import relay

from brands.models import Brand, Village
from storefront.catalog.models import Category as CategoryModel

from .catalog_types import (
    Category,
    Collection,
    Rows,
    SaleorConnection,
    Translation,
    page_args,
    translation_of,
)
from .channels import check_channel
from .ids import decode_id
from .languages import LanguageCodeEnum
from .pages import Page, PageRow
from .pagination import paginate
from .scalars import OrderDirection

NAVBAR, FOOTER = 1, 2
MENUS = {NAVBAR: ("navbar", "导航 Navbar"), FOOTER: ("footer", "页脚 Footer")}
COLLECTION, CATEGORY, PAGE, HEADING = 1, 2, 3, 4


@dataclass
class Item:
    pk: int
    name: str
    name_en: str = ""
    level: int = 0
    category: object = None
    collection: object = None
    page: object = None
    children: list = field(default_factory=list)
    parent: "Item | None" = None
    menu: "MenuRow | None" = None


@dataclass
class MenuRow:
    pk: int
    slug: str
    name: str


def _pk(menu: int, kind: int, pk: int) -> int:
    return menu * 10**9 + kind * 10**8 + pk


def _category_item(menu, category, children_of, level=0) -> Item:
    item = Item(
        _pk(menu, CATEGORY, category.pk),
        category.name,
        category.name_en,
        level,
        category=category,
    )
    if level == 0:
        item.children = [
            _category_item(menu, child, children_of, 1)
            for child in children_of.get(category.pk, [])
        ]
    return item


def _categories(menu: int) -> list[Item]:
    children_of: dict = {}
    rows = list(
        CategoryModel.objects.select_related("parent").order_by("sort_order", "pk")
    )
    for row in rows:
        children_of.setdefault(row.parent_id, []).append(row)
    return [_category_item(menu, c, children_of) for c in children_of.get(None, [])]


def _brands():
    return list(Brand.objects.filter(is_active=True).order_by("name", "pk"))


def _page_item(menu, row, level=1) -> Item:
    page = PageRow(row)
    return Item(_pk(menu, PAGE, page.pk), row.name, row.name_en, level, page=page)


def build_items(menu: MenuRow) -> list[Item]:
    if menu.pk == NAVBAR:
        items = [
            Item(_pk(NAVBAR, COLLECTION, b.pk), b.name, b.name_en, collection=b)
            for b in _brands()
        ] + _categories(NAVBAR)
    else:
        top_categories = _categories(FOOTER)
        for category in top_categories:
            category.level, category.children = 1, []
        villages = Village.objects.order_by("name", "pk")
        items = [
            Item(
                _pk(FOOTER, HEADING, 1),
                "品牌",
                "Brands",
                children=[_page_item(FOOTER, b) for b in _brands()],
            ),
            Item(
                _pk(FOOTER, HEADING, 2),
                "村庄",
                "Villages",
                children=[_page_item(FOOTER, v) for v in villages],
            ),
            Item(
                _pk(FOOTER, HEADING, 3), "分类", "Categories", children=top_categories
            ),
        ]
    for item in items:
        item.menu = menu
        for child in item.children:
            child.parent, child.menu = item, menu
    return items


class MenuItemTranslation(Translation, graphene.ObjectType):
    name = graphene.String(required=True)


class MenuItem(graphene.ObjectType):
    class Meta:
        interfaces = (relay.Node,)

    name = graphene.String(required=True)
    menu = graphene.Field(lambda: Menu, required=True)
    parent = graphene.Field(lambda: MenuItem)
    category = graphene.Field(Category)
    collection = graphene.Field(Collection)
    page = graphene.Field(Page)
    level = graphene.Int(required=True)
    children = graphene.List(graphene.NonNull(lambda: MenuItem))
    url = graphene.String()
    translation = graphene.Field(
        MenuItemTranslation,
        language_code=graphene.Argument(LanguageCodeEnum, required=True),
    )

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, Item)

    @classmethod
    def get_node(cls, info, id):
        menu = MENU_ROWS.get(int(id) // 10**9)
        if menu is None:
            return None
        for item in build_items(menu):
            for found in [item, *item.children]:
                if found.pk == int(id):
                    return found
        return None

    def resolve_id(self, info):
        return self.pk

    def resolve_url(self, info):
        return None  # Saleor's url is for external links; ours all point in

    def resolve_translation(self, info, language_code):
        return translation_of(
            MenuItemTranslation,
            "MenuItemTranslation",
            self.pk,
            language_code,
            name=self.name_en,
        )


class Menu(graphene.ObjectType):
    class Meta:
        interfaces = (relay.Node,)

    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    items = graphene.List(graphene.NonNull(MenuItem))

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, MenuRow)

    @classmethod
    def get_node(cls, info, id):
        return MENU_ROWS.get(int(id))

    def resolve_id(self, info):
        return self.pk

    def resolve_items(self, info):
        return build_items(self)


MENU_ROWS = {pk: MenuRow(pk, slug, name) for pk, (slug, name) in MENUS.items()}


class MenuCountableConnection(SaleorConnection):
    class Meta:
        node = Menu
        strict_types = True


MenuSortField = graphene.Enum("MenuSortField", [("NAME", "NAME")])


class MenuSortingInput(graphene.InputObjectType):
    direction = graphene.Field(OrderDirection, required=True)
    field = graphene.Field(MenuSortField, required=True)


class MenuFilterInput(graphene.InputObjectType):
    search = graphene.String()
    slug = graphene.List(graphene.NonNull(graphene.String))
    slugs = graphene.List(graphene.NonNull(graphene.String))


class MenuQuery(graphene.ObjectType):
    menu = graphene.Field(
        Menu,
        channel=graphene.String(),
        id=graphene.ID(),
        name=graphene.String(),
        slug=graphene.String(),
    )
    menus = relay.ConnectionField(
        MenuCountableConnection,
        channel=graphene.String(),
        sort_by=MenuSortingInput(),
        filter=MenuFilterInput(),
    )

    def resolve_menu(self, info, channel=None, id=None, name=None, slug=None):
        check_channel(channel)
        for menu in MENU_ROWS.values():
            if id is not None and decode_id(id, "Menu") != menu.pk:
                continue
            if slug is not None and slug != menu.slug:
                continue
            if name is not None and name not in (menu.slug, menu.name):
                continue
            if id is None and slug is None and name is None:
                return None
            return menu
        return None

    def resolve_menus(self, info, channel=None, sort_by=None, filter=None, **kwargs):
        check_channel(channel)
        found = list(MENU_ROWS.values())
        filter = filter or {}
        slugs = (filter.get("slug") or []) + (filter.get("slugs") or [])
        if slugs:
            found = [m for m in found if m.slug in slugs]
        term = (filter.get("search") or "").lower()
        if term:
            found = [m for m in found if term in f"{m.slug} {m.name}".lower()]
        if sort_by:
            descending = getattr(sort_by["direction"], "value", "") == "DESC"
            found.sort(key=lambda m: m.name, reverse=descending)
        return paginate(Rows(found), MenuCountableConnection, **page_args(kwargs))
