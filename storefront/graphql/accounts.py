"""The shopper's account over GraphQL, with Saleor 3.23's mutations and
payloads: JWTs for API clients (tokenCreate, tokenRefresh, tokenVerify,
tokensDeactivateAll), sign-up and confirmation (accountRegister,
confirmAccount), passwords (requestPasswordReset, setPassword,
passwordChange), the profile and its deletion (accountUpdate,
accountRequestDeletion, accountDelete), the address book
(accountAddressCreate/Update/Delete, accountSetDefaultAddress) and `me`.

Each payload has `errors` and Saleor's deprecated `accountErrors`, alike:
`[AccountError!]!` with Saleor's codes (account_types.saleor_code) and field
names (`countryArea`, `redirectUrl`, `oldPassword`, ...). Nothing answers
differently for an address that has an account than for one that has not.
A mutation for the signed-in shopper refuses anyone else with a GraphQL error
(code PERMISSION_DENIED), as Saleor does (brands.permissions decides)."""

import graphene
from axes.utils import reset as axes_reset
from django.contrib.auth import (
    authenticate,
    get_user_model,
    logout,
    update_session_auth_hash,
)
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Q
from graphene.types.generic import GenericScalar
from graphene.utils.str_converters import to_camel_case
from graphql import GraphQLError

from brands.permissions import may_use_own_account, may_view_customers
from storefront.accounts import addresses as address_services
from storefront.accounts import jwt as account_jwt
from storefront.accounts import services as account_services
from storefront.accounts.errors import AccountError as DomainAccountError
from storefront.accounts.errors import AccountErrorCode as Codes
from storefront.accounts.models import Address as AddressModel
from storefront.accounts.tokens import account_deletion_token, email_verification_token
from storefront.checkout.services import checkouts_delete_of_user
from storefront.orders.services import orders_attach_to_user

from .account_types import AccountError, User, saleor_code
from .addresses import (
    SALEOR_ADDRESS_FIELDS,
    Address,
    AddressInput,
    AddressTypeEnum,
    address_data,
)
from .ids import decode_id
from .inputs import NUL_MESSAGE, field_name, nul_path

PERMISSION_DENIED = "PERMISSION_DENIED"


def signed_in_user(info, customer_id=None):
    """The shopper the request is signed in as (session or bearer token);
    a GraphQL error for anyone else, and for a `customerId` (Saleor's, for
    apps acting for a customer) that is not the shopper's own."""
    user = info.context.user
    if not may_use_own_account(user) or (
        customer_id is not None and decode_id(customer_id, "User") != user.pk
    ):
        raise GraphQLError(
            "请先登录 (sign in first: this needs a signed-in account)",
            extensions={"code": PERMISSION_DENIED},
        )
    return user


def _fresh(user):
    """The user as stored now (payloads show the state after the change)."""
    return get_user_model().objects.select_related("profile").get(pk=user.pk)


def error(code: str, field: str | None, message: str) -> AccountError:
    return AccountError(field=field, code=code, message=message)


class AccountMutation(graphene.Mutation):
    """Domain AccountErrors become `errors` (and `accountErrors`);
    `FIELDS` names the input field each domain field was typed in."""

    class Meta:
        abstract = True

    FIELDS: dict[str, str] = {}

    account_errors = graphene.List(
        graphene.NonNull(AccountError),
        required=True,
        deprecation_reason="Use `errors` field instead.",
    )
    errors = graphene.List(graphene.NonNull(AccountError), required=True)

    @classmethod
    def perform(cls, info, **data):
        raise NotImplementedError

    @classmethod
    def input_field(cls, field: str | None) -> str | None:
        if not field:
            return None
        if field in cls.FIELDS:
            return cls.FIELDS[field]
        return ".".join(to_camel_case(part) for part in field.split("."))

    @classmethod
    def mutate(cls, root, info, **data):
        path = nul_path(data)
        if path is not None:
            if path[0] == "input" and len(path) > 1:
                path = path[1:]
            return cls.fail(error("INVALID", field_name(path), NUL_MESSAGE))
        try:
            return cls.perform(info, **data)
        except DomainAccountError as exc:
            return cls.fail(
                error(saleor_code(exc), cls.input_field(exc.field), exc.message)
            )

    @classmethod
    def fail(cls, *errors: AccountError, **values):
        return cls(errors=list(errors), account_errors=list(errors), **values)

    @classmethod
    def success(cls, **values):
        return cls(errors=[], account_errors=[], **values)


