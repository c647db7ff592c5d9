"""Shopper accounts: sign up, verify the email address, the profile, the email
change and the deletion request (PIPL). Mail leaves after commit (emails.py),
queued with robust=True: a broker or mail server failing then is logged and
never changes the answer (which would tell who has an account); nothing here
tells a caller whether an address already had an account."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from brands.models import Membership
from storefront.core.address import is_mainland_mobile, normalise_mobile

from . import tasks
from .errors import AccountError, AccountErrorCode
from .mail_limit import mail_allowed
from .models import Address, Profile

# auth.User.username holds the address at sign-up (its unique index settles
# two sign-ups racing for one address), so the address fits in 150.
EMAIL_MAX_LENGTH = 150
NAME_MAX_LENGTH = 150


def clean_email(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise AccountError(AccountErrorCode.INVALID_EMAIL, field="email") from None
    if len(email) > EMAIL_MAX_LENGTH or "\x00" in email:
        raise AccountError(AccountErrorCode.INVALID_EMAIL, field="email")
    return email


def clean_mobile(mobile: str) -> str:
    if not (mobile or "").strip():
        return ""
    if not is_mainland_mobile(mobile):
        raise AccountError(AccountErrorCode.INVALID_MOBILE, field="mobile")
    return normalise_mobile(mobile)


# Django's Chinese catalogue lacks some of the validators' current messages.
_PASSWORD_RULES_ZH = {
    "password_too_short": "密码太短，至少需要 {min_length} 个字符",
    "password_too_common": "这个密码太常见了",
    "password_entirely_numeric": "密码不能全是数字",
    "password_too_similar": "密码与账户信息太相似",
}


def check_password_strength(*, password: str, user) -> None:
    """Django's AUTH_PASSWORD_VALIDATORS, their reasons in Chinese and English."""
    try:
        # Some validators translate when they run, some when shown: English
        # throughout, and Chinese from the table (or the catalogue) by code.
        with translation.override("en"):
            password_validation.validate_password(password, user=user)
    except ValidationError as error:
        zh, en = [], []
        for item in error.error_list:
            params = item.params or {}
            with translation.override("en"):
                en.append(str(item.message) % params if params else str(item.message))
            rule = _PASSWORD_RULES_ZH.get(item.code)
            if rule is not None:
                zh.append(rule.format(**params) + "。")
            else:
                with translation.override("zh-hans"):
                    text = str(item.message)
                zh.append(text % params if params else text)
        weak = AccountError(
            AccountErrorCode.WEAK_PASSWORD,
            field="password",
            detail=("".join(zh), " ".join(en)),
        )
        # The validators' own codes (password_too_short, ...), for the API.
        weak.reasons = [item.code for item in error.error_list]
        raise weak from None


def _email_taken(email: str, *, exclude_pk=None) -> bool:
    users = get_user_model().objects.exclude(pk=exclude_pk)
    return (
        users.filter(email__iexact=email).exists()
        or users.filter(username__iexact=email).exists()
    )


def _notify_owner(email: str) -> None:
    # Counted before the lookup, known address or not: the same work either way.
    if not mail_allowed("signup-attempt", email):
        return
    owner = get_user_model().objects.filter(email__iexact=email, is_active=True)
    owner = owner.order_by("pk").first()
    if owner is not None:
        transaction.on_commit(
            lambda: tasks.send_signup_attempt.delay(owner.pk), robust=True
        )


def account_signup(
    *,
    email: str,
    password: str,
    mobile: str = "",
    first_name: str = "",
    last_name: str = "",
    link_base: str = "",
):
    """A new, unverified account with a verification link on its way; or, if
    the address is taken, no account and a notice to its owner. Returns the
    new user or None; callers answer both alike. `link_base`, when given, is
    an API client's page (already checked against ALLOWED_CLIENT_HOSTS) that
    receives ?email=&token= for confirmAccount."""
    email = clean_email(email)
    mobile = clean_mobile(mobile)
    User = get_user_model()
    check_password_strength(
        password=password, user=User(username=email.lower(), email=email)
    )
    if _email_taken(email):
        make_password(password)  # about as slow as creating the account
        _notify_owner(email)
        return None
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=email.lower(),
                email=email,
                password=password,
                first_name=(first_name or "").strip()[:NAME_MAX_LENGTH],
                last_name=(last_name or "").strip()[:NAME_MAX_LENGTH],
            )
            Profile.objects.create(user=user, mobile=mobile)
            transaction.on_commit(
                lambda: tasks.send_verification.delay(user.pk, link_base),
                robust=True,
            )
    except IntegrityError:
        # Another sign-up took the address between the check and the insert.
        _notify_owner(email)
        return None
    return user


def profile_of(user) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def account_profile_update(
    *, user, name: str, mobile: str, last_name: str | None = None
) -> Profile:
    """`name` is the whole name (first_name); `last_name`, which only API
    clients send (Saleor's lastName), is left alone when None."""
    name = (name or "").strip()
    if len(name) > NAME_MAX_LENGTH:
        name = name[:NAME_MAX_LENGTH]
    mobile = clean_mobile(mobile)
    with transaction.atomic():
        profile = profile_of(user)
        user.first_name = name
        fields = ["first_name"]
        if last_name is not None:
            user.last_name = last_name.strip()[:NAME_MAX_LENGTH]
            fields.append("last_name")
        user.save(update_fields=fields)
        profile.mobile = mobile
        profile.save(update_fields=["mobile", "updated_at"])
    return profile


