"""After-sales (售后) over GraphQL: the shopper asks, withdraws and sends a
return back; the parcel's workshop lists, approves, refuses and refunds.

Shopper mutations reach the order as the order page does, by its secret
`token`, or, signed in, by the `id` of an order of their own. Photos come as
`Upload` variables of a multipart request, which the view accepts from
signed-in users only (with the CSRF header); a guest adds photos on the web
form. The workshop side asks `brands.permissions.user_can(HANDLE_AFTERSALES)`
(the parcel's workshop managers and platform operators). Every write is a
`storefront.aftersales.services` call; its errors come back as
`errors { field code message }`. Only platform operators learn whether a
request id exists.
"""

import graphene
from graphql import GraphQLError

from brands.models import Workshop
from brands.permissions import Action, user_can
from storefront.aftersales.errors import AfterSalesError, AfterSalesErrorCode
from storefront.aftersales.models import AfterSalesRequest
from storefront.aftersales.selectors import requests_of_workshop, requests_with_details
from storefront.aftersales.services import (
    aftersales_approve,
    aftersales_cancel,
    aftersales_refund,
    aftersales_refuse,
    aftersales_request_create,
    aftersales_return_ship,
)
from storefront.catalog.errors import CatalogError
from storefront.core.errors import DomainError
from storefront.orders.errors import OrderError
from storefront.orders.models import Fulfillment, Order
from storefront.payments.errors import PaymentError

from .aftersales_types import (
    ReturnRequestError,
    ReturnRequestKindEnum,
    ReturnRequestReasonEnum,
    ReturnRequestStatusEnum,
    ReturnRequestType,
)
from .errors import DomainMutation, choice_value, graphql_field
from .ids import decode_id
from .imports import Upload
from .orders import OrderType
from .pagination import paginate

FULFILLMENT_ID_TYPES = ("Fulfillment", "WorkshopFulfillment")


def _not_found(field: str) -> AfterSalesError:
    return AfterSalesError(AfterSalesErrorCode.NOT_FOUND, field=field)


def _request(pk: int | None) -> AfterSalesRequest | None:
    if pk is None:
        return None
    return requests_with_details().filter(pk=pk).first()


def _fresh(request: AfterSalesRequest) -> AfterSalesRequest:
    return requests_with_details().get(pk=request.pk)


def _shoppers_order(user, token, order_id) -> Order:
    """The order behind its secret token, or an order of the signed-in user
    by its global ID; an order out of reach is not found."""
    if token is not None:
        order = Order.objects.filter(token=token).first()
        if order is None:
            raise _not_found("token")
        return order
    if order_id is None:
        raise _not_found("token")
    pk = decode_id(order_id, "Order")
    order = None
    if pk is not None and user is not None and user.is_authenticated:
        order = Order.objects.filter(pk=pk, user_id=user.pk).first()
    if order is None:
        raise _not_found("id")
    return order


def _shoppers_request(user, request_id, token) -> AfterSalesRequest:
    """A request of the order whose token is given (or of the signed-in
    user's own order). Anyone else is refused whether it exists or not."""
    request = _request(decode_id(request_id, "ReturnRequest"))
    if request is not None:
        if token is not None and str(request.order.token) == str(token):
            return request
        if (
            token is None
            and user is not None
            and user.is_authenticated
            and request.order.user_id == user.pk
        ):
            return request
    raise AfterSalesError(AfterSalesErrorCode.PERMISSION_DENIED, field="id")


def _handled_request(user, request_id) -> AfterSalesRequest:
    """A request `user` may decide on (HANDLE_AFTERSALES)."""
    request = _request(decode_id(request_id, "ReturnRequest"))
    if request is not None and user_can(user, Action.HANDLE_AFTERSALES, request):
        return request
    if request is None and user_can(user, Action.OPERATE_PLATFORM):
        raise _not_found("id")
    raise AfterSalesError(AfterSalesErrorCode.PERMISSION_DENIED, field="id")


