"""Saleor's `addressValidationRules(countryCode:)` for the one country the
shop delivers to. The province choices are the checkout's own list
(storefront.core.address.Province); the format and postal-code rule are
mainland China's as Google's address data (which Saleor uses) gives them.
The shop asks for no postal code, so it is allowed but not required. Any
other country answers its code with no fields: nothing can be delivered
there."""

import graphene

from storefront.core.address import Province

from .addresses import CountryCode

ADDRESS_FORMAT = "%Z\n%S%C%D\n%A\n%O\n%N"
ADDRESS_LATIN_FORMAT = "%N\n%O\n%A\n%D\n%C\n%S, %Z"
ALLOWED_FIELDS = [
    "postal_code",
    "country_area",
    "city",
    "city_area",
    "street_address",
    "company_name",
    "name",
]
REQUIRED_FIELDS = ["name", "street_address", "city", "city_area", "country_area"]


class ChoiceValue(graphene.ObjectType):
    raw = graphene.String()
    verbose = graphene.String()


class AddressValidationData(graphene.ObjectType):
    country_code = graphene.String(required=True)
    country_name = graphene.String(required=True)
    address_format = graphene.String(required=True)
    address_latin_format = graphene.String(required=True)
    allowed_fields = graphene.List(graphene.NonNull(graphene.String), required=True)
    required_fields = graphene.List(graphene.NonNull(graphene.String), required=True)
    upper_fields = graphene.List(graphene.NonNull(graphene.String), required=True)
    country_area_type = graphene.String(required=True)
    country_area_choices = graphene.List(graphene.NonNull(ChoiceValue), required=True)
    city_type = graphene.String(required=True)
    city_choices = graphene.List(graphene.NonNull(ChoiceValue), required=True)
    city_area_type = graphene.String(required=True)
    city_area_choices = graphene.List(graphene.NonNull(ChoiceValue), required=True)
    postal_code_type = graphene.String(required=True)
    postal_code_matchers = graphene.List(
        graphene.NonNull(graphene.String), required=True
    )
    postal_code_examples = graphene.List(
        graphene.NonNull(graphene.String), required=True
    )
    postal_code_prefix = graphene.String(required=True)


def _rules(code: str) -> AddressValidationData:
    china = code == "CN"
    return AddressValidationData(
        country_code=code,
        country_name="CHINA" if china else code,
        address_format=ADDRESS_FORMAT if china else "",
        address_latin_format=ADDRESS_LATIN_FORMAT if china else "",
        allowed_fields=ALLOWED_FIELDS if china else [],
        required_fields=REQUIRED_FIELDS if china else [],
        upper_fields=["country_area"] if china else [],
        country_area_type="province",
        country_area_choices=[
            ChoiceValue(raw=value, verbose=label) for value, label in Province.choices
        ]
        if china
        else [],
        city_type="city",
        city_choices=[],
        city_area_type="district",
        city_area_choices=[],
        postal_code_type="postal",
        postal_code_matchers=[r"^\d{6}$"] if china else [],
        postal_code_examples=["310000", "316000"] if china else [],
        postal_code_prefix="",
    )


class AddressRulesQuery(graphene.ObjectType):
    address_validation_rules = graphene.Field(
        AddressValidationData,
        country_code=graphene.Argument(CountryCode, required=True),
        country_area=graphene.String(),
        city=graphene.String(),
        city_area=graphene.String(),
    )

    def resolve_address_validation_rules(
        self, info, country_code, country_area=None, city=None, city_area=None
    ):
        return _rules(getattr(country_code, "value", country_code))