def account_verification_resend(*, user) -> None:
    profile = profile_of(user)
    if profile.email_verified and not profile.pending_email:
        return
    if not mail_allowed("verification", profile.pending_email or user.email):
        return
    transaction.on_commit(lambda: tasks.send_verification.delay(user.pk), robust=True)


def account_email_change_request(*, user, new_email: str) -> None:
    """Mails a link to the new address; the account keeps its email until the
    link is opened. A taken address gets no link (its owner a notice), and
    the caller answers the same."""
    new_email = clean_email(new_email)
    if new_email.lower() == (user.email or "").lower():
        raise AccountError(AccountErrorCode.SAME_EMAIL, field="email")
    if _email_taken(new_email, exclude_pk=user.pk):
        _notify_owner(new_email)
        return
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(pk=profile_of(user).pk)
        profile.pending_email = new_email
        profile.save(update_fields=["pending_email", "updated_at"])
        transaction.on_commit(
            lambda: tasks.send_verification.delay(user.pk), robust=True
        )


def account_email_confirm(*, user) -> str:
    """What the verification link does, once its token was checked: the
    pending address becomes the account's, or the current one is marked
    verified. Returns the verified address."""
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        profile = Profile.objects.select_for_update().get(user=user)
        new = profile.pending_email
        if new:
            if _email_taken(new, exclude_pk=user.pk):
                raise AccountError(AccountErrorCode.INVALID_LINK)
            if user.username.lower() == (user.email or "").lower():
                user.username = new.lower()
            user.email = new
            user.save(update_fields=["username", "email"])
            profile.pending_email = ""
        profile.email_verified_at = timezone.now()
        profile.save(update_fields=["pending_email", "email_verified_at", "updated_at"])
    return user.email


def account_delete(*, user, password: str) -> str:
    """The deletion request (PIPL): the account is anonymised at once and can
    no longer sign in. Orders, their events and the ledger stay: they are the
    shop's bookkeeping, and each order keeps its own copy of the delivery
    address and email. The address book goes; the carts are the web layer's
    to empty (storefront.checkout.services.checkouts_delete_of_user).
    Returns the username the account had."""
    if not user.check_password(password):
        raise AccountError(AccountErrorCode.WRONG_PASSWORD, field="password")
    return account_anonymise(user=user)


def account_may_be_deleted(user) -> bool:
    """Staff, workshop, village and host accounts are removed by the platform."""
    return not (
        user.is_staff
        or user.is_superuser
        or Membership.objects.filter(user=user).exists()
    )


def account_anonymise(*, user) -> str:
    """What a deletion does once the shopper proved it is them (the password
    on the web, a mailed one-time link through the API)."""
    if not account_may_be_deleted(user):
        raise AccountError(AccountErrorCode.STAFF_ACCOUNT)
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        old_username = user.get_username()
        user.username = f"deleted-{user.pk}"
        user.email = ""
        user.first_name = ""
        user.last_name = ""
        user.set_unusable_password()
        user.is_active = False
        user.save()
        Profile.objects.filter(user=user).delete()
        Address.objects.filter(user=user).delete()
    return old_username


def email_verified(user) -> bool:
    return Profile.objects.filter(user=user, email_verified_at__isnull=False).exists()


def account_password_reset_request(*, email: str, link_base: str = "") -> None:
    """Queues a one-time reset link for every active account with that
    address (none for an unknown one); callers answer alike either way and
    the request does no more work in one case than the other. `link_base`,
    when given, is a client's page (already checked against
    ALLOWED_CLIENT_HOSTS) that receives ?email=&token=, as Saleor's
    storefronts expect; otherwise the link opens the shop's own page."""
    email = (email or "").strip()
    if not email or len(email) > EMAIL_MAX_LENGTH or "\x00" in email:
        return
    if not mail_allowed("password-reset", email):
        return
    transaction.on_commit(
        lambda: tasks.send_password_reset.delay(email, link_base), robust=True
    )


def account_deletion_request(*, user, link_base: str) -> None:
    """Mails a one-time deletion link to the account's address (the API's
    accountRequestDeletion; `link_base` already checked against
    ALLOWED_CLIENT_HOSTS). Refused at once for accounts the platform removes."""
    if not account_may_be_deleted(user):
        raise AccountError(AccountErrorCode.STAFF_ACCOUNT)
    transaction.on_commit(
        lambda: tasks.send_deletion_link.delay(user.pk, link_base), robust=True
    )


def clean_client_url(url: str, *, field: str = "redirect_url") -> str:
    """An API client's page for a mailed link (Saleor's redirectUrl): an
    http(s) URL on a host in ALLOWED_CLIENT_HOSTS, else AccountError.
    Printable ASCII only, no backslash and no user:password@: browsers read
    `https://evil.example\\@shop.example/` as a page on evil.example, while
    urlsplit sees shop.example; spaces would let the mailed link carry text."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - a port out of range raises ValueError
    except ValueError:
        parts, host = None, ""
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not host
        or host not in settings.ALLOWED_CLIENT_HOSTS
        or len(url) > 2000
        or any(not ("!" <= char <= "~") or char == "\\" for char in url)
        or "@" in parts.netloc
    ):
        raise AccountError(AccountErrorCode.REDIRECT_URL_NOT_ALLOWED, field=field)
    return url