def _workshop(user, value) -> Workshop:
    """The workshop behind a global ID (or slug) whose requests `user` may
    handle. Only platform operators learn whether a workshop exists."""
    pk = decode_id(value, "Workshop")
    workshops = Workshop.objects.all()
    if pk is not None:
        workshop = workshops.filter(pk=pk).first()
    else:
        workshop = workshops.filter(slug=(value or "").strip()).first()
    if workshop is not None and user_can(
        user, Action.HANDLE_AFTERSALES, AfterSalesRequest(workshop=workshop)
    ):
        return workshop
    if workshop is None and user_can(user, Action.OPERATE_PLATFORM):
        raise _not_found("workshop")
    raise AfterSalesError(AfterSalesErrorCode.PERMISSION_DENIED, field="workshop")


class ReturnRequestQuery(graphene.ObjectType):
    return_requests = graphene.relay.ConnectionField(
        ReturnRequestType._meta.connection,
        workshop=graphene.ID(
            required=True, description="Global ID (or slug) of a Workshop"
        ),
        status=ReturnRequestStatusEnum(),
        description="A workshop's after-sales requests, newest first; for its "
        "managers and platform operators. 100 a page.",
    )

    def resolve_return_requests(self, info, workshop, status=None, **kwargs):
        try:
            target = _workshop(info.context.user, workshop)
        except AfterSalesError as exc:
            raise GraphQLError(
                exc.message,
                extensions={
                    "code": AfterSalesErrorCode(exc.code).name,
                    "field": graphql_field(exc.field),
                },
            ) from exc
        queryset = requests_of_workshop(
            target, status=choice_value(status) if status is not None else None
        )
        page = {k: kwargs.get(k) for k in ("first", "last", "after", "before")}
        return paginate(queryset, ReturnRequestType._meta.connection, **page)


class ReturnRequestMutation(DomainMutation):
    class Meta:
        abstract = True

    # One list: the request's own codes and those of the steps it calls
    # (the refund, the return's tracking number, a photo's decoding).
    ERROR_FIELDS = {
        AfterSalesError: "errors",
        OrderError: "errors",
        PaymentError: "errors",
        CatalogError: "errors",
    }
    # Domain field names as this mutation's inputs name them.
    FIELDS: dict[str, str | None] = {"status": None}

    return_request = graphene.Field(ReturnRequestType)
    errors = graphene.List(graphene.NonNull(ReturnRequestError), required=True)

    @classmethod
    def input_field(cls, field):
        if field in cls.FIELDS:
            return cls.FIELDS[field]
        return graphql_field(field)


# --- the shopper ----------------------------------------------------------


class OrderReturnRequestLineInput(graphene.InputObjectType):
    order_line_id = graphene.ID(required=True, description="Global ID of an OrderLine")
    quantity = graphene.Int(required=True, description="Units to get money back for")


class OrderReturnRequestCreateInput(graphene.InputObjectType):
    fulfillment = graphene.ID(
        required=True, description="Global ID of the order's parcel (Fulfillment)"
    )
    kind = ReturnRequestKindEnum(required=True)
    reason = ReturnRequestReasonEnum(required=True)
    message = graphene.String(description="At most 500 characters")
    lines = graphene.List(graphene.NonNull(OrderReturnRequestLineInput), required=True)
    photos = graphene.List(
        graphene.NonNull(Upload),
        description="Up to 3 JPEG, PNG, WebP or GIF images, as files of a "
        "multipart request (signed-in users, with the X-CSRFToken header)",
    )


def _lines(lines) -> dict:
    """{order line pk: units}. An ID that is not an OrderLine's becomes a key
    the service refuses (INVALID_QUANTITY, field `lines`)."""
    wanted: dict = {}
    for index, line in enumerate(lines or []):
        key = decode_id(line.order_line_id, "OrderLine") or f"invalid-{index}"
        quantity = line.quantity
        wanted[key] = quantity if key not in wanted else wanted[key] + quantity
    return wanted


