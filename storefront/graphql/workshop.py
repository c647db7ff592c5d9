"""The workshop's side of orders: the parcels it must pack and ship.

`workshopFulfillments(workshop:)` lists one workshop's parcels of paid orders
(to ship first, oldest first), each with that workshop's lines only: nothing
of another workshop's parcel in the same order is reachable from here.
`fulfillmentShip` hands a parcel to the carrier through
`storefront.orders.shipping.fulfillment_ship`. Both ask
`brands.permissions.user_can`: the workshop's people may list its parcels
(`CHANGE_WORKSHOP`), and each parcel is asked about again when it is shipped
(`SHIP_FULFILLMENT`). Never cached (view.py caches public catalogue fields
only).
"""

import graphene
from django.db.models import Prefetch
from graphene import relay
from graphene_django import DjangoObjectType
from graphql import GraphQLError

from brands.models import Workshop
from brands.permissions import Action, user_can
from storefront.orders.carriers import carrier_name, tracking_url
from storefront.orders.errors import OrderError, OrderErrorCode
from storefront.orders.models import Fulfillment, OrderLine
from storefront.orders.selectors import fulfillments_of_workshop
from storefront.orders.shipping import fulfillment_ship

from .errors import DomainMutation, choice_value, graphql_field
from .errors import OrderError as OrderErrorType
from .ids import decode_id
from .money import Money
from .orders import Address, OrderLineType, ParcelStatus, ShopOrderStatus
from .pagination import paginate
from .types import CountedConnection

# Global IDs of parcels: this type's, and Saleor's `Fulfillment:<pk>`.
FULFILLMENT_ID_TYPES = ("WorkshopFulfillment", "Fulfillment")


def _fulfillment(pk: int) -> Fulfillment | None:
    return (
        Fulfillment.objects.filter(pk=pk)
        .select_related("order", "workshop")
        .prefetch_related(
            Prefetch(
                "order__lines",
                queryset=OrderLine.objects.order_by("pk"),
                to_attr="all_lines",
            )
        )
        .first()
    )


class WorkshopFulfillmentType(DjangoObjectType):
    """One workshop's parcel of an order, as the workshop packs it."""

    class Meta:
        model = Fulfillment
        name = "WorkshopFulfillment"
        interfaces = (relay.Node,)
        fields = ("carrier", "tracking_number", "shipped_at")
        connection_class = CountedConnection

    status = graphene.Field(ParcelStatus, required=True)
    order_number = graphene.String(required=True)
    order_status = graphene.Field(ShopOrderStatus, required=True)
    paid_at = graphene.DateTime()
    workshop_name = graphene.String(required=True)
    lines = graphene.List(
        graphene.NonNull(OrderLineType),
        required=True,
        description="This workshop's lines of the order, and only those",
    )
    shipping_address = graphene.Field(
        Address, required=True, description="Recipient, phone and address"
    )
    note = graphene.String(required=True, description="The customer's note")
    carrier_name = graphene.String(
        required=True, description="e.g. 顺丰速运 SF Express; '' before shipping"
    )
    tracking_url = graphene.String(
        description="The carrier's tracking page; null before shipping"
    )
    subtotal = graphene.Field(Money, required=True)
    shipping_price = graphene.Field(Money, required=True)

    def resolve_status(self, info):
        return choice_value(self.status)

    def resolve_order_number(self, info):
        return self.order.number or ""

    def resolve_order_status(self, info):
        return choice_value(self.order.status)

    def resolve_paid_at(self, info):
        return self.order.paid_at

    def resolve_workshop_name(self, info):
        return self.workshop.name

    def resolve_lines(self, info):
        lines = getattr(self.order, "workshop_lines", None)
        if lines is None:
            lines = getattr(self.order, "all_lines", None)
        if lines is None:
            lines = self.order.lines.all()
        return [line for line in lines if line.workshop_id == self.workshop_id]

    def resolve_shipping_address(self, info):
        return self.order

    def resolve_note(self, info):
        return self.order.note

    def resolve_carrier_name(self, info):
        return carrier_name(self.carrier) if self.carrier else ""

    def resolve_tracking_url(self, info):
        return tracking_url(self.carrier, self.tracking_number) or None

    def resolve_subtotal(self, info):
        return Money.from_fen(self.subtotal_fen)

    def resolve_shipping_price(self, info):
        return Money.from_fen(self.shipping_fen)

    @classmethod
    def get_node(cls, info, id):
        fulfillment = _fulfillment(id)
        if fulfillment is None or not _may_see(info.context.user, fulfillment):
            return None
        return fulfillment


