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

from .models import Profile
from .tokens import email_verification_token


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


def verification_link(user) -> str:
    token = email_verification_token.make_token(user)
    path = reverse("web:email-verify", kwargs={"uidb64": _uid(user), "token": token})
    return settings.SITE_URL + path


def send_verification(*, user_id: int) -> None:
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
            "link": verification_link(user),
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
            "reset_link": settings.SITE_URL + path,
            "login_link": settings.SITE_URL + reverse("web:login"),
            "timeout_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )


def password_reset_link(user, *, link_base: str = "") -> str:
    token = default_token_generator.make_token(user)
    if link_base:
        # Saleor's shape: the client's page finishes with setPassword.
        separator = "&" if "?" in link_base else "?"
        query = urlencode({"email": user.email, "token": token})
        return f"{link_base}{separator}{query}"
    path = reverse(
        "web:password-reset-confirm", kwargs={"uidb64": _uid(user), "token": token}
    )
    return settings.SITE_URL + path


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