class OrderReturnRequestCreate(ReturnRequestMutation):
    """Ask for money back for units of one parcel (售后): refund only, or
    return and refund, within the window the goods' category allows. By the
    order's secret `token`, or signed in by the `id` of one's own order."""

    class Arguments:
        token = graphene.UUID(description="The secret of the order link")
        id = graphene.ID(description="Global ID of the signed-in user's order")
        input = OrderReturnRequestCreateInput(required=True)

    FIELDS = {"status": None, "parcel": "fulfillment", "order": None}

    order = graphene.Field(OrderType)

    @classmethod
    def perform(cls, info, input, token=None, id=None):
        order = _shoppers_order(info.context.user, token, id)
        pk = next(
            (
                found
                for name in FULFILLMENT_ID_TYPES
                if (found := decode_id(input["fulfillment"], name)) is not None
            ),
            None,
        )
        parcel = (
            Fulfillment.objects.filter(pk=pk, order=order).first()
            if pk is not None
            else None
        )
        if parcel is None:
            raise _not_found("fulfillment")
        request = aftersales_request_create(
            order=order,
            fulfillment=parcel,
            kind=choice_value(input["kind"]),
            reason=choice_value(input["reason"]),
            message=input.get("message") or "",
            lines=_lines(input["lines"]),
            photos=input.get("photos") or (),
        )
        return cls.success(
            return_request=_fresh(request), order=Order.objects.get(pk=order.pk)
        )


class OrderReturnRequestCancel(ReturnRequestMutation):
    """Withdraw a request before any refund started (the shopper)."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the ReturnRequest")
        token = graphene.UUID(
            description="The secret of the order link; not needed by the "
            "signed-in owner of the order"
        )

    @classmethod
    def perform(cls, info, id, token=None):
        request = _shoppers_request(info.context.user, id, token)
        aftersales_cancel(request=request)
        return cls.success(return_request=_fresh(request))


class OrderReturnRequestSetTrackingInput(graphene.InputObjectType):
    carrier = graphene.String(required=True, description="Carrier code, e.g. sf")
    tracking_number = graphene.String(required=True)


class OrderReturnRequestSetTracking(ReturnRequestMutation):
    """The goods of an approved return are on their way back: the carrier
    and its tracking number (checked against the carrier's format)."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the ReturnRequest")
        token = graphene.UUID(
            description="The secret of the order link; not needed by the "
            "signed-in owner of the order"
        )
        input = OrderReturnRequestSetTrackingInput(required=True)

    @classmethod
    def perform(cls, info, id, input, token=None):
        request = _shoppers_request(info.context.user, id, token)
        aftersales_return_ship(
            request=request,
            carrier=input["carrier"],
            tracking_number=input["tracking_number"],
        )
        return cls.success(return_request=_fresh(request))


# --- the workshop (and platform operators) --------------------------------


class _Decision(ReturnRequestMutation):
    """A step of the parcel's workshop. When the refund it makes fails, the
    request is returned as it stands with the refund's error."""

    class Meta:
        abstract = True

    # The refund's fields are none of this mutation's inputs.
    FIELDS = {"status": None, "amount": None, "order": None, "restock": None}

    @classmethod
    def decide(cls, request, user, **arguments):
        raise NotImplementedError

    @classmethod
    def perform(cls, info, id, **arguments):
        user = info.context.user
        request = _handled_request(user, id)
        try:
            cls.decide(request, user, **arguments)
        except DomainError as exc:
            return cls.failure(exc, return_request=_fresh(request))
        return cls.success(return_request=_fresh(request))


class ReturnRequestApprove(_Decision):
    """Agree to a request: refund-only is refunded at once (through the
    shop's refund service, ledger reversal included); a return waits for the
    shopper's tracking number and the goods."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the ReturnRequest")

    @classmethod
    def decide(cls, request, user):
        aftersales_approve(request=request, user=user)


class ReturnRequestRefuse(_Decision):
    """Refuse a request (new, or a return whose goods came back unfit), with
    a reason the shopper is shown."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the ReturnRequest")
        reason = graphene.String(required=True)

    FIELDS = {**_Decision.FIELDS, "refuseReason": "reason"}

    @classmethod
    def decide(cls, request, user, reason):
        aftersales_refuse(request=request, user=user, reason=reason)


class ReturnRequestRefund(_Decision):
    """Refund: a return whose goods are back (已收到退货，退款), or an
    approved request whose refund failed (重新退款)."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the ReturnRequest")

    @classmethod
    def decide(cls, request, user):
        aftersales_refund(request=request, user=user)


class ReturnRequestMutations(graphene.ObjectType):
    order_return_request_create = OrderReturnRequestCreate.Field()
    order_return_request_cancel = OrderReturnRequestCancel.Field()
    order_return_request_set_tracking = OrderReturnRequestSetTracking.Field()
    return_request_approve = ReturnRequestApprove.Field()
    return_request_refuse = ReturnRequestRefuse.Field()
    return_request_refund = ReturnRequestRefund.Field()
