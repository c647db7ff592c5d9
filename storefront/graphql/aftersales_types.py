"""After-sales (售后) requests as GraphQL reads them: `ReturnRequest` with its
lines, photos and steps, and the error type of the after-sales mutations.

Saleor has no shopper-side return request (its `orderFulfillmentReturnProducts`
is staff-only), so these names are our own, shaped like Saleor's
`OrderGrantedRefund`. The value behind `ReturnRequest` is an
`aftersales.AfterSalesRequest` loaded by
`storefront.aftersales.selectors.requests_with_details` (lines, photos and
steps prefetched)."""

import graphene
from graphene import relay
from graphene_django import DjangoObjectType

from brands.permissions import Action, user_can
from storefront.aftersales.errors import AfterSalesErrorCode
from storefront.aftersales.models import (
    AfterSalesRequest,
    EventType,
    Kind,
    Reason,
    Status,
)
from storefront.aftersales.selectors import requests_with_details
from storefront.catalog.errors import CatalogErrorCode
from storefront.orders.carriers import carrier_name, tracking_url
from storefront.orders.errors import OrderErrorCode
from storefront.payments.errors import PaymentErrorCode

from .errors import Error, choice_value, mirror_enum
from .money import Money
from .orders import FulfillmentType, OrderLineType
from .types import CountedConnection

ReturnRequestKindEnum = mirror_enum(Kind, "ReturnRequestKind")
ReturnRequestReasonEnum = mirror_enum(Reason, "ReturnRequestReason")
ReturnRequestStatusEnum = mirror_enum(Status, "ReturnRequestStatus")
ReturnRequestEventTypeEnum = mirror_enum(EventType, "ReturnRequestEventType")


def _error_codes() -> list[tuple[str, str]]:
    """The after-sales codes, then those of what a request's steps call:
    the refund (orders, payments), the return's tracking number (orders) and
    a photo too large to decode (catalogue)."""
    members: dict[str, str] = {}
    for choices in (AfterSalesErrorCode, OrderErrorCode, PaymentErrorCode):
        for member in choices:
            members.setdefault(member.name, member.value)
    members.setdefault("IMAGE_TOO_LARGE", CatalogErrorCode.IMAGE_TOO_LARGE.value)
    members.setdefault("INVALID", "invalid")
    return list(members.items())


ReturnRequestErrorCode = graphene.Enum(
    "ReturnRequestErrorCode",
    _error_codes(),
    description=(
        "Mirrors storefront.aftersales.errors.AfterSalesErrorCode, plus the "
        "codes of the refund and tracking steps it calls "
        "(storefront.orders.errors.OrderErrorCode, "
        "storefront.payments.errors.PaymentErrorCode), IMAGE_TOO_LARGE and "
        "INVALID."
    ),
)


class ReturnRequestError(graphene.ObjectType):
    class Meta:
        interfaces = (Error,)

    code = graphene.Field(ReturnRequestErrorCode, required=True)


class ReturnRequestLine(graphene.ObjectType):
    order_line = graphene.Field(OrderLineType, required=True)
    quantity = graphene.Int(required=True)
    amount = graphene.Field(Money, required=True)
    restock = graphene.Boolean(
        required=True, description="The units go back on the shelf when refunded"
    )

    # The value behind this type is an aftersales.AfterSalesLine.
    def resolve_amount(self, info):
        return Money.from_fen(self.amount_fen)


class ReturnRequestPhoto(graphene.ObjectType):
    url = graphene.String(required=True)

    # The value behind this type is an aftersales.AfterSalesPhoto.
    def resolve_url(self, info):
        return info.context.build_absolute_uri(self.image.url)


class ReturnRequestEvent(graphene.ObjectType):
    type = graphene.Field(ReturnRequestEventTypeEnum, required=True)
    date = graphene.DateTime(required=True)
    data = graphene.JSONString(
        required=True,
        description="What the step recorded: the refuse reason, the return's "
        "carrier and number, the amount refunded (fen)",
    )

    # The value behind this type is an aftersales.AfterSalesEvent.
    def resolve_type(self, info):
        return choice_value(self.type)

    def resolve_date(self, info):
        return self.created_at


class ReturnRequestType(DjangoObjectType):
    """A shopper's request to get money back for units of one parcel (售后):
    refund only, or return and refund."""

    class Meta:
        model = AfterSalesRequest
        name = "ReturnRequest"
        interfaces = (relay.Node,)
        fields = ("message", "refuse_reason", "return_tracking_number", "decided_at")
        connection_class = CountedConnection

    kind = graphene.Field(ReturnRequestKindEnum, required=True)
    reason = graphene.Field(ReturnRequestReasonEnum, required=True)
    status = graphene.Field(ReturnRequestStatusEnum, required=True)
    amount = graphene.Field(
        Money,
        required=True,
        description="What the refund gives back: unit price × units, plus the "
        "parcel's shipping when the whole parcel is asked for before it ships",
    )
    includes_shipping = graphene.Boolean(required=True)
    created = graphene.DateTime(required=True)
    order_number = graphene.String(required=True)
    workshop_name = graphene.String(required=True)
    fulfillment = graphene.Field(FulfillmentType, required=True)
    lines = graphene.List(graphene.NonNull(ReturnRequestLine), required=True)
    photos = graphene.List(graphene.NonNull(ReturnRequestPhoto), required=True)
    events = graphene.List(
        graphene.NonNull(ReturnRequestEvent),
        required=True,
        description="Each step, oldest first",
    )
    return_carrier = graphene.String(
        required=True, description="Carrier code of the return; '' until sent"
    )
    return_carrier_name = graphene.String(required=True)
    return_tracking_url = graphene.String()

    def resolve_kind(self, info):
        return choice_value(self.kind)

    def resolve_reason(self, info):
        return choice_value(self.reason)

    def resolve_status(self, info):
        return choice_value(self.status)

    def resolve_amount(self, info):
        return Money.from_fen(self.amount_fen)

    def resolve_created(self, info):
        return self.created_at

    def resolve_order_number(self, info):
        return self.order.number or ""

    def resolve_workshop_name(self, info):
        return self.workshop.name

    def resolve_fulfillment(self, info):
        parcel = self.fulfillment
        parcel.workshop = self.workshop  # the same workshop, already loaded
        return parcel

    def resolve_lines(self, info):
        return self.lines.all()

    def resolve_photos(self, info):
        return self.photos.all()

    def resolve_events(self, info):
        return self.events.all()

    def resolve_return_carrier_name(self, info):
        return carrier_name(self.return_carrier) if self.return_carrier else ""

    def resolve_return_tracking_url(self, info):
        if not self.return_tracking_number:
            return None
        return tracking_url(self.return_carrier, self.return_tracking_number) or None

    @classmethod
    def get_node(cls, info, id):
        """By `node(id:)`: those who handle it (the shopper reads it on the
        order)."""
        request = requests_with_details().filter(pk=id).first()
        if request is None or not user_can(
            info.context.user, Action.HANDLE_AFTERSALES, request
        ):
            return None
        return request
