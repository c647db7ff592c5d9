"""Livestream hosts: short links and live sessions.

Never cached (view.py caches public catalogue fields only): a pin must show at
once. A live session is public, its `figures` are not: only its host, the
operators of its brand and platform operators (`VIEW_HOST_FIGURES`) get them,
everyone else null. `hostLinks` lists the links whose figures the viewer may
see. Mutations report refusals as `errors { field code message }` and go
through storefront.links.services, which checks every permission.
"""

import graphene
from django.conf import settings
from django.urls import reverse
from graphene import relay
from graphene_django import DjangoObjectType

from brands.models import Brand
from brands.permissions import Action, user_can
from storefront.catalog.models import Product
from storefront.links import selectors, services
from storefront.links.errors import LinkError, LinkErrorCode
from storefront.links.models import HostLink, LinkTarget, LiveSession

from .errors import (
    DomainMutation,
    Error,
    choice_value,
    mirror_enum,
    mirror_error_enum,
)
from .errors import graphql_field as camel_field
from .ids import decode_id
from .money import Money
from .pagination import paginate
from .types import BrandType, CountedConnection, ProductType

LinkErrorCodeEnum = mirror_error_enum(LinkErrorCode, "LinkErrorCode")
HostLinkTargetEnum = mirror_enum(LinkTarget, "HostLinkTarget")


class LinkErrorType(graphene.ObjectType):
    class Meta:
        name = "LinkError"
        interfaces = (Error,)

    code = graphene.Field(LinkErrorCodeEnum, required=True)


def _visible(info, product: Product | None) -> Product | None:
    if product is None or not user_can(info.context.user, Action.VIEW_PRODUCT, product):
        return None
    return product


class LiveSessionFiguresType(graphene.ObjectType):
    class Meta:
        name = "LiveSessionFigures"

    views = graphene.Int(required=True, description="Page visits (bots excluded)")
    clicks = graphene.Int(required=True, description="Taps on the session's links")
    orders = graphene.Int(required=True, description="Paid orders credited to it")
    gmv_fen = graphene.Int(required=True, description="Paid minus refunded, fen")
    gmv = graphene.Field(Money, required=True)

    # The value behind this type is selectors.live_session_figures' dict.
    def resolve_views(self, info):
        return self["views"]

    def resolve_clicks(self, info):
        return self["clicks"]

    def resolve_orders(self, info):
        return self["orders"]

    def resolve_gmv_fen(self, info):
        return self["gmv_fen"]

    def resolve_gmv(self, info):
        return Money.from_fen(self["gmv_fen"])


class LiveSessionType(DjangoObjectType):
    class Meta:
        model = LiveSession
        name = "LiveSession"
        interfaces = (relay.Node,)
        fields = ("title", "starts_at", "ends_at", "pinned_at")
        connection_class = CountedConnection

    host_name = graphene.String(required=True)
    brand = graphene.Field(BrandType, required=True)
    is_live = graphene.Boolean(required=True, description="Between start and end")
    url = graphene.String(required=True, description="The public live page")
    pinned_product = graphene.Field(
        ProductType, description="On air now; null when nothing is pinned"
    )
    featured_products = graphene.List(
        graphene.NonNull(ProductType),
        required=True,
        description="The products on sale in this session, in the host's order",
    )
    figures = graphene.Field(
        LiveSessionFiguresType,
        description="The host's, the brand operators' and platform operators' "
        "only; null for everyone else",
    )

    def resolve_host_name(self, info):
        return selectors.host_display_name(self)

    def resolve_brand(self, info):
        return self.brand

    def resolve_is_live(self, info):
        return selectors.session_is_live(self)

    def resolve_url(self, info):
        return settings.SITE_URL + reverse("links:live", args=[self.pk])

    def resolve_pinned_product(self, info):
        return _visible(info, self.pinned_product)

    def resolve_featured_products(self, info):
        return selectors.featured_products(self)

    def resolve_figures(self, info):
        if not user_can(info.context.user, Action.VIEW_HOST_FIGURES, self):
            return None
        return selectors.live_session_figures(self)

    @classmethod
    def get_queryset(cls, queryset, info):
        return queryset.filter(brand__is_active=True).select_related(
            "brand",
            "host__host_profile",
            "pinned_product__brand",
            "pinned_product__workshop",
        )


