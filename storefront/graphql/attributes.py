"""Saleor's attributes over the shop's facts.

Products have no attribute tables: their attributes are built per request
from columns already loaded (no query):
- the GB 7718 label facts (配料 ingredients, 净含量 net content, 保质期 shelf
  life, 储存条件 storage, 生产者 producer, 生产许可证编号 SC licence) as
  PLAIN_TEXT attributes;
- the brand, workshop and origin village as DROPDOWN attributes whose one
  value is the row's name;
- the free `Product.attributes` pairs as PLAIN_TEXT attributes;
- a variant's options (`{"规格": "500g"}`) as its variant-selection DROPDOWN
  attributes.
An attribute's id is "Attribute:<slug>" and a value's "AttributeValue:<slug>"
(they are not rows, so they have no primary key; `node()` does not resolve
them). EN translations exist for the fixed attributes' names."""

from dataclasses import dataclass, field
from functools import lru_cache

import graphene
from django.utils.text import slugify
from graphql_relay import to_global_id

from storefront.core.slugs import pinyin

from .languages import LanguageCodeEnum, LanguageDisplay, english, language_display
from .media import File
from .scalars import PositiveInt

AttributeInputTypeEnum = graphene.Enum(
    "AttributeInputTypeEnum",
    [(v, v) for v in ("DROPDOWN", "MULTISELECT", "FILE", "REFERENCE")]
    + [(v, v) for v in ("SINGLE_REFERENCE", "NUMERIC", "RICH_TEXT", "PLAIN_TEXT")]
    + [(v, v) for v in ("SWATCH", "BOOLEAN", "DATE", "DATE_TIME")],
)
AttributeTypeEnum = graphene.Enum(
    "AttributeTypeEnum",
    [("PRODUCT_TYPE", "PRODUCT_TYPE"), ("PAGE_TYPE", "PAGE_TYPE")],
)
VariantAttributeScope = graphene.Enum(
    "VariantAttributeScope",
    [("ALL", "ALL"), ("VARIANT_SELECTION", "VARIANT_SELECTION")]
    + [("NOT_VARIANT_SELECTION", "NOT_VARIANT_SELECTION")],
)

# (model field, slug, English name) of the label facts, in label order.
LABEL_FACTS = (
    ("ingredients", "ingredients", "Ingredients"),
    ("net_content", "net-content", "Net content"),
    ("shelf_life", "shelf-life", "Shelf life"),
    ("storage_conditions", "storage-conditions", "Storage conditions"),
    ("producer", "producer", "Producer"),
    ("sc_licence", "sc-licence", "SC production licence"),
)
PLACES = (
    ("brand", "brand", "品牌", "Brand"),
    ("workshop", "workshop", "工坊", "Workshop"),
    ("origin_village", "origin-village", "产地村", "Origin village"),
)


@lru_cache(maxsize=4096)
def slug_of(text: str) -> str:
    """An ASCII slug (pinyin for Chinese) of an option name or value; the
    same few names recur on every page, so each is worked out once."""
    return slugify("-".join(pinyin(str(text)))) or slugify(str(text)) or "value"


@dataclass
class AttributeDef:
    slug: str
    name: str
    name_en: str = ""
    input_type: str = "PLAIN_TEXT"
    kind: str = "PRODUCT_TYPE"


@dataclass
class ValueDef:
    attribute: AttributeDef
    name: str
    slug: str
    name_en: str = ""
    values: list = field(default_factory=list)


def _english(language_code, text):
    return text or None if english(language_code) else None


class AttributeTranslation(graphene.ObjectType):
    id = graphene.ID(required=True)
    language = graphene.Field(LanguageDisplay, required=True)
    name = graphene.String(required=True)


class Attribute(graphene.ObjectType):
    id = graphene.ID(required=True)
    input_type = graphene.Field(AttributeInputTypeEnum)
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    type = graphene.Field(AttributeTypeEnum, required=True)
    value_required = graphene.Boolean(required=True)
    visible_in_storefront = graphene.Boolean(required=True)
    filterable_in_storefront = graphene.Boolean(required=True)
    with_choices = graphene.Boolean(required=True)
    translation = graphene.Field(
        AttributeTranslation,
        language_code=graphene.Argument(LanguageCodeEnum, required=True),
    )

    def resolve_id(self, info):
        return to_global_id("Attribute", self.slug)

    def resolve_input_type(self, info):
        return self.input_type

    def resolve_type(self, info):
        return self.kind

    def resolve_value_required(self, info):
        return False

    def resolve_visible_in_storefront(self, info):
        return True

    def resolve_filterable_in_storefront(self, info):
        return self.input_type == "DROPDOWN"

    def resolve_with_choices(self, info):
        return self.input_type == "DROPDOWN"

    def resolve_translation(self, info, language_code):
        name = _english(language_code, self.name_en)
        if name is None:
            return None
        return AttributeTranslation(
            id=to_global_id("AttributeTranslation", self.slug),
            language=language_display("EN"),
            name=name,
        )


class AttributeValueTranslation(graphene.ObjectType):
    id = graphene.ID(required=True)
    language = graphene.Field(LanguageDisplay, required=True)
    name = graphene.String(required=True)
    plain_text = graphene.String()


