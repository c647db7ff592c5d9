"""Delivery addresses in Saleor 3.23's shape, mapped onto ours: the
`Address` of the address book and of an order, a checkout or a parcel, and
the `AddressInput` of the address book and the checkout.

`Address` keeps this API's own fields (recipientName, province, district,
streetAddress) and adds Saleor's: firstName = recipient_name, lastName = "",
countryArea = province, cityArea = district, streetAddress1 =
street_address, streetAddress2 = "", companyName = "", country = CN.
`AddressInput` has Saleor's fields only; address_data maps them onto ours
and SALEOR_ADDRESS_FIELDS maps our field names back in errors."""

import graphene
from graphql_relay import to_global_id

from storefront.accounts.errors import AccountError as DomainAccountError
from storefront.accounts.errors import AccountErrorCode as Codes
from storefront.accounts.models import Address as AddressModel

COUNTRY = "CN"
COUNTRY_NAME = "中国 China"
# Saleor's CountryCode enum (ISO 3166-1 alpha-2 plus EU): any of them is
# accepted as input, and all but CN refused with INVALID on `country`.
COUNTRY_CODES = """
    AF AX AL DZ AS AD AO AI AQ AG AR AM AW AU AT AZ BS BH BD BB BY BE BZ BJ BM
    BT BO BQ BA BW BV BR IO BN BG BF BI CV KH CM CA KY CF TD CL CN CX CC CO KM
    CG CD CK CR CI HR CU CW CY CZ DK DJ DM DO EC EG SV GQ ER EE SZ ET EU FK FO
    FJ FI FR GF PF TF GA GM GE DE GH GI GR GL GD GP GU GT GG GN GW GY HT HM VA
    HN HK HU IS IN ID IR IQ IE IM IL IT JM JP JE JO KZ KE KI XK KW KG LA LV LB
    LS LR LY LI LT LU MO MG MW MY MV ML MT MH MQ MR MU YT MX FM MD MC MN ME MS
    MA MZ MM NA NR NP NL NC NZ NI NE NG NU NF KP MK MP NO OM PK PW PS PA PG PY
    PE PH PN PL PT PR QA RE RO RU RW BL SH KN LC MF PM VC WS SM ST SA SN RS SC
    SL SG SX SK SI SB SO ZA GS KR SS ES LK SD SR SJ SE CH SY TW TJ TZ TH TL TG
    TK TO TT TN TR TM TC TV UG UA AE GB UM US UY UZ VU VE VN VG VI WF EH YE ZM
    ZW
""".split()

CountryCode = graphene.Enum(
    "CountryCode", [(code, code) for code in COUNTRY_CODES], description="ISO 3166-1"
)


class AddressTypeEnum(graphene.Enum):
    BILLING = "BILLING"
    SHIPPING = "SHIPPING"


class CountryDisplay(graphene.ObjectType):
    code = graphene.String(required=True, description="Country code.")
    country = graphene.String(required=True, description="Country name.")


class Address(graphene.ObjectType):
    """A mainland China delivery address: an address-book entry, or the one
    of a checkout, an order or a parcel (whose `id` names that copy and is
    not accepted by the account mutations)."""

    id = graphene.ID(required=True)
    first_name = graphene.String(required=True, description="The recipient")
    last_name = graphene.String(required=True, description="Always empty")
    company_name = graphene.String(required=True, description="Always empty")
    street_address_1 = graphene.String(required=True)
    street_address_2 = graphene.String(required=True, description="Always empty")
    city = graphene.String(required=True)
    city_area = graphene.String(required=True, description="District / county")
    postal_code = graphene.String(required=True)
    country = graphene.Field(CountryDisplay, required=True)
    country_area = graphene.String(required=True, description="Province")
    is_default_shipping_address = graphene.Boolean(
        description="The address book's one default (shipping and billing alike)"
    )
    is_default_billing_address = graphene.Boolean(
        description="The address book's one default (shipping and billing alike)"
    )
    # This API's own names.
    recipient_name = graphene.String(required=True)
    phone = graphene.String(description="Mainland mobile")
    province = graphene.String(required=True)
    district = graphene.String(required=True)
    street_address = graphene.String(required=True)

    # The value behind this type has storefront.core.address.AddressFields:
    # an accounts.models.Address, or an order, a checkout, ...
    def resolve_id(self, info):
        if isinstance(self, AddressModel):
            return to_global_id("Address", self.pk)
        return to_global_id(f"{type(self).__name__}Address", self.pk)

    def resolve_first_name(self, info):
        return self.recipient_name

    def resolve_last_name(self, info):
        return ""

    def resolve_company_name(self, info):
        return ""

    def resolve_street_address_1(self, info):
        return self.street_address

    def resolve_street_address_2(self, info):
        return ""

    def resolve_city_area(self, info):
        return self.district

    def resolve_postal_code(self, info):
        return getattr(self, "postal_code", "") or ""

    def resolve_country(self, info):
        return CountryDisplay(code=COUNTRY, country=COUNTRY_NAME)

    def resolve_country_area(self, info):
        return self.province

    def resolve_is_default_shipping_address(self, info):
        if isinstance(self, AddressModel):
            return self.is_default
        return None

    resolve_is_default_billing_address = resolve_is_default_shipping_address


class AddressInput(graphene.InputObjectType):
    """Saleor's AddressInput: firstName (+ lastName) is the recipient,
    countryArea the province, cityArea the district, streetAddress1
    (+ streetAddress2) the street address. Every field the address needs is
    required; they are optional here only so that a missing one comes back
    as an error naming it."""

    first_name = graphene.String(description="Recipient (with lastName)")
    last_name = graphene.String(description="Joined before firstName")
    company_name = graphene.String(description="Ignored")
    street_address_1 = graphene.String(description="Street, building, room")
    street_address_2 = graphene.String(description="Appended to streetAddress1")
    city = graphene.String()
    city_area = graphene.String(description="District / county")
    postal_code = graphene.String()
    country = graphene.Field(CountryCode, description="CN only")
    country_area = graphene.String(description="Province as written, e.g. 浙江省")
    phone = graphene.String(description="Mainland mobile, e.g. 13800138000")
    # Lazy: metadata.py imports (through checkout_errors) this module.
    metadata = graphene.List(
        graphene.NonNull("storefront.graphql.metadata.MetadataInput"),
        description="Ignored: addresses keep no metadata",
    )
    skip_validation = graphene.Boolean(
        default_value=False, description="Ignored: every address is validated"
    )


# The one table of our address field -> Saleor's AddressInput field, for
# errors (province -> countryArea, ...); every mutation taking an
# AddressInput names its error fields through it.
SALEOR_ADDRESS_FIELDS = {
    "recipient_name": "firstName",
    "phone": "phone",
    "province": "countryArea",
    "city": "city",
    "district": "cityArea",
    "street_address": "streetAddress1",
    "postal_code": "postalCode",
    "country": "country",
}


def _joined(*parts) -> str:
    return " ".join(str(part).strip() for part in parts if part and str(part).strip())


def address_data(data) -> dict:
    """Our AddressFields (plus postal_code) from an AddressInput;
    AccountError COUNTRY_NOT_SUPPORTED for a country other than CN."""
    data = dict(data or {})
    country = data.get("country")
    country = getattr(country, "value", country)
    if country not in (None, COUNTRY):
        raise DomainAccountError(Codes.COUNTRY_NOT_SUPPORTED, field="country")
    return {
        "recipient_name": _joined(data.get("last_name"), data.get("first_name")),
        "phone": data.get("phone"),
        "province": data.get("country_area"),
        "city": data.get("city"),
        "district": data.get("city_area"),
        "street_address": _joined(
            data.get("street_address_1"), data.get("street_address_2")
        ),
        "postal_code": data.get("postal_code"),
    }
