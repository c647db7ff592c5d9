"""The cart and the way to an order, in Saleor 3.23's names and arguments
(checkoutCreate, checkoutLinesAdd, ... checkoutComplete).

A checkout is addressed by `id` ("Checkout:<token>", Saleor's convention),
or by the deprecated `checkoutId` / `token`: a guest's cart belongs to
whoever holds it; a cart with a user belongs to that user alone (anyone
else gets NOT_FOUND, as for a checkout that does not exist). The stock,
reservation and idempotency rules are the services' (storefront.checkout,
storefront.orders.placement, storefront.payments.checkout_complete)."""

import graphene
from django.db import transaction

from storefront.checkout.errors import CheckoutError, CheckoutErrorCode
from storefront.checkout.extras import (
    checkout_language_update,
    checkout_metadata_update,
)
from storefront.checkout.models import Checkout, CheckoutLine
from storefront.checkout.services import (
    checkout_create,
    checkout_email_update,
    checkout_lines_add,
    checkout_lines_delete,
    checkout_lines_update,
    checkout_note_update,
)

from .channels import CHANNEL_SLUG
from .checkout_addresses import (
    CheckoutAddPromoCode,
    CheckoutBillingAddressUpdate,
    CheckoutCustomerAttach,
    CheckoutCustomerDetach,
    CheckoutRemovePromoCode,
    CheckoutShippingAddressUpdate,
    set_addresses,
)
from .checkout_completion import CheckoutComplete
from .checkout_delivery import CheckoutDeliveryMethodUpdate, DeliveryOptionsCalculate
from .checkout_errors import (
    CheckoutMutation,
    Refusal,
    arguments,
    token_argument,
)
from .checkout_types import (
    CheckoutCreateInput,
    CheckoutLineInput,
    CheckoutLineUpdateInput,
    CheckoutType,
    owned_checkout,
)
from .ids import decode_id
from .metadata import MetadataMutations
from .transactions import TransactionMutations


def _variant_lines(lines, *, missing: CheckoutErrorCode) -> list[tuple[int, int]]:
    """[(variant pk, quantity)] from the input; an ID that is not a variant's
    is reported against its line."""
    pairs = []
    for index, line in enumerate(lines or []):
        pk = decode_id(line.get("variant_id"), "ProductVariant")
        if pk is None:
            raise CheckoutError(missing, field=f"lines.{index}.variant_id")
        quantity = line.get("quantity")
        if quantity == 0:
            error = CheckoutError(
                CheckoutErrorCode.INVALID_QUANTITY, field=f"lines.{index}.quantity"
            )
            error.saleor_code = "ZERO_QUANTITY"
            raise error
        pairs.append((pk, quantity))
    return pairs


class CheckoutPayload(CheckoutMutation):
    class Meta:
        abstract = True

    checkout = graphene.Field(CheckoutType)

    @classmethod
    def refreshed(cls, checkout: Checkout):
        return cls.success(checkout=Checkout.objects.get(pk=checkout.pk))


class LinesMutation(CheckoutPayload):
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
        return super().input_field(field)


class CheckoutCreate(LinesMutation):
    """Create a cart in the channel (`default-channel`, the only one) with
    its lines and, optionally, the email, addresses, language and metadata.
    All or nothing: a bad line or address leaves no cart behind."""

    class Arguments:
        input = CheckoutCreateInput(required=True)

    @classmethod
    def input_field(cls, field):
        if field == "channel":
            return "channel"
        return super().input_field(field)

    @classmethod
    def perform(cls, info, input):
        channel = input.get("channel")
        if channel is not None and channel != CHANNEL_SLUG:
            raise Refusal(
                "NOT_FOUND",
                field="channel",
                zh="渠道不存在",
                en=f"Channel with '{channel}' slug does not exist.",
            )
        pairs = _variant_lines(
            input.get("lines"), missing=CheckoutErrorCode.PRODUCT_UNAVAILABLE
        )
        with transaction.atomic():
            checkout = checkout_create(
                user=info.context.user, email=input.get("email") or "", lines=pairs
            )
            set_addresses(
                checkout,
                shipping=input.get("shipping_address"),
                billing=input.get("billing_address"),
            )
            language = input.get("language_code")
            if language is not None:
                code = getattr(language, "value", language)
                checkout_language_update(checkout=checkout, language_code=code)
            metadata = input.get("metadata")
            if metadata:
                items = {item.key: item.value for item in metadata}
                checkout_metadata_update(checkout=checkout, items=items)
        # Every write above kept `checkout` current: no read back needed.
        return cls.success(checkout=checkout)


class CheckoutLinesAdd(LinesMutation):
    Arguments = arguments(
        lines=graphene.List(graphene.NonNull(CheckoutLineInput), required=True),
    )

    @classmethod
    def perform(cls, info, lines, **ids):
        checkout = owned_checkout(info, token_argument(**ids))
        pairs = _variant_lines(lines, missing=CheckoutErrorCode.PRODUCT_UNAVAILABLE)
        return cls.refreshed(checkout_lines_add(checkout=checkout, lines=pairs))


