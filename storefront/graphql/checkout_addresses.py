"""A checkout's addresses and customer, and promo codes, the Saleor way:
checkoutShippingAddressUpdate, checkoutBillingAddressUpdate,
checkoutCustomerAttach / Detach, checkoutAddPromoCode /
checkoutRemovePromoCode (no promotions exist yet: every code is Saleor's
invalid-code error).

Both addresses follow the delivery address's rules (a mainland address:
province from the list, an 11-digit mobile). An error names Saleor's field
(`countryArea`, `phone`, ...) with `addressType` SHIPPING or BILLING."""

import graphene
from graphql import GraphQLError
from graphql_relay import to_global_id

from brands.permissions import may_use_own_account
from storefront.accounts.errors import AccountError
from storefront.checkout.errors import CheckoutError, CheckoutErrorCode
from storefront.checkout.extras import (
    checkout_billing_address_update,
    checkout_customer_detach,
)
from storefront.checkout.services import (
    checkout_attach_to_user,
    checkout_shipping_address_update,
)
from storefront.core.address import ADDRESS_FIELDS

from .addresses import SALEOR_ADDRESS_FIELDS, address_data
from .checkout_errors import CheckoutMutation, Refusal, arguments, token_argument
from .checkout_types import (
    AddressInput,
    CheckoutAddressValidationRules,
    CheckoutType,
    owned_checkout,
)


def _address(data, kind: str) -> dict:
    """Our address fields from an AddressInput; a country other than CN is
    INVALID on `country`."""
    try:
        address = address_data(data)
    except AccountError:
        error = CheckoutError(CheckoutErrorCode.ADDRESS_INVALID, field="country")
        error.address_type = kind
        raise error from None
    return {name: address[name] for name in ADDRESS_FIELDS}


def _apply(checkout, data, kind: str):
    try:
        if kind == "SHIPPING":
            return checkout_shipping_address_update(
                checkout=checkout, address=_address(data, kind)
            )
        return checkout_billing_address_update(
            checkout=checkout, address=_address(data, kind)
        )
    except CheckoutError as error:
        error.address_type = kind
        raise


def set_addresses(checkout, *, shipping=None, billing=None) -> None:
    """checkoutCreate's addresses; errors name `shippingAddress.countryArea`."""
    for kind, prefix, data in (
        ("SHIPPING", "shipping_address", shipping),
        ("BILLING", "billing_address", billing),
    ):
        if data is None:
            continue
        try:
            _apply(checkout, data, kind)
        except CheckoutError as error:
            name = SALEOR_ADDRESS_FIELDS.get(error.field)
            if name:
                error.field = f"{prefix}.{name}"
            raise


class AddressMutation(CheckoutMutation):
    class Meta:
        abstract = True

    checkout = graphene.Field(CheckoutType)

    @classmethod
    def input_field(cls, field):
        if field in SALEOR_ADDRESS_FIELDS:
            return SALEOR_ADDRESS_FIELDS[field]
        return super().input_field(field)


class CheckoutShippingAddressUpdate(AddressMutation):
    Arguments = arguments(
        shipping_address=AddressInput(required=True),
        save_address=graphene.Boolean(
            default_value=True, description="Not used: the address book is separate"
        ),
        validation_rules=CheckoutAddressValidationRules(),
    )

    @classmethod
    def perform(cls, info, shipping_address, **given):
        ids = {k: given.get(k) for k in ("id", "checkout_id", "token")}
        checkout = owned_checkout(info, token_argument(**ids))
        return cls.success(checkout=_apply(checkout, shipping_address, "SHIPPING"))


class CheckoutBillingAddressUpdate(AddressMutation):
    Arguments = arguments(
        billing_address=AddressInput(required=True),
        save_address=graphene.Boolean(
            default_value=True, description="Not used: the address book is separate"
        ),
        validation_rules=CheckoutAddressValidationRules(),
    )

    @classmethod
    def perform(cls, info, billing_address, **given):
        ids = {k: given.get(k) for k in ("id", "checkout_id", "token")}
        checkout = owned_checkout(info, token_argument(**ids))
        return cls.success(checkout=_apply(checkout, billing_address, "BILLING"))


def _signed_in(info):
    user = info.context.user
    if not may_use_own_account(user):
        raise GraphQLError(
            "请先登录 / You need to sign in to perform this action",
            extensions={"code": "PERMISSION_DENIED"},
        )
    return user


class CheckoutCustomerAttach(CheckoutMutation):
    """Attach the signed-in customer to a guest cart. If they already have a
    cart, the two join as at sign-in (quantities add up, capped by stock)
    and the joined cart is returned."""

    Arguments = arguments(customer_id=graphene.ID())

    checkout = graphene.Field(CheckoutType)

    @classmethod
    def perform(cls, info, customer_id=None, **ids):
        user = _signed_in(info)
        if customer_id is not None and customer_id != to_global_id("User", user.pk):
            raise Refusal(
                "INVALID",
                field="customerId",
                zh="只能关联自己的账户",
                en="A customer can attach only their own account",
            )
        checkout = owned_checkout(info, token_argument(**ids))
        if checkout.user_id == user.pk:
            return cls.success(checkout=checkout)
        return cls.success(
            checkout=checkout_attach_to_user(checkout=checkout, user=user)
        )


class CheckoutCustomerDetach(CheckoutMutation):
    """Make the cart a guest's again (its owner only)."""

    Arguments = arguments()

    checkout = graphene.Field(CheckoutType)

    @classmethod
    def perform(cls, info, **ids):
        checkout = owned_checkout(info, token_argument(**ids))
        if checkout.user_id is None:
            return cls.success(checkout=checkout)
        return cls.success(checkout=checkout_customer_detach(checkout=checkout))


class CheckoutAddPromoCode(CheckoutMutation):
    """No promotions exist yet: every code is Saleor's invalid-code error."""

    Arguments = arguments(promo_code=graphene.String(required=True))

    checkout = graphene.Field(CheckoutType)

    @classmethod
    def perform(cls, info, promo_code, **ids):
        owned_checkout(info, token_argument(**ids))
        raise Refusal(
            "INVALID",
            field="promoCode",
            zh="优惠码无效",
            en="Promo code is invalid",
        )


class CheckoutRemovePromoCode(CheckoutMutation):
    """Nothing can be applied, so nothing is removed: the cart as it is."""

    Arguments = arguments(promo_code=graphene.String(), promo_code_id=graphene.ID())

    checkout = graphene.Field(CheckoutType)

    @classmethod
    def perform(cls, info, promo_code=None, promo_code_id=None, **ids):
        return cls.success(checkout=owned_checkout(info, token_argument(**ids)))
