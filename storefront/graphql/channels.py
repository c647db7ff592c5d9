"""Saleor's channels over a shop that sells in one place: the one channel
`default-channel` (CNY, mainland China). Every query and mutation that takes
Saleor's `channel` argument checks it here, so an unknown slug is Saleor's
NOT_FOUND error everywhere, never a crash or a silent default."""

import graphene
from graphene import relay
from graphql import GraphQLError

from storefront.core.money import CURRENCY
from storefront.orders.models import Order

from .addresses import COUNTRY, COUNTRY_NAME, CountryDisplay
from .ids import decode_id

CHANNEL_SLUG = "default-channel"
CHANNEL_PK = 1


class Channel(graphene.ObjectType):
    class Meta:
        interfaces = (relay.Node,)

    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    is_active = graphene.Boolean(required=True)
    currency_code = graphene.String(required=True)
    has_orders = graphene.Boolean(required=True)
    default_country = graphene.Field(CountryDisplay, required=True)
    countries = graphene.List(graphene.NonNull(CountryDisplay))

    @classmethod
    def get_node(cls, info, id):
        return the_channel() if str(id) == str(CHANNEL_PK) else None

    def resolve_id(self, info):
        return CHANNEL_PK

    def resolve_has_orders(self, info):
        return Order.objects.exists()

    def resolve_default_country(self, info):
        return CountryDisplay(code=COUNTRY, country=COUNTRY_NAME)

    def resolve_countries(self, info):
        return [CountryDisplay(code=COUNTRY, country=COUNTRY_NAME)]


def the_channel() -> Channel:
    return Channel(
        slug=CHANNEL_SLUG,
        name="共富工坊 Common-prosperity workshops",
        is_active=True,
        currency_code=CURRENCY,
    )


def channel_not_found(slug) -> GraphQLError:
    return GraphQLError(
        f"Channel with '{slug}' slug does not exist. (渠道不存在)",
        extensions={"code": "NOT_FOUND", "field": "channel"},
    )


def check_channel(slug: str | None) -> None:
    """Accept the shop's channel (or none: it is the only one), refuse any
    other slug with Saleor's NOT_FOUND."""
    if slug is not None and slug != CHANNEL_SLUG:
        raise channel_not_found(slug)


class ChannelQuery(graphene.ObjectType):
    channels = graphene.List(graphene.NonNull(Channel))
    channel = graphene.Field(Channel, slug=graphene.String(), id=graphene.ID())

    def resolve_channels(self, info):
        return [the_channel()]

    def resolve_channel(self, info, slug=None, id=None):
        if slug is not None and slug != CHANNEL_SLUG:
            return None
        if id is not None:
            pk = decode_id(id, "Channel")
            if pk is None:
                raise GraphQLError(
                    f"Couldn't resolve id: {id}. (无效的 ID)",
                    extensions={"code": "INVALID", "field": "id"},
                )
            return the_channel() if pk == CHANNEL_PK else None
        return the_channel()
