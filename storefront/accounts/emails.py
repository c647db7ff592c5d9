"""The account emails, Chinese first with English below. They are sent by
the tasks in tasks.py, scheduled after commit: they run with no transaction
open, and the token is made from the state that was committed."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from storefront.core.urls import absolute_url

from .models import Profile
from .tokens import account_deletion_token, email_verification_token


def _uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def _send(*, to: str, template: str, context: dict) -> None:
    context = {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        **context,
    }
    subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
    body = render_to_string(f"accounts/email/{template}.txt", context)
    send_mail(
        " ".join(subject.split()),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [to],
    )


def _client_link(link_base: str, **params) -> str:
    """A client's page (checked against ALLOWED_CLIENT_HOSTS) with `params`
    added to its query, as Saleor's storefronts expect."""
    separator = "&" if "?" in link_base else "?"
    return f"{link_base}{separator}{urlencode(params)}"


def verification_link(user, *, link_base: str = "") -> str:
    token = email_verification_token.make_token(user)
    if link_base:
        # The client's page finishes with confirmAccount(email, token).
        profile = user.profile
        return _client_link(
            link_base, email=profile.pending_email or user.email, token=token
        )
    path = reverse("web:email-verify", kwargs={"uidb64": _uid(user), "token": token})
    return absolute_url(path)


def send_verification(*, user_id: int, link_base: str = "") -> None:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    profile = Profile.objects.filter(user_id=user_id).first()
    if user is None or profile is None:
        return
    to = profile.pending_email or user.email
    if not to or (profile.email_verified and not profile.pending_email):
        return
    _send(
        to=to,
        template="verify",
        context={
            "link": verification_link(user, link_base=link_base),
            "hours": settings.ACCOUNT_EMAIL_VERIFICATION_TIMEOUT // 3600,
            "changing": bool(profile.pending_email),
        },
    )


def send_signup_attempt(*, user_id: int) -> None:
    """To the owner of an address someone tried to sign up (or switch an
    account) with: a way back in if it was them, nothing to do if not."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return
    path = reverse(
        "web:password-reset-confirm",
        kwargs={
            "uidb64": _uid(user),
            "token": default_token_generator.make_token(user),
        },
    )
    _send(
        to=user.email,
        template="signup_attempt",
        context={
            "user": user,
            "reset_link": absolute_url(path),
            "login_link": absolute_url(reverse("web:login")),
            "timeout_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )


def password_reset_link(user, *, link_base: str = "") -> str:
    token = default_token_generator.make_token(user)
    if link_base:
        # Saleor's shape: the client's page finishes with setPassword.
        return _client_link(link_base, email=user.email, token=token)
    path = reverse(
        "web:password-reset-confirm", kwargs={"uidb64": _uid(user), "token": token}
    )
    return absolute_url(path)


def send_password_reset(*, email: str, link_base: str = "") -> int:
    """A one-time link to each active account with this address and a
    usable password (Django's own choice of accounts); the number sent."""
    users = list(PasswordResetForm().get_users(email))
    for user in users:
        _send(
            to=user.email,
            template="password_reset",
            context={
                "user": user,
                "link": password_reset_link(user, link_base=link_base),
                "timeout_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
            },
        )
    return len(users)


def send_deletion_link(*, user_id: int, link_base: str) -> None:
    """The one-time link of accountRequestDeletion: the client's page, which
    finishes with accountDelete(token)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return
    _send(
        to=user.email,
        template="delete_request",
        context={
            "user": user,
            "link": _client_link(
                link_base, token=account_deletion_token.make_token(user)
            ),
            "timeout_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )
