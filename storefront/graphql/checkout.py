"""The cart and the way to an order, with Saleor's names (checkoutCreate,
checkoutLinesAdd, … checkoutComplete).

A checkout is reached by its token: a guest's cart belongs to whoever holds
the token; a cart with a user belongs to that user alone (anyone else gets
NOT_FOUND, as for a token that does not exist). Checkouts are not Relay nodes,
so `node(id:)` can never reach one. Prices are always computed on the server
from the variants as they are now.
"""

import graphene
from django.db import transaction

from storefront.accounts.errors import AccountError
from storefront.checkout import selectors
from storefront.checkout.errors import CheckoutError, CheckoutErrorCode
from storefront.checkout.models import Checkout, CheckoutLine
from storefront.checkout.services import (
    checkout_create,
    checkout_email_update,
    checkout_lines_add,
    checkout_lines_delete,
    checkout_lines_update,
    checkout_note_update,
    checkout_shipping_address_update,
)
from storefront.core.address import ADDRESS_FIELDS
from storefront.links.attribution import attribution_from_request
from storefront.orders.models import Order
from storefront.payments.checkout_complete import checkout_complete
from storefront.payments.errors import PaymentError

from .addresses import address_data
from .checkout_types import (
    AddressInput,
    CheckoutCreateInput,
    CheckoutLineInput,
    CheckoutType,
    PaymentType,
    checkout_for,
    may_use,
)
from .errors import CheckoutError as CheckoutErrorType
from .errors import DomainMutation, graphql_field
from .errors import PaymentError as PaymentErrorType
from .ids import decode_id
from .orders import OrderType


class CheckoutMutation(DomainMutation):
    class Meta:
        abstract = True

    ERROR_FIELDS = {CheckoutError: "errors"}

    checkout = graphene.Field(CheckoutType)
    errors = graphene.List(graphene.NonNull(CheckoutErrorType), required=True)

    @classmethod
    def owned(cls, info, token) -> Checkout:
        checkout = checkout_for(info, token)
        if checkout is None:
            raise CheckoutError(CheckoutErrorCode.NOT_FOUND, field="token")
        return checkout

    @classmethod
    def mutate(cls, root, info, **data):
        try:
            return super().mutate(root, info, **data)
        except Checkout.DoesNotExist:
            # Completed (and so deleted) by another request meanwhile.
            return cls.failure(
                CheckoutError(CheckoutErrorCode.NOT_FOUND, field="token")
            )

    @classmethod
    def refreshed(cls, checkout: Checkout):
        return cls.success(checkout=Checkout.objects.get(pk=checkout.pk))


def _variant_lines(lines, *, missing: CheckoutErrorCode) -> list[tuple[int, int]]:
    """[(variant pk, quantity)] from the input; an ID that is not a variant's
    is reported against its line."""
    pairs = []
    for index, line in enumerate(lines or []):
        pk = decode_id(line.variant_id, "ProductVariant")
        if pk is None:
            raise CheckoutError(missing, field=f"lines.{index}.variant_id")
        pairs.append((pk, line.quantity))
    return pairs


class LinesMutation(CheckoutMutation):
    class Meta:
        abstract = True

    @classmethod
    def input_field(cls, field):
        # checkout_lines_add reports an unavailable variant or a total over
        # the stock without the line's index.
        if field in ("variant", "quantity"):
            return "lines"
        if field and field.endswith(".variant"):
            field += "_id"
        return graphql_field(field)


class CheckoutCreate(LinesMutation):
    class Arguments:
        input = CheckoutCreateInput(required=True)

    @classmethod
    def perform(cls, info, input):
        pairs = _variant_lines(
            input.get("lines"), missing=CheckoutErrorCode.PRODUCT_UNAVAILABLE
        )
        # One transaction: a bad line leaves no empty cart behind.
        with transaction.atomic():
            checkout = checkout_create(
                user=info.context.user, email=input.get("email") or ""
            )
            if pairs:
                checkout_lines_add(checkout=checkout, lines=pairs)
        return cls.refreshed(checkout)


class CheckoutLinesAdd(LinesMutation):
    class Arguments:
        token = graphene.UUID(required=True)
        lines = graphene.List(graphene.NonNull(CheckoutLineInput), required=True)

    @classmethod
    def perform(cls, info, token, lines):
        checkout = cls.owned(info, token)
        pairs = _variant_lines(lines, missing=CheckoutErrorCode.PRODUCT_UNAVAILABLE)
        return cls.refreshed(checkout_lines_add(checkout=checkout, lines=pairs))


class CheckoutLinesUpdate(LinesMutation):
    """Set quantities; 0 removes the line."""

    class Arguments:
        token = graphene.UUID(required=True)
        lines = graphene.List(graphene.NonNull(CheckoutLineInput), required=True)

    @classmethod
    def perform(cls, info, token, lines):
        checkout = cls.owned(info, token)
        pairs = _variant_lines(lines, missing=CheckoutErrorCode.LINE_NOT_FOUND)
        return cls.refreshed(checkout_lines_update(checkout=checkout, lines=pairs))