class HostLinkType(DjangoObjectType):
    class Meta:
        model = HostLink
        name = "HostLink"
        interfaces = (relay.Node,)
        fields = (
            "code",
            "label",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "utm_content",
            "expires_at",
            "revoked_at",
            "created_at",
        )
        connection_class = CountedConnection

    target = graphene.Field(HostLinkTargetEnum, required=True)
    url = graphene.String(required=True, description="The short URL to share")
    target_url = graphene.String(required=True, description="Where it leads")
    clicks = graphene.Int(required=True, description="Taps by people, so far")
    host_name = graphene.String(required=True)
    brand = graphene.Field(BrandType, required=True)
    product = graphene.Field(ProductType, description="While it is on sale")
    live_session = graphene.Field(LiveSessionType)

    def resolve_target(self, info):
        return choice_value(self.target)

    def resolve_url(self, info):
        return settings.SITE_URL + reverse("links:redirect", args=[self.code])

    def resolve_target_url(self, info):
        return settings.SITE_URL + selectors.link_target_url(self)

    def resolve_clicks(self, info):
        return selectors.link_clicks(self)

    def resolve_host_name(self, info):
        profile = getattr(self.host, "host_profile", None)
        return profile.display_name if profile else self.host.get_username()

    def resolve_brand(self, info):
        return self.brand

    def resolve_product(self, info):
        return _visible(info, self.product)

    def resolve_live_session(self, info):
        return self.live_session

    @classmethod
    def get_queryset(cls, queryset, info):
        return selectors.host_links_visible_to(info.context.user)


def _page(kwargs) -> dict:
    return {k: kwargs.get(k) for k in ("first", "last", "after", "before")}


def _live_session(global_id) -> LiveSession | None:
    pk = decode_id(global_id, "LiveSession")
    if pk is None:
        return None
    return (
        LiveSession.objects.filter(pk=pk, brand__is_active=True)
        .select_related(
            "brand",
            "host__host_profile",
            "pinned_product__brand",
            "pinned_product__workshop",
        )
        .first()
    )


class LinksQuery(graphene.ObjectType):
    host_links = relay.ConnectionField(
        HostLinkType._meta.connection,
        description="Newest first: the viewer's own links, every link of the "
        "brands they operate, all of them for platform operators; empty when "
        "signed out. 100 a page.",
    )
    live_session = graphene.Field(
        LiveSessionType,
        id=graphene.ID(required=True, description="Global ID of a LiveSession"),
        description="A live session's public page data; null if unknown.",
    )

    def resolve_host_links(self, info, **kwargs):
        links = selectors.host_links_visible_to(info.context.user)
        return paginate(links, HostLinkType._meta.connection, **_page(kwargs))

    def resolve_live_session(self, info, id):
        return _live_session(id)


def _object(queryset, global_id, type_name: str, field: str):
    """The row behind an optional global ID; a bad or unknown one is
    NOT_FOUND against `field`."""
    if global_id is None:
        return None
    pk = decode_id(global_id, type_name)
    found = queryset.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise LinkError(LinkErrorCode.NOT_FOUND, field=field)
    return found


_PRODUCTS = Product.objects.select_related("brand", "workshop")


def _signed_in(user) -> None:
    if not (user and user.is_authenticated):
        raise LinkError(LinkErrorCode.PERMISSION_DENIED)


class HostLinkCreateInput(graphene.InputObjectType):
    target = HostLinkTargetEnum(required=True)
    product = graphene.ID(description="Global ID of a Product (target PRODUCT)")
    brand = graphene.ID(description="Global ID of a Brand (target BRAND)")
    live_session = graphene.ID(
        description="Global ID of one of your LiveSessions: the target, or the "
        "session a product link is shared in"
    )
    label = graphene.String(description="Your note, ≤ 80 characters")
    utm_source = graphene.String(description="≤ 100 characters")
    utm_medium = graphene.String()
    utm_campaign = graphene.String()
    utm_content = graphene.String()
    expires_at = graphene.DateTime(
        description="After it, the link still redirects but credits no one"
    )