def _tokens(user, audience: str | None = None) -> dict:
    csrf_token = account_jwt.new_csrf_token()
    return {
        "token": account_jwt.create_access_token(user, audience=audience),
        "refresh_token": account_jwt.create_refresh_token(
            user, csrf_token=csrf_token, audience=audience
        ),
        "csrf_token": csrf_token,
        "user": _fresh(user),
    }


# --- tokens ------------------------------------------------------------------


class CreateToken(AccountMutation):
    """Create JWT token: an access token (5 minutes), a refresh token (30
    days) and its CSRF token. Failed attempts count towards the same lockout
    as the login page (django-axes)."""

    class Arguments:
        email = graphene.String(required=True, description="Email of a user.")
        password = graphene.String(required=True, description="Password of a user.")
        audience = graphene.String(
            description="The audience that will be included to JWT tokens with "
            "prefix `custom:` (the `aud` claim)."
        )

    token = graphene.String(description="JWT token, required to authenticate.")
    refresh_token = graphene.String(
        description="JWT refresh token, required to re-generate access token."
    )
    csrf_token = graphene.String(
        description="CSRF token required to re-generate access token."
    )
    user = graphene.Field(User, description="A user instance.")

    @classmethod
    def perform(cls, info, email, password, audience=None):
        request = info.context
        user = authenticate(request=request, username=email, password=password)
        if user is None:
            if getattr(request, "axes_locked_out", False):
                # Answered here, in the payload: axes' middleware would
                # otherwise replace the whole response with the login
                # page's HTML lockout page.
                request.axes_locked_out = False
                raise DomainAccountError(Codes.LOGIN_ATTEMPT_DELAYED)
            # The same for an unknown address as for a wrong password.
            raise DomainAccountError(Codes.INVALID_CREDENTIALS, field="email")
        if account_services.email_verified(user):
            # Guest orders placed with the verified address (as the login page).
            orders_attach_to_user(user=user, email=user.email)
        return cls.success(**_tokens(user, audience=audience))


class RefreshToken(AccountMutation):
    """Refresh JWT token: a new access token from a refresh token (taken from
    the argument only; this API sets no cookies). `csrfToken`, when given,
    must be the one issued with the refresh token."""

    class Arguments:
        csrf_token = graphene.String(
            description="CSRF token issued with the refresh token (optional)."
        )
        refresh_token = graphene.String(description="Refresh token.")

    FIELDS = {"token": "refreshToken"}

    token = graphene.String(description="JWT token, required to authenticate.")
    user = graphene.Field(User, description="A user instance.")

    @classmethod
    def perform(cls, info, refresh_token=None, csrf_token=None):
        if not refresh_token:
            return cls.fail(
                error(
                    "JWT_MISSING_TOKEN",
                    "refreshToken",
                    "缺少刷新凭证 (missing refresh token)",
                )
            )
        user = account_jwt.user_of(
            refresh_token, token_type=account_jwt.REFRESH, field="refresh_token"
        )
        if csrf_token is not None and not account_jwt.refresh_csrf_matches(
            refresh_token, csrf_token
        ):
            return cls.fail(
                error(
                    "JWT_INVALID_CSRF_TOKEN",
                    "csrfToken",
                    "CSRF 凭证无效 (invalid CSRF token)",
                )
            )
        return cls.success(
            token=account_jwt.create_access_token(user), user=_fresh(user)
        )


