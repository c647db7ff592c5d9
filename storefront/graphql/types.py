"""The shop's own GraphQL types for its places (brands, villages,
workshops); the catalogue's Saleor-shaped types are in products.py,
variants.py and catalog_types.py (ProductType and ProductVariantType are
still importable from here)."""

import graphene
from graphene import relay
from graphene_django import DjangoObjectType

from brands.models import Brand, Village, Workshop, WorkshopType

WorkshopTypeEnum = graphene.Enum.from_enum(WorkshopType, name="WorkshopTypeEnum")


class CountedConnection(relay.Connection):
    class Meta:
        abstract = True

    total_count = graphene.Int(required=True)

    def resolve_total_count(self, info):
        if self.known_total is None:
            self.known_total = self.queryset.count()
        return self.known_total


class BrandType(DjangoObjectType):
    class Meta:
        model = Brand
        name = "Brand"
        interfaces = (relay.Node,)
        fields = ("slug", "name", "name_en", "story", "region", "operator_organisation")
        connection_class = CountedConnection

    logo_url = graphene.String()

    def resolve_logo_url(self, info):
        return info.context.build_absolute_uri(self.logo.url) if self.logo else None

    @classmethod
    def get_queryset(cls, queryset, info):
        return queryset.filter(is_active=True)


class VillageType(DjangoObjectType):
    class Meta:
        model = Village
        name = "Village"
        interfaces = (relay.Node,)
        fields = (
            "slug",
            "name",
            "name_en",
            "township",
            "county",
            "city",
            "collective_organisation",
            "story",
        )
        connection_class = CountedConnection

    city = graphene.String(required=True)


class WorkshopNode(DjangoObjectType):
    class Meta:
        model = Workshop
        name = "Workshop"
        interfaces = (relay.Node,)
        fields = (
            "slug",
            "name",
            "name_en",
            "story",
            "people_employed",
            "low_income_households_employed",
        )
        connection_class = CountedConnection

    workshop_type = graphene.Field(WorkshopTypeEnum, required=True)
    village = graphene.Field(VillageType, required=True)
    brands = graphene.List(graphene.NonNull(BrandType), required=True)

    def resolve_workshop_type(self, info):
        return self.workshop_type

    def resolve_village(self, info):
        return self.village

    def resolve_brands(self, info):
        return [b for b in self.brands.all() if b.is_active]

    @classmethod
    def get_queryset(cls, queryset, info):
        return queryset.filter(is_active=True).select_related("village")


# The catalogue's types live in products.py (which imports this module);
# older imports of them from here keep working.
_MOVED = {
    "ProductType": ("products", "Product"),
    "ProductVariantType": ("variants", "ProductVariant"),
}


def __getattr__(name):
    if name in _MOVED:
        from importlib import import_module

        module, attribute = _MOVED[name]
        return getattr(import_module(f"{__package__}.{module}"), attribute)
    raise AttributeError(name)