class CheckoutLinesUpdate(LinesMutation):
    """Set quantities of lines named by `lineId` or `variantId`; 0 removes."""

    Arguments = arguments(
        lines=graphene.List(graphene.NonNull(CheckoutLineUpdateInput), required=True),
    )

    @classmethod
    def perform(cls, info, lines, **ids):
        checkout = owned_checkout(info, token_argument(**ids))
        variant_of = dict(checkout.lines.values_list("pk", "variant_id"))
        pairs = []
        for index, line in enumerate(lines):
            if line.get("line_id") is not None:
                pk = variant_of.get(decode_id(line.get("line_id"), "CheckoutLine"))
                where = f"lines.{index}.line_id"
            else:
                pk = decode_id(line.get("variant_id"), "ProductVariant")
                where = f"lines.{index}.variant_id"
            if pk is None:
                raise CheckoutError(CheckoutErrorCode.LINE_NOT_FOUND, field=where)
            quantity = line.get("quantity")
            if quantity is None:
                raise CheckoutError(
                    CheckoutErrorCode.INVALID_QUANTITY, field=f"lines.{index}.quantity"
                )
            pairs.append((pk, quantity))
        return cls.refreshed(checkout_lines_update(checkout=checkout, lines=pairs))


def _delete_lines(checkout, lines_ids, variant_ids, field="linesIds"):
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
            name = field if field == "lineId" else f"{field}.{index}"
            raise CheckoutError(CheckoutErrorCode.LINE_NOT_FOUND, field=name)
        doomed.append(variant_of[pk])
    return checkout_lines_delete(checkout=checkout, variant_ids=doomed)


class CheckoutLinesDelete(CheckoutPayload):
    """Remove lines by their IDs (`linesIds`) or, the shop's own, by their
    variants (`variantIds`). Nothing is removed unless every ID names a line
    of this cart."""

    class Arguments:
        id = graphene.ID()
        lines_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
        token = graphene.UUID(deprecation_reason="Use `id` instead.")
        variant_ids = graphene.List(graphene.NonNull(graphene.ID))

    @classmethod
    def perform(cls, info, lines_ids, id=None, token=None, variant_ids=None):
        checkout = owned_checkout(info, token_argument(id=id, token=token))
        return cls.refreshed(_delete_lines(checkout, lines_ids, variant_ids))


class CheckoutLineDelete(CheckoutPayload):
    Arguments = arguments(
        line_id=graphene.ID(),
    )

    @classmethod
    def perform(cls, info, line_id=None, **ids):
        if not any(value is not None for value in ids.values()):
            # The line names its checkout (a client may send the line alone).
            line = CheckoutLine.objects.filter(
                pk=decode_id(line_id, "CheckoutLine")
            ).select_related("checkout")
            line = line.first()
            if line is None:
                raise CheckoutError(CheckoutErrorCode.LINE_NOT_FOUND, field="lineId")
            ids = {"token": line.checkout.token}
        checkout = owned_checkout(info, token_argument(**ids))
        return cls.refreshed(_delete_lines(checkout, [line_id], [], field="lineId"))


class CheckoutEmailUpdate(CheckoutPayload):
    Arguments = arguments(
        email=graphene.String(required=True),
    )

    @classmethod
    def perform(cls, info, email, **ids):
        checkout = owned_checkout(info, token_argument(**ids))
        return cls.success(
            checkout=checkout_email_update(checkout=checkout, email=email)
        )


class CheckoutNoteUpdate(CheckoutPayload):
    """The shop's own: a note for the workshops (≤ 200 characters)."""

    Arguments = arguments(
        note=graphene.String(required=True),
        deprecated_checkout_id=False,
    )

    @classmethod
    def perform(cls, info, note, **ids):
        checkout = owned_checkout(info, token_argument(**ids))
        return cls.success(checkout=checkout_note_update(checkout=checkout, note=note))


class CheckoutMutations(
    MetadataMutations,
    TransactionMutations,
    graphene.ObjectType,
):
    checkout_create = CheckoutCreate.Field()
    checkout_lines_add = CheckoutLinesAdd.Field()
    checkout_lines_update = CheckoutLinesUpdate.Field()
    checkout_lines_delete = CheckoutLinesDelete.Field()
    checkout_line_delete = CheckoutLineDelete.Field(
        deprecation_reason="Use `checkoutLinesDelete` instead."
    )
    checkout_email_update = CheckoutEmailUpdate.Field()
    checkout_shipping_address_update = CheckoutShippingAddressUpdate.Field()
    checkout_billing_address_update = CheckoutBillingAddressUpdate.Field()
    checkout_delivery_method_update = CheckoutDeliveryMethodUpdate.Field()
    delivery_options_calculate = DeliveryOptionsCalculate.Field()
    checkout_customer_attach = CheckoutCustomerAttach.Field()
    checkout_customer_detach = CheckoutCustomerDetach.Field()
    checkout_add_promo_code = CheckoutAddPromoCode.Field()
    checkout_remove_promo_code = CheckoutRemovePromoCode.Field()
    checkout_note_update = CheckoutNoteUpdate.Field()
    checkout_complete = CheckoutComplete.Field()