class HostLinkCreate(DomainMutation):
    """A short link for a host approved for the brand (/l/<code>)."""

    class Arguments:
        input = HostLinkCreateInput(required=True)

    ERROR_FIELDS = {LinkError: "errors"}

    host_link = graphene.Field(HostLinkType)
    errors = graphene.List(graphene.NonNull(LinkErrorType), required=True)

    @classmethod
    def perform(cls, info, input):
        user = info.context.user
        _signed_in(user)
        product = _object(_PRODUCTS, input.get("product"), "Product", "product")
        link = services.host_link_create(
            user=user,
            target=choice_value(input["target"]),
            product=product,
            brand=_object(Brand.objects, input.get("brand"), "Brand", "brand"),
            live_session=_object(
                LiveSession.objects.select_related("brand"),
                input.get("live_session"),
                "LiveSession",
                "live_session",
            ),
            label=input.get("label") or "",
            utm={
                key: input.get(f"utm_{key}")
                for key in services.UTM_KEYS
                if input.get(f"utm_{key}") is not None
            },
            expires_at=input.get("expires_at"),
        )
        return cls.success(host_link=link)


class LiveSessionCreateInput(graphene.InputObjectType):
    brand = graphene.ID(required=True, description="Global ID of a Brand")
    title = graphene.String(required=True, description="≤ 120 characters")
    starts_at = graphene.DateTime(required=True)
    ends_at = graphene.DateTime(required=True, description="After startsAt")
    products = graphene.List(
        graphene.NonNull(graphene.ID),
        required=True,
        description="Global IDs of the brand's products on sale, in show order "
        "(at most 50)",
    )


class LiveSessionCreate(DomainMutation):
    """Schedule a live session as its host (approved for the brand)."""

    class Arguments:
        input = LiveSessionCreateInput(required=True)

    ERROR_FIELDS = {LinkError: "errors"}

    live_session = graphene.Field(LiveSessionType)
    errors = graphene.List(graphene.NonNull(LinkErrorType), required=True)

    @classmethod
    def input_field(cls, field):
        if field and field.startswith("product_ids"):
            field = "products" + field[len("product_ids") :]
        return camel_field(field)

    @classmethod
    def perform(cls, info, input):
        user = info.context.user
        _signed_in(user)
        brand = _object(Brand.objects, input["brand"], "Brand", "brand")
        product_ids = []
        for index, global_id in enumerate(input["products"]):
            pk = decode_id(global_id, "Product")
            if pk is None:
                raise LinkError(LinkErrorCode.NOT_FOUND, field=f"product_ids.{index}")
            product_ids.append(pk)
        session = services.live_session_create(
            user=user,
            brand=brand,
            title=input["title"],
            starts_at=input["starts_at"],
            ends_at=input["ends_at"],
            product_ids=product_ids,
        )
        return cls.success(live_session=session)


class LiveSessionPin(DomainMutation):
    """Put one of the session's featured products on air; `product: null`
    takes it down. Its host, the brand's operators, platform operators."""

    class Arguments:
        session = graphene.ID(required=True, description="Global ID of a LiveSession")
        product = graphene.ID(
            description="Global ID of a featured Product; null unpins"
        )

    ERROR_FIELDS = {LinkError: "errors"}

    live_session = graphene.Field(LiveSessionType)
    errors = graphene.List(graphene.NonNull(LinkErrorType), required=True)

    @classmethod
    def perform(cls, info, session, product=None):
        user = info.context.user
        _signed_in(user)
        found = _live_session(session)
        if found is None:
            raise LinkError(LinkErrorCode.NOT_FOUND, field="session")
        pinned = _object(_PRODUCTS, product, "Product", "product")
        services.live_session_pin(user=user, session=found, product=pinned)
        return cls.success(live_session=_live_session(session))


class LinkMutations(graphene.ObjectType):
    host_link_create = HostLinkCreate.Field()
    live_session_create = LiveSessionCreate.Field()
    live_session_pin = LiveSessionPin.Field()