class CheckoutLinesDelete(CheckoutMutation):
    """Remove lines named by their variant (`variantIds`) or, as in Saleor,
    by the line's own ID (`linesIds`); either or both. Nothing is removed
    unless every ID names a line of this cart."""

    class Arguments:
        token = graphene.UUID(required=True)
        variant_ids = graphene.List(graphene.NonNull(graphene.ID))
        lines_ids = graphene.List(graphene.NonNull(graphene.ID))

    @classmethod
    def perform(cls, info, token, variant_ids=None, lines_ids=None):
        checkout = cls.owned(info, token)
        doomed = []
        for index, global_id in enumerate(variant_ids or []):
            pk = decode_id(global_id, "ProductVariant")
            if pk is None:
                raise CheckoutError(
                    CheckoutErrorCode.LINE_NOT_FOUND, field=f"variantIds.{index}"
                )
            doomed.append(pk)
        wanted = [decode_id(g, "CheckoutLine") for g in lines_ids or []]
        variant_of = dict(
            CheckoutLine.objects.filter(
                checkout=checkout, pk__in=[pk for pk in wanted if pk]
            ).values_list("pk", "variant_id")
        )
        for index, pk in enumerate(wanted):
            if pk not in variant_of:
                raise CheckoutError(
                    CheckoutErrorCode.LINE_NOT_FOUND, field=f"linesIds.{index}"
                )
            doomed.append(variant_of[pk])
        checkout = checkout_lines_delete(checkout=checkout, variant_ids=doomed)
        return cls.refreshed(checkout)


class CheckoutEmailUpdate(CheckoutMutation):
    class Arguments:
        token = graphene.UUID(required=True)
        email = graphene.String(required=True)

    @classmethod
    def perform(cls, info, token, email):
        checkout = cls.owned(info, token)
        return cls.success(
            checkout=checkout_email_update(checkout=checkout, email=email)
        )


def address_field(field):
    """`recipient_name` → `shippingAddress.recipientName`."""
    if field in ADDRESS_FIELDS:
        return graphql_field(f"shipping_address.{field}")
    return graphql_field(field)


class CheckoutShippingAddressUpdate(CheckoutMutation):
    class Arguments:
        token = graphene.UUID(required=True)
        shipping_address = AddressInput(required=True)

    @classmethod
    def input_field(cls, field):
        return address_field(field)

    @classmethod
    def perform(cls, info, token, shipping_address):
        checkout = cls.owned(info, token)
        try:
            address = address_data(shipping_address)
        except AccountError:  # a country other than CN
            raise CheckoutError(
                CheckoutErrorCode.ADDRESS_INVALID, field="shipping_address.country"
            ) from None
        address = {name: address[name] for name in ADDRESS_FIELDS}
        checkout = checkout_shipping_address_update(checkout=checkout, address=address)
        return cls.success(checkout=checkout)


class CheckoutNoteUpdate(CheckoutMutation):
    class Arguments:
        token = graphene.UUID(required=True)
        note = graphene.String(required=True)

    @classmethod
    def perform(cls, info, token, note):
        checkout = cls.owned(info, token)
        return cls.success(checkout=checkout_note_update(checkout=checkout, note=note))


class CheckoutComplete(DomainMutation):
    """Place the order and open its PaymentIntent; the browser then confirms
    the payment with Stripe.js using `payment.clientSecret`.

    Repeating the call with the same token (a double click, a lost answer)
    returns the same order and the same PaymentIntent. `errors` say why no
    order was placed (the cart is unchanged). `paymentErrors` mean the order
    WAS placed (it is returned, unpaid, its stock held) but the PaymentIntent
    could not be opened: call again to retry. Once the order is paid,
    `payment` is null."""

    class Arguments:
        token = graphene.UUID(required=True)
        expected_total = graphene.Int(
            description="The total (fen) the customer saw; if prices moved "
            "since, nothing is placed and PRICE_CHANGED says so."
        )

    ERROR_FIELDS = {CheckoutError: "errors", PaymentError: "payment_errors"}

    order = graphene.Field(OrderType)
    payment = graphene.Field(PaymentType)
    errors = graphene.List(graphene.NonNull(CheckoutErrorType), required=True)
    payment_errors = graphene.List(graphene.NonNull(PaymentErrorType), required=True)

    @classmethod
    def input_field(cls, field):
        # The cart's own fields, as the mutations that set them name them.
        if field == "total":
            return "expectedTotal"
        if field == "variant":
            return "lines"
        if field == "order":
            return None
        return address_field(field)

    @classmethod
    def perform(cls, info, token, expected_total=None):
        user = info.context.user
        checkout = selectors.checkout_by_token(token)
        if checkout is not None:
            owner_id = checkout.user_id
        else:
            order = Order.objects.filter(checkout_token=token).only("user").first()
            owner_id = order.user_id if order else None
            if order is None:
                raise CheckoutError(CheckoutErrorCode.NOT_FOUND, field="token")
        if not may_use(owner_id, user):
            raise CheckoutError(CheckoutErrorCode.NOT_FOUND, field="token")
        completed = checkout_complete(
            checkout_token=token,
            user=user,
            expected_total_fen=expected_total,
            attribution=attribution_from_request(info.context),
        )
        if completed.payment_error is not None:
            # The order exists, unpaid; pressing "pay" again retries.
            return cls.failure(completed.payment_error, order=completed.order)
        return cls.success(order=completed.order, payment=completed.payment)


class CheckoutMutations(graphene.ObjectType):
    checkout_create = CheckoutCreate.Field()
    checkout_lines_add = CheckoutLinesAdd.Field()
    checkout_lines_update = CheckoutLinesUpdate.Field()
    checkout_lines_delete = CheckoutLinesDelete.Field()
    checkout_email_update = CheckoutEmailUpdate.Field()
    checkout_shipping_address_update = CheckoutShippingAddressUpdate.Field()
    checkout_note_update = CheckoutNoteUpdate.Field()
    checkout_complete = CheckoutComplete.Field()
