"""checkoutComplete: the checkout becomes its order, the Saleor way, over
the shop's own placement (storefront.orders.placement via
storefront.payments.checkout_complete): stock reserved once, the same order
whatever the order of calls."""

import graphene

from storefront.checkout import selectors
from storefront.checkout.errors import CheckoutError, CheckoutErrorCode
from storefront.links.attribution import attribution_from_request
from storefront.orders.models import Order
from storefront.payments.checkout_complete import checkout_complete

from .checkout_addresses import SALEOR_ADDRESS_FIELDS
from .checkout_errors import CheckoutMutation, arguments, token_argument
from .checkout_types import PaymentType, may_use
from .errors import PaymentError as PaymentErrorType
from .errors import error_value
from .metadata import MetadataInput
from .orders import OrderType


class CheckoutComplete(CheckoutMutation):
    """Place the order: its stock is reserved and it waits, unpaid, for its
    payment (the channel allows unpaid orders, as Saleor's
    `allowUnpaidOrders`). Pay it with transactionInitialize, or with the
    PaymentIntent in `payment` (the shop's own).

    Repeating the call, before or after transactionInitialize, returns the
    same order (Saleor's "the existing order when repeated"). `errors` say
    why no order was placed (the cart is unchanged). `paymentErrors` mean
    the order WAS placed but its PaymentIntent could not be opened: call
    again to retry. Once the order is paid, `payment` is null."""

    Arguments = arguments(
        metadata=graphene.List(graphene.NonNull(MetadataInput)),
        payment_data=graphene.JSONString(),
        redirect_url=graphene.String(),
        store_source=graphene.Boolean(
            default_value=False, deprecation_reason="Not used."
        ),
        expected_total=graphene.Int(
            description="The shop's own: the total (fen) the customer saw; if "
            "prices moved since, nothing is placed."
        ),
    )

    CODE_OVERRIDES = {
        CheckoutErrorCode.ADDRESS_REQUIRED: "SHIPPING_ADDRESS_NOT_SET",
        CheckoutErrorCode.EMAIL_REQUIRED: "EMAIL_NOT_SET",
        CheckoutErrorCode.EMPTY: "NO_LINES",
    }
    ADDRESS_TYPE = "SHIPPING"

    order = graphene.Field(OrderType)
    confirmation_needed = graphene.Boolean(required=True)
    confirmation_data = graphene.JSONString()
    payment = graphene.Field(PaymentType, description="The shop's own")
    payment_errors = graphene.List(graphene.NonNull(PaymentErrorType), required=True)

    @classmethod
    def success(cls, **values):
        values.setdefault("confirmation_needed", False)
        return super().success(payment_errors=[], **values)

    @classmethod
    def failure(cls, exc, **values):
        values.setdefault("confirmation_needed", False)
        values.setdefault("payment_errors", [])
        return super().failure(exc, **values)

    @classmethod
    def invalid_input(cls, field):
        payload = super().invalid_input(field)
        payload.confirmation_needed = False
        payload.payment_errors = []
        return payload

    @classmethod
    def input_field(cls, field):
        # The cart's own fields, as the mutations that set them name them.
        if field == "total":
            return "expectedTotal"
        if field == "variant":
            return "lines"
        if field == "order":
            return None
        if field in SALEOR_ADDRESS_FIELDS:
            return SALEOR_ADDRESS_FIELDS[field]
        return super().input_field(field)

    @classmethod
    def perform(cls, info, expected_total=None, **given):
        ids = {k: given.get(k) for k in ("id", "checkout_id", "token")}
        token = token_argument(**ids)
        user = info.context.user
        checkout = selectors.checkout_by_token(token)
        if checkout is not None:
            owner_id = checkout.user_id
        else:
            order = Order.objects.filter(checkout_token=token).only("user").first()
            if order is None:
                raise CheckoutError(CheckoutErrorCode.NOT_FOUND, field="id")
            owner_id = order.user_id
        if not may_use(owner_id, user):
            raise CheckoutError(CheckoutErrorCode.NOT_FOUND, field="id")
        completed = checkout_complete(
            checkout_token=token,
            user=user,
            expected_total_fen=expected_total,
            attribution=attribution_from_request(info.context),
        )
        if completed.payment_error is not None:
            # The order exists, unpaid; pressing "pay" again retries.
            error = error_value(completed.payment_error)
            return cls(
                order=completed.order,
                confirmation_needed=False,
                errors=[],
                checkout_errors=[],
                payment_errors=[error],
            )
        return cls.success(order=completed.order, payment=completed.payment)