def _may_see(user, fulfillment: Fulfillment) -> bool:
    return user_can(user, Action.SHIP_FULFILLMENT, fulfillment) or user_can(
        user, Action.CHANGE_WORKSHOP, fulfillment.workshop
    )


def query_error(exc: OrderError) -> GraphQLError:
    return GraphQLError(
        exc.message,
        extensions={
            "code": OrderErrorCode(exc.code).name,
            "field": graphql_field(exc.field),
        },
    )


def workshop_for(user, value) -> Workshop:
    """The workshop behind a global ID (or slug) that `user` may manage.
    Only platform operators learn whether a workshop exists."""
    if not (user and user.is_authenticated):
        raise OrderError(OrderErrorCode.PERMISSION_DENIED, field="workshop")
    pk = decode_id(value, "Workshop")
    workshops = Workshop.objects.all()
    if pk is not None:
        workshop = workshops.filter(pk=pk).first()
    else:
        workshop = workshops.filter(slug=(value or "").strip()).first()
    if workshop is not None and user_can(user, Action.CHANGE_WORKSHOP, workshop):
        return workshop
    if workshop is None and user_can(user, Action.OPERATE_PLATFORM):
        raise OrderError(OrderErrorCode.NOT_FOUND, field="workshop")
    raise OrderError(OrderErrorCode.PERMISSION_DENIED, field="workshop")


class WorkshopQuery(graphene.ObjectType):
    workshop_fulfillments = relay.ConnectionField(
        WorkshopFulfillmentType._meta.connection,
        workshop=graphene.ID(
            required=True, description="Global ID (or slug) of a Workshop"
        ),
        status=ParcelStatus(),
        description="A workshop's parcels of paid orders, to ship first and "
        "oldest first; for its managers, the operators of its brands and "
        "platform operators. 100 a page.",
    )

    def resolve_workshop_fulfillments(self, info, workshop, status=None, **kwargs):
        try:
            target = workshop_for(info.context.user, workshop)
        except OrderError as exc:
            raise query_error(exc) from exc
        queryset = fulfillments_of_workshop(
            target, status=choice_value(status) if status is not None else None
        )
        page = {k: kwargs.get(k) for k in ("first", "last", "after", "before")}
        return paginate(queryset, WorkshopFulfillmentType._meta.connection, **page)


class FulfillmentShipInput(graphene.InputObjectType):
    carrier = graphene.String(required=True, description="Carrier code, e.g. SF")
    tracking_number = graphene.String(required=True)
    notify_customer = graphene.Boolean(
        default_value=True, description="Email the customer (default true)"
    )


class FulfillmentShip(DomainMutation):
    """Hand a parcel to the carrier: its stock leaves, the order moves on.
    The parcel's workshop managers and platform operators."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the parcel")
        input = FulfillmentShipInput(required=True)

    ERROR_FIELDS = {OrderError: "errors"}

    fulfillment = graphene.Field(WorkshopFulfillmentType)
    errors = graphene.List(graphene.NonNull(OrderErrorType), required=True)

    @classmethod
    def input_field(cls, field):
        if field in ("fulfillment", "order"):
            return "id"
        return graphql_field(field)

    @classmethod
    def perform(cls, info, id, input):
        user = info.context.user
        pk = next(
            (
                found
                for name in FULFILLMENT_ID_TYPES
                if (found := decode_id(id, name)) is not None
            ),
            None,
        )
        fulfillment = _fulfillment(pk) if pk is not None else None
        if fulfillment is None or not user_can(
            user, Action.SHIP_FULFILLMENT, fulfillment
        ):
            # Only operators learn whether a parcel exists.
            if fulfillment is None and user_can(user, Action.OPERATE_PLATFORM):
                raise OrderError(OrderErrorCode.NOT_FOUND, field="fulfillment")
            raise OrderError(OrderErrorCode.PERMISSION_DENIED, field="fulfillment")
        fulfillment_ship(
            fulfillment=fulfillment,
            carrier=input["carrier"],
            tracking_number=input["tracking_number"],
            user=user,
            notify_customer=input.get("notify_customer", True) is not False,
        )
        return cls.success(fulfillment=_fulfillment(fulfillment.pk))


class WorkshopMutations(graphene.ObjectType):
    fulfillment_ship = FulfillmentShip.Field()