class AttributeValue(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String()
    slug = graphene.String()
    value = graphene.String()
    input_type = graphene.Field(AttributeInputTypeEnum)
    file = graphene.Field(File)
    plain_text = graphene.String()
    # Saleor's BOOLEAN and DATE_TIME values: no attribute here is of either.
    boolean = graphene.Boolean(resolver=lambda *_: None)
    date_time = graphene.DateTime(resolver=lambda *_: None)
    translation = graphene.Field(
        AttributeValueTranslation,
        language_code=graphene.Argument(LanguageCodeEnum, required=True),
    )

    def resolve_id(self, info):
        return to_global_id("AttributeValue", f"{self.attribute.slug}-{self.slug}")

    def resolve_value(self, info):
        return self.name

    def resolve_input_type(self, info):
        return self.attribute.input_type

    def resolve_file(self, info):
        return None

    def resolve_plain_text(self, info):
        return self.name if self.attribute.input_type == "PLAIN_TEXT" else None

    def resolve_translation(self, info, language_code):
        name = _english(language_code, self.name_en)
        if name is None:
            return None
        return AttributeValueTranslation(
            id=to_global_id("AttributeValueTranslation", self.slug),
            language=language_display("EN"),
            name=name,
            plain_text=name if self.attribute.input_type == "PLAIN_TEXT" else None,
        )


class SelectedAttribute(graphene.ObjectType):
    attribute = graphene.Field(Attribute, required=True)
    values = graphene.List(graphene.NonNull(AttributeValue), required=True)

    def resolve_attribute(self, info):
        return self.attribute

    def resolve_values(self, info):
        return self.values


class AssignedAttribute(graphene.Interface):
    attribute = graphene.Field(Attribute, required=True)


def _language_arg():
    return graphene.Argument(LanguageCodeEnum, required=True)


class AssignedPlainTextAttribute(graphene.ObjectType):
    class Meta:
        interfaces = (AssignedAttribute,)

    value = graphene.String()
    translation = graphene.String(language_code=_language_arg())

    def resolve_value(self, info):
        return self.name

    def resolve_translation(self, info, language_code):
        return _english(language_code, self.name_en)


class AssignedChoiceAttributeValue(graphene.ObjectType):
    name = graphene.String()
    slug = graphene.String()
    translation = graphene.String(language_code=_language_arg())

    def resolve_translation(self, info, language_code):
        return _english(language_code, self.name_en)


class AssignedSingleChoiceAttribute(graphene.ObjectType):
    class Meta:
        interfaces = (AssignedAttribute,)

    value = graphene.Field(AssignedChoiceAttributeValue)

    def resolve_value(self, info):
        return self


class AssignedMultiChoiceAttribute(graphene.ObjectType):
    class Meta:
        interfaces = (AssignedAttribute,)

    value = graphene.List(
        graphene.NonNull(AssignedChoiceAttributeValue),
        required=True,
        limit=graphene.Argument(PositiveInt, default_value=100),
    )

    def resolve_value(self, info, limit=100):
        return self.values[:limit]


class AssignedNumericAttribute(graphene.ObjectType):
    class Meta:
        interfaces = (AssignedAttribute,)

    value = graphene.Float()


class AssignedBooleanAttribute(graphene.ObjectType):
    class Meta:
        interfaces = (AssignedAttribute,)

    value = graphene.Boolean()


class AssignedFileAttribute(graphene.ObjectType):
    class Meta:
        interfaces = (AssignedAttribute,)

    value = graphene.Field(File)


class AssignedSingleCollectionReferenceAttribute(graphene.ObjectType):
    class Meta:
        interfaces = (AssignedAttribute,)

    value = graphene.Field("storefront.graphql.catalog_types.Collection")


# Types only reachable through the AssignedAttribute interface: the schema
# must be told about them (config/schema.py).
ATTRIBUTE_TYPES = [
    AssignedPlainTextAttribute,
    AssignedSingleChoiceAttribute,
    AssignedMultiChoiceAttribute,
    AssignedNumericAttribute,
    AssignedBooleanAttribute,
    AssignedFileAttribute,
    AssignedSingleCollectionReferenceAttribute,
]


class _Assigned:
    """What the Assigned* types read: the value's fields and its attribute."""

    def __init__(self, value: ValueDef):
        self.attribute = value.attribute
        self.name, self.slug, self.name_en = value.name, value.slug, value.name_en


def assigned(value: ValueDef):
    graphene_type = (
        AssignedSingleChoiceAttribute
        if value.attribute.input_type == "DROPDOWN"
        else AssignedPlainTextAttribute
    )
    found = graphene_type()
    found.__dict__.update(_Assigned(value).__dict__)
    return found


def product_values(product) -> list[ValueDef]:
    """The product's attributes with their one value each, in label order
    (worked out once per product and request)."""
    found = getattr(product, "_attribute_values", None)
    if found is None:
        found = product._attribute_values = _product_values(product)
    return found


def _product_values(product) -> list[ValueDef]:
    found = []
    for column, slug, name_en in LABEL_FACTS:
        text = getattr(product, column)
        if text:
            name = str(product._meta.get_field(column).verbose_name).split(" ")[0]
            attribute = AttributeDef(slug, name, name_en)
            # Saleor's slug of a plain-text value: "<owner id>_<attribute>".
            found.append(ValueDef(attribute, text, f"{product.pk}_{slug}"))
    for column, slug, name, name_en in PLACES:
        row = getattr(product, column)
        attribute = AttributeDef(slug, name, name_en, "DROPDOWN")
        found.append(ValueDef(attribute, row.name, row.slug, row.name_en))
    for key, text in (product.attributes or {}).items():
        if text not in (None, ""):
            attribute = AttributeDef(slug_of(str(key)), str(key))
            value_slug = f"{product.pk}_{attribute.slug}"
            found.append(ValueDef(attribute, str(text), value_slug))
    return found


def variant_values(variant) -> list[ValueDef]:
    """A variant's options as variant-selection choices (once per variant
    and request)."""
    found = getattr(variant, "_attribute_values", None)
    if found is None:
        found = variant._attribute_values = _variant_values(variant)
    return found


def _variant_values(variant) -> list[ValueDef]:
    return [
        ValueDef(
            AttributeDef(slug_of(str(key)), str(key), "", "DROPDOWN"),
            str(v),
            slug_of(str(v))[:100],
        )
        for key, v in (variant.options or {}).items()
    ]


def selected(values: list[ValueDef]) -> list[SelectedAttribute]:
    return [SelectedAttribute(attribute=v.attribute, values=[v]) for v in values]


def assigned_fields():
    return {
        "assigned_attribute": graphene.Field(
            AssignedAttribute, slug=graphene.String(required=True)
        ),
        "assigned_attributes": graphene.List(
            graphene.NonNull(AssignedAttribute),
            required=True,
            limit=graphene.Argument(PositiveInt, default_value=100),
        ),
    }


def assigned_one(values, slug):
    for value in values:
        if value.attribute.slug == slug:
            return assigned(value)
    return None