class VerifyToken(AccountMutation):
    """Verify JWT token (an access token)."""

    class Arguments:
        token = graphene.String(required=True, description="JWT token to validate.")

    user = graphene.Field(User, description="User assigned to token.")
    is_valid = graphene.Boolean(
        required=True, description="Determine if token is valid or not."
    )
    payload = GenericScalar(description="JWT payload.")

    @classmethod
    def mutate(cls, root, info, **data):
        result = super().mutate(root, info, **data)
        if result.is_valid is None:
            result.is_valid = False
        return result

    @classmethod
    def perform(cls, info, token):
        user, payload = account_jwt.payload_of(token)
        return cls.success(user=_fresh(user), is_valid=True, payload=payload)


class DeactivateAllUserTokens(AccountMutation):
    """Deactivate all JWT tokens of the currently authenticated user."""

    @classmethod
    def perform(cls, info):
        user = signed_in_user(info)
        account_jwt.tokens_deactivate_all(user=user)
        return cls.success()


# --- sign-up and confirmation ------------------------------------------------


class AccountRegisterInput(graphene.InputObjectType):
    """Fields required to create a user."""

    first_name = graphene.String(description="Given name.")
    last_name = graphene.String(description="Family name.")
    email = graphene.String(required=True, description="The email address of the user.")
    password = graphene.String(required=True, description="Password.")
    redirect_url = graphene.String(
        description="Base of frontend URL that will be needed to create "
        "confirmation URL (a host in ALLOWED_CLIENT_HOSTS); without it, the "
        "link opens the shop's own page."
    )
    channel = graphene.String(description="Ignored: the shop has one channel.")


class AccountRegister(AccountMutation):
    """Register a new user. The answer is the same whether or not the address
    already had an account (its owner is told by mail instead)."""

    class Arguments:
        input = AccountRegisterInput(
            required=True, description="Fields required to create a user."
        )

    user = graphene.Field(
        User,
        deprecation_reason="Always null: whether an account exists is not told.",
    )
    requires_confirmation = graphene.Boolean(
        description="Informs whether users need to confirm their email address."
    )

    @classmethod
    def perform(cls, info, input):
        link_base = ""
        if input.get("redirect_url"):
            link_base = account_services.clean_client_url(input["redirect_url"])
        account_services.account_signup(
            email=input["email"],
            password=input["password"],
            first_name=input.get("first_name") or "",
            last_name=input.get("last_name") or "",
            link_base=link_base,
        )
        return cls.success(user=None, requires_confirmation=True)


def _account_for_email(email: str, *, pending: bool = False):
    """The one active account with this address (or asking to change to it),
    else None."""
    email = (email or "").strip()
    if not email:
        return None
    condition = Q(email__iexact=email)
    if pending:
        condition |= Q(profile__pending_email__iexact=email)
    users = get_user_model().objects.filter(condition, is_active=True)
    found = list(users.select_related("profile")[:2])
    return found[0] if len(found) == 1 else None


def _invalid_link() -> DomainAccountError:
    return DomainAccountError(Codes.INVALID_LINK, field="token")


class ConfirmAccount(AccountMutation):
    """Confirm user account with token sent by email during registration;
    the guest orders placed with the address become the account's."""

    class Arguments:
        email = graphene.String(
            required=True, description="E-mail of the user performing confirmation."
        )
        token = graphene.String(
            required=True, description="A one-time token required to confirm."
        )
        password = graphene.String(
            description="Ignored: every account chose its password at sign-up."
        )

    user = graphene.Field(User, description="An activated user account.")

    @classmethod
    def perform(cls, info, email, token, password=None):
        user = _account_for_email(email, pending=True)
        if (
            user is None
            or not hasattr(user, "profile")
            or not email_verification_token.check_token(user, token)
        ):
            raise _invalid_link()
        confirmed = account_services.account_email_confirm(user=user)
        orders_attach_to_user(user=user, email=confirmed)
        return cls.success(user=_fresh(user))


# --- passwords ---------------------------------------------------------------


class RequestPasswordReset(AccountMutation):
    """Sends an email with the account password modification link (if the
    address has an account; the answer is the same either way)."""

    class Arguments:
        channel = graphene.String(description="Ignored: the shop has one channel.")
        email = graphene.String(
            required=True, description="Email of the user for password recovery."
        )
        redirect_url = graphene.String(
            required=True,
            description="URL of a view where users should be redirected to "
            "reset the password (a host in ALLOWED_CLIENT_HOSTS); it receives "
            "?email=&token= for setPassword.",
        )

    @classmethod
    def perform(cls, info, email, redirect_url, channel=None):
        link_base = account_services.clean_client_url(redirect_url)
        account_services.account_password_reset_request(
            email=email, link_base=link_base
        )
        return cls.success()


class SetPassword(AccountMutation):
    """Sets the user's password from the token sent by email using the
    RequestPasswordReset mutation, and signs in (tokens as tokenCreate)."""

    class Arguments:
        email = graphene.String(required=True, description="Email of a user.")
        password = graphene.String(required=True, description="Password of a user.")
        token = graphene.String(
            required=True, description="A one-time token required to set the password."
        )

    token = graphene.String(description="JWT token, required to authenticate.")
    refresh_token = graphene.String(
        description="JWT refresh token, required to re-generate access token."
    )
    csrf_token = graphene.String(
        description="CSRF token required to re-generate access token."
    )
    user = graphene.Field(User, description="A user instance.")

    @classmethod
    def perform(cls, info, email, password, token):
        # Django's own choice of accounts: active, with a usable password.
        candidates = list(PasswordResetForm().get_users((email or "").strip()))
        user = next(
            (u for u in candidates if default_token_generator.check_token(u, token)),
            None,
        )
        if user is None:
            raise _invalid_link()
        account_services.check_password_strength(password=password, user=user)
        with transaction.atomic():
            user.set_password(password)
            user.save(update_fields=["password"])
        # Whoever reads the account's mail may sign in again at once.
        axes_reset(username=user.get_username())
        return cls.success(**_tokens(user))


class PasswordChange(AccountMutation):
    """Change the password of the logged in user. Every JWT issued before
    stops working; a cookie session stays signed in."""

    class Arguments:
        new_password = graphene.String(required=True, description="New user password.")
        old_password = graphene.String(description="Current user password.")

    FIELDS = {"password": "newPassword"}

    user = graphene.Field(User, description="A user instance with a new password.")

    @classmethod
    def perform(cls, info, new_password, old_password=None):
        user = signed_in_user(info)
        if not old_password or not user.check_password(old_password):
            return cls.fail(
                error(
                    "INVALID_PASSWORD",
                    "oldPassword",
                    DomainAccountError(Codes.WRONG_PASSWORD).message,
                )
            )
        account_services.check_password_strength(password=new_password, user=user)
        user.set_password(new_password)
        user.save(update_fields=["password"])
        request = info.context
        if not getattr(request, "jwt_user", False):
            update_session_auth_hash(request, user)
        return cls.success(user=_fresh(user))


# --- the profile and its deletion ------------------------------------------------


class AccountInput(graphene.InputObjectType):
    """Fields required to update the user."""

    first_name = graphene.String(description="Given name.")
    last_name = graphene.String(description="Family name.")


class AccountUpdate(AccountMutation):
    """Updates the account of the logged-in user; fields left out stay."""

    class Arguments:
        input = AccountInput(
            required=True,
            description="Fields required to update the account of the logged-in user.",
        )
        customer_id = graphene.ID(
            description="Saleor's, for apps acting for a customer; only the "
            "signed-in user's own ID is accepted here."
        )

    FIELDS = {"name": "firstName"}

    user = graphene.Field(User)

    @classmethod
    def perform(cls, info, input, customer_id=None):
        user = signed_in_user(info, customer_id)
        profile = account_services.profile_of(user)
        first_name = input.get("first_name")
        account_services.account_profile_update(
            user=user,
            name=user.first_name if first_name is None else first_name,
            mobile=profile.mobile,
            last_name=input.get("last_name"),
        )
        return cls.success(user=_fresh(user))


class AccountRequestDeletion(AccountMutation):
    """Sends an email with the account removal link for the logged-in user."""

    class Arguments:
        channel = graphene.String(description="Ignored: the shop has one channel.")
        redirect_url = graphene.String(
            required=True,
            description="URL of a view where users should be redirected to "
            "delete their account (a host in ALLOWED_CLIENT_HOSTS); it receives "
            "?token= for accountDelete.",
        )

    @classmethod
    def perform(cls, info, redirect_url, channel=None):
        user = signed_in_user(info)
        link_base = account_services.clean_client_url(redirect_url)
        account_services.account_deletion_request(user=user, link_base=link_base)
        return cls.success()


class AccountDelete(AccountMutation):
    """Remove user account (PIPL): anonymised as on the web page, its carts
    emptied; orders and the ledger stay."""

    class Arguments:
        token = graphene.String(
            required=True,
            description="A one-time token required to remove account. Sent by "
            "email using AccountRequestDeletion mutation.",
        )

    user = graphene.Field(User, description="Always null: the account is gone.")

    @classmethod
    def perform(cls, info, token):
        user = signed_in_user(info)
        if not account_deletion_token.check_token(user, token):
            raise _invalid_link()
        old_username = account_services.account_anonymise(user=user)
        checkouts_delete_of_user(user=user)
        request = info.context
        if not getattr(request, "jwt_user", False):
            logout(request)
        # The failed sign-ins kept under the old name are personal data too.
        axes_reset(username=old_username)
        return cls.success(user=None)


# --- the address book ------------------------------------------------------------


def _address_id(value) -> int:
    """The pk of an Address global ID; NOT_FOUND for anything else (another
    user's address is refused by the services alike)."""
    pk = decode_id(value, "Address")
    if pk is None:
        raise DomainAccountError(Codes.NOT_FOUND, field="address")
    return pk


def _not_found():
    return DomainAccountError(Codes.NOT_FOUND, field="address")


class AccountAddressCreate(AccountMutation):
    """Create a new address for the customer; with `type`, it becomes the
    default (shipping and billing are one default here)."""

    class Arguments:
        input = AddressInput(
            required=True, description="Fields required to create address."
        )
        type = AddressTypeEnum(
            description="A type of address. If provided, the new address will "
            "be automatically assigned as the customer's default address."
        )
        customer_id = graphene.ID(
            description="Saleor's, for apps acting for a customer; only the "
            "signed-in user's own ID is accepted here."
        )

    FIELDS = SALEOR_ADDRESS_FIELDS

    user = graphene.Field(
        User, description="A user instance for which the address was created."
    )
    address = graphene.Field(Address)

    @classmethod
    def perform(cls, info, input, type=None, customer_id=None):
        user = signed_in_user(info, customer_id)
        address = address_services.address_create(
            user=user, data=address_data(input), is_default=type is not None
        )
        return cls.success(user=_fresh(user), address=address)


class AccountAddressUpdate(AccountMutation):
    """Updates an address of the logged-in user."""

    class Arguments:
        id = graphene.ID(required=True, description="ID of the address to update.")
        input = AddressInput(
            required=True, description="Fields required to update the address."
        )

    FIELDS = {**SALEOR_ADDRESS_FIELDS, "address": "id"}

    user = graphene.Field(
        User, description="A user object for which the address was edited."
    )
    address = graphene.Field(Address)

    @classmethod
    def perform(cls, info, id, input):
        user = signed_in_user(info)
        pk = _address_id(id)
        data = address_data(input)
        try:
            address = address_services.address_update(
                user=user, address_id=pk, data=data
            )
        except AddressModel.DoesNotExist:
            raise _not_found() from None
        return cls.success(user=_fresh(user), address=address)


class AccountAddressDelete(AccountMutation):
    """Deletes an address of the logged-in user."""

    class Arguments:
        id = graphene.ID(required=True, description="ID of the address to delete.")

    FIELDS = {"address": "id"}

    user = graphene.Field(
        User, description="A user instance for which the address was deleted."
    )
    address = graphene.Field(Address)

    @classmethod
    def perform(cls, info, id):
        user = signed_in_user(info)
        pk = _address_id(id)
        try:
            address = address_services.address_of(user, pk)
            address_services.address_delete(user=user, address_id=pk)
        except AddressModel.DoesNotExist:
            raise _not_found() from None
        address.pk = pk  # the deleted address as it was, with its ID
        return cls.success(user=_fresh(user), address=address)


class AccountSetDefaultAddress(AccountMutation):
    """Sets a default address for the authenticated user (shipping and
    billing are one default here)."""

    class Arguments:
        id = graphene.ID(
            required=True, description="ID of the address to set as default."
        )
        type = AddressTypeEnum(required=True, description="The type of address.")

    FIELDS = {"address": "id"}

    user = graphene.Field(User, description="An updated user instance.")

    @classmethod
    def perform(cls, info, id, type):
        user = signed_in_user(info)
        pk = _address_id(id)
        try:
            address_services.address_set_default(user=user, address_id=pk)
        except AddressModel.DoesNotExist:
            raise _not_found() from None
        return cls.success(user=_fresh(user))


class AccountQuery(graphene.ObjectType):
    me = graphene.Field(
        User, description="The signed-in user (session or bearer token); null if none."
    )

    user = graphene.Field(
        User,
        id=graphene.ID(description="ID of the user."),
        email=graphene.String(description="Email address of the user."),
        external_reference=graphene.String(description="Ignored: none are kept."),
        description="Look up a user by ID or email address (platform "
        "operators only; anyone else gets a PERMISSION_DENIED error).",
    )

    def resolve_me(self, info):
        user = info.context.user
        return user if may_use_own_account(user) else None

    def resolve_user(self, info, id=None, email=None, external_reference=None):
        if not may_view_customers(info.context.user):
            raise GraphQLError(
                "没有权限 (you do not have permission to see other accounts)",
                extensions={"code": PERMISSION_DENIED},
            )
        users = get_user_model().objects.select_related("profile")
        if id is not None:
            pk = decode_id(id, "User")
            return users.filter(pk=pk).first() if pk is not None else None
        if email:
            return users.filter(email__iexact=email.strip()).first()
        return None


class AccountMutations(graphene.ObjectType):
    token_create = CreateToken.Field(description="Create JWT token.")
    token_refresh = RefreshToken.Field(description="Refresh JWT token.")
    token_verify = VerifyToken.Field(description="Verify JWT token.")
    tokens_deactivate_all = DeactivateAllUserTokens.Field(
        description="Deactivate all JWT tokens of the currently authenticated user."
    )
    request_password_reset = RequestPasswordReset.Field()
    confirm_account = ConfirmAccount.Field()
    set_password = SetPassword.Field()
    password_change = PasswordChange.Field()
    account_address_create = AccountAddressCreate.Field()
    account_address_update = AccountAddressUpdate.Field()
    account_address_delete = AccountAddressDelete.Field()
    account_set_default_address = AccountSetDefaultAddress.Field()
    account_register = AccountRegister.Field()
    account_update = AccountUpdate.Field()
    account_request_deletion = AccountRequestDeletion.Field()
    account_delete = AccountDelete.Field()
